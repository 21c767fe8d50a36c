"""Database access: declarative base with a constraint naming convention, and one session per app context.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy): the app factory creates the engine, ``db.session`` is the
session of the current application context, removed when the context ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Current time as naive UTC, the form every timestamp column stores (both engines agree on it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _configure_sqlite(engine: Engine, wal: bool) -> None:
    """Make pysqlite honour real transactions (BEGIN at the first statement, savepoints work).

    The driver's legacy mode starts transactions only before DML, so a SELECT followed by an INSERT could
    span two transactions; the audit chain relies on reading the head inside the writing transaction.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if wal:
            # Readers do not block the writer (several threads serve requests).
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, wal=":memory:" not in url and url != "sqlite://")
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """Holds the engine and the scoped session of each app; ``db.session`` resolves per app context."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        registry = scoped_session(factory, scopefunc=_app_context_id)
        app.extensions["keiyaku_db"] = {"engine": engine, "factory": factory, "session": registry}

        @app.teardown_appcontext
        def _remove_session(_exc):
            registry.remove()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["keiyaku_db"]["engine"]

    @property
    def session(self) -> Session:
        return current_app.extensions["keiyaku_db"]["session"]()

    def bind_session(self, app: Flask, **kwargs) -> None:
        """Rebind the app's session factory (tests join an outer transaction this way)."""
        app.extensions["keiyaku_db"]["factory"].configure(**kwargs)
        with app.app_context():
            app.extensions["keiyaku_db"]["session"].remove()

    def get(self, model, ident):
        """Fetch by primary key or raise 404."""
        from flask import abort

        obj = self.session.get(model, ident)
        if obj is None:
            abort(404)
        return obj


def _app_context_id() -> int:
    # g lives on the app context, so its identity identifies the context.
    return id(g._get_current_object())


db = Database()
