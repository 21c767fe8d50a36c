"""The bare reference page of ``load.py --throughput``: Flask + SQLAlchemy listing 50 of the ~18,000 rows of
``bench_bare_rows`` (made by ``benchmarks/dataset.py``) with a COUNT for the pagination, rendered by Jinja.

    KEIYAKU_DATABASE_URL=URL gunicorn -w 2 --threads 4 'benchmarks.bare_app:from_environment()'  # as load.py does

It is honest on purpose: the same database and engine settings as the app (``core.db.make_engine``: WAL and
busy timeout on SQLite, pool pre-ping), the ORM, a real ORDER BY + LIMIT/OFFSET on an index and a COUNT, a
template with a layout — and nothing of the app's sessions, permissions, rules or menus. The ratio of a page's
throughput to this page's says how much the app adds to the least any list costs.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from flask import Flask, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session

from benchmarks.datagen.bare import bare_rows
from core.db import make_engine

PAGE_SIZE = 50


class Base(DeclarativeBase):
    pass


class BareRow(Base):
    __table__ = bare_rows

    id: Mapped[int]
    number: Mapped[str]
    title: Mapped[str]
    department: Mapped[str]
    amount: Mapped[int]
    opened_on: Mapped[date]
    status: Mapped[str]


def create_app(database_url: str) -> Flask:
    app = Flask(__name__, template_folder=str(Path(__file__).with_name("templates")))
    engine = make_engine(database_url)

    @app.get("/bare")
    def bare_list():
        page = max(1, request.args.get("page", 1, type=int))
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(BareRow))
            rows = session.scalars(select(BareRow).order_by(BareRow.opened_on.desc(), BareRow.id.desc())
                                   .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        pages = max(1, -(-total // PAGE_SIZE))
        return render_template("bare_list.html", rows=rows, total=total, page=page, pages=pages)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def from_environment() -> Flask:
    """The app factory gunicorn calls (``'benchmarks.bare_app:from_environment()'``)."""
    url = os.environ.get("KEIYAKU_DATABASE_URL", "").strip()
    if not url:
        raise RuntimeError("KEIYAKU_DATABASE_URL must name the benchmark database")
    return create_app(url)
