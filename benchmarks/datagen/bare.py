"""Step ``bare_rows``: ``bench_bare_rows``, the plain table the bare reference page lists (``benchmarks/bare_app.py``).

It is not part of the app's schema (its own ``MetaData``): 1,800 rows a year (18,000 for 10 years, the size of
the city's tender cases), indexed on the list order, so the bare page does the work a real list does —
ORDER BY + LIMIT/OFFSET and a COUNT — without the app's filters, permissions and layout.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import BigInteger, Column, Date, Index, Integer, MetaData, String, Table

from . import names
from .context import Context

metadata = MetaData()
bare_rows = Table(
    "bench_bare_rows", metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("department", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Index("ix_bench_bare_rows_opened_on_id", "opened_on", "id"),
)
STATUSES = ("公告中", "入札済", "契約済", "完了")
DEPARTMENTS = ("土木課", "道路課", "河川港湾課", "建築課", "公園緑地課", "上下水道局 工務課", "学校施設課")


def generate(ctx: Context) -> None:
    rng = ctx.rng("bare_rows")
    count = 1800 * ctx.years
    first = ctx.as_of - timedelta(days=365 * ctx.years)
    rows = []
    for i in range(1, count + 1):
        opened = first + timedelta(days=rng.randint(0, 365 * ctx.years))
        fiscal_year = opened.year if opened.month >= 4 else opened.year - 1
        rows.append({"id": i, "number": f"{fiscal_year}-B{i:05d}", "title": names.work_title(rng),
                     "department": rng.choice(DEPARTMENTS), "amount": rng.randint(10, 5000) * 100_000,
                     "opened_on": opened, "status": rng.choice(STATUSES)})
    with ctx.engine.begin() as conn:
        metadata.create_all(conn)
        ctx.tables.setdefault(bare_rows.name, bare_rows)
        ctx.insert(conn, bare_rows.name, rows, chunk=5000)
