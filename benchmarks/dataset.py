"""Build a benchmark database at the city's scale: 10 years of fictional data in one command.

    PYTHONPATH=$PWD python -m benchmarks.dataset --database-url sqlite:////tmp/keiyaku_bench.sqlite3
    PYTHONPATH=$PWD python -m benchmarks.dataset \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/keiyaku_bench [--firms 7000] [--years 10] [--seed 1]

The database must be new (a SQLite file that does not exist yet, or an empty PostgreSQL database). The script
runs the migrations, then fills it with SQLAlchemy Core bulk inserts, step by step (``STEPS``):

- ``staff``: departments and staff users of every role, all with the benchmark password printed at the end;
- ``registry``: ~7,000 firms (construction 60 %, consulting 25 %, goods 15 %; 2 % joint ventures), their
  registrations over the last 5 two-year qualification periods with 1–6 業種 each (points, ranks A–E),
  construction permits, yearly 経審 scores, technicians and ~300 nomination suspensions (some in force on
  the as-of day, some starting after it, some lifted early);
- ``applications``: ~40,000 qualification applications and 変更届 in every state, with their JSON content,
  applicant accounts and step logs;
- ``bidding``: ~5,000 budget lines and ~18,000 tender cases (each charged to a line) over 10 years in the works
  departments, in every state, with their
  nominated firms or applicants (6–10 / 3–12 per case) drawn from the firms registered for the case's 業種, and
  for the opened cases ~110,000 bids in ~18,000 rounds, ~1,700 電子くじ and ~16,000 awards consistent with each
  case's state (``datagen/bids.py``);
- ``contracts``: the contracts of the 契約済 and 完成 cases with a decided award (~15,000), ~3,700 change contracts,
  前払金・部分払・完成払 claims (a few unpaid past their deadline), 完成届 and inspections (``datagen/contracts.py``);
- ``grading``: ~2,000 graded works over 10 years from the completed construction cases (the last three 年度 graded
  in this system with their graders, the older ones past grades), and ~80 works of this 年度 being graded
  (``datagen/grading.py``);
- ``bare_rows``: ``bench_bare_rows``, the plain indexed table the bare reference page of ``load.py`` lists.

Each feature package adds its own step: a function ``generate(ctx: Context) -> None`` in
``benchmarks/datagen/<package>.py`` appended to ``STEPS`` (bidding adds ~18,000 tender cases over 10 years,
grading adds ~2,000 graded works). A step reads what earlier steps made from ``ctx.shared`` and draws its random
numbers from ``ctx.rng(<step name>)``, so adding a step never changes the data of the steps before it.

Generator code reads tables by name from ``Base.metadata`` (after ``core.factory.import_models()``) and code
lists from the versioned rules (``core.rules.get_rule``): it never imports a feature package's modules, so it
survives their reorganisation. Users are created through ``core.auth.admin_services``.

The data is deterministic for a given ``--seed`` and ``--as-of`` day (default: today in Japan). The as-of day
anchors "today" (suspensions in force, the current qualification period); keep the default so that the
running app, which uses the real date, sees the data as intended.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import BENCH_PASSWORD, STAFF_LOGINS  # noqa: E402
from benchmarks.datagen import applications, bare, bidding, contracts, grading, registry, staff  # noqa: E402
from benchmarks.datagen.context import Context  # noqa: E402

STEPS: list[tuple[str, Callable[[Context], None]]] = [
    ("staff", staff.generate),
    ("registry", registry.generate),
    ("applications", applications.generate),
    ("bidding", bidding.generate),
    ("contracts", contracts.generate),
    ("grading", grading.generate),
    ("bare_rows", bare.generate),
]


def _check_empty(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            raise SystemExit(f"{path} exists: the dataset is built in a new database (delete the file first).")
        return
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise SystemExit("the PostgreSQL database is not empty: build the dataset in a new database "
                             "(dropdb / createdb first).")
    finally:
        engine.dispose()


def _japan_today() -> date:
    from core.rules.queries import today

    return today()


def make_app(url: str):
    """The real app on ``url`` (for the rules and the auth services), with a random key; the environment of
    the calling process is left alone."""
    from core import create_app

    return create_app({"KEIYAKU_ENV": "development", "KEIYAKU_SECRET_KEY": secrets.token_urlsafe(48),
                       "KEIYAKU_DATABASE_URL": url})


def build(url: str, *, firms: int = 7000, years: int = 10, seed: int = 1, as_of: date | None = None,
          verbose: bool = True) -> Context:
    """Migrate the new database at ``url`` and run every step; returns the context (counts per table)."""
    from core.factory import import_models
    from core.migrate import upgrade_database

    _check_empty(url)
    upgrade_database(url)
    app = make_app(url)
    tables = dict(import_models().tables)
    ctx = Context(app=app, engine=app.extensions["keiyaku_db"]["engine"], tables=tables, seed=seed, firms=firms,
                  years=years, as_of=as_of or _japan_today())
    for name, step in STEPS:
        started = time.perf_counter()
        step(ctx)
        if verbose:
            print(f"  {name:<14} {time.perf_counter() - started:6.1f} s", flush=True)
    _finish(ctx)
    return ctx


def _finish(ctx: Context) -> None:
    """Move PostgreSQL sequences past the explicit ids, and refresh the planner statistics as autovacuum would
    after a bulk load (SQLite keeps none unless someone runs ANALYZE, and the app does not)."""
    if ctx.engine.dialect.name != "postgresql":
        return
    with ctx.engine.begin() as conn:
        for name in sorted(ctx.explicit_ids):
            table = ctx.tables[name]
            conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"),
                                            select(func.max(table.c.id)).scalar_subquery())))
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def database_size(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"{Path(url.removeprefix('sqlite:///')).stat().st_size / 1e6:.0f} MB (SQLite file)"
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    engine.dispose()
    return f"{size} (pg_database_size)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--firms", type=int, default=7000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, help="the day the data treats as today (YYYY-MM-DD)")
    args = parser.parse_args()
    started = time.perf_counter()
    ctx = build(args.database_url, firms=args.firms, years=args.years, seed=args.seed, as_of=args.as_of)
    elapsed = time.perf_counter() - started
    ctx.engine.dispose()
    print(f"\nbuilt in {elapsed:.1f} s, as of {ctx.as_of}; {database_size(args.database_url)}")
    for table, count in sorted(ctx.counts.items()):
        print(f"  {table:<28} {count:>9,}")
    print("\nstaff logins (benchmark data only):", ", ".join(STAFF_LOGINS))
    print(f"password of every staff login: {BENCH_PASSWORD}")


if __name__ == "__main__":
    main()
