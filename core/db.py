"""Database access: declarative base with a constraint naming convention, and one session per app context.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy): the app factory creates the engine, ``db.session`` is the
session of the current application context, removed when the context ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
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


#: HTTP methods that only read: their requests begin deferred SQLite transactions (see ``_configure_sqlite``).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Execution option (and ``Connection.info`` key) naming how a SQLite transaction began.
SQLITE_BEGIN = "keiyaku_sqlite_begin"
#: Execution options of a connection whose transaction begins DEFERRED on SQLite wherever it runs (a read).
BEGIN_DEFERRED = {SQLITE_BEGIN: "DEFERRED"}
#: How long a connection waits for SQLite's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Page cache of each SQLite connection, in KiB (a negative cache_size): the working set of the list pages
#: (firms, registrations, 業種 and their indexes: about 8 MB at 7,000 firms) with room to spare.
SQLITE_CACHE_KB = 16_000


def _begin_mode(conn) -> str:
    explicit = conn.get_execution_options().get(SQLITE_BEGIN)
    if explicit:
        return explicit
    if has_request_context() and request.method in READ_METHODS:
        return "DEFERRED"
    return "IMMEDIATE"


def _configure_sqlite(engine: Engine, wal: bool) -> None:
    """Make pysqlite honour real transactions, and let several processes write without "database is locked".

    The driver's legacy mode starts transactions only before DML, so a SELECT followed by an INSERT could
    span two transactions; the audit chain relies on reading the head inside the writing transaction. So the
    driver's own handling is off and BEGIN is issued here (savepoints then work too).

    Why not a plain BEGIN: SQLite has one writer at a time. A deferred transaction that has read and then
    writes must upgrade its read lock, and when another connection holds the write lock, or has committed
    since this transaction's first read, the upgrade fails at once with SQLITE_BUSY: the busy timeout is not
    applied, because waiting could deadlock and the snapshot already read would be stale anyway. Two
    gunicorn workers logging users in (read the account, then write the login) hit this all the time. A
    transaction that begins with ``BEGIN IMMEDIATE`` takes the write lock first, waiting its turn through the
    busy timeout, and can never fail that way. So:

    * every transaction begins IMMEDIATE (POST requests, CLI commands, background imports), except
    * in a request whose method only reads (GET/HEAD/OPTIONS), which begins DEFERRED: list and detail pages
      read side by side (WAL: readers never wait for the writer nor block it) instead of queueing for a lock;
    * the few writes of a GET request (the login session's last-seen time, the operation log entry of an
      export) call :func:`begin_write` first, which ends the read transaction and begins an immediate one.

    Holding the write lock for a whole POST request is cheap: it is one short request, and two workers
    (or waitress threads) queue for it rather than fail.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # SQLite's default page cache is 2 MB per connection: less than the contractor table alone at city
        # scale, so list pages read the same pages from the OS again on every request (a filtered list's page
        # took 1.5 ms instead of 0.9). Filled only as pages are read.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        if wal:
            # Readers do not block the writer (several threads and processes serve requests).
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = _begin_mode(conn)
        conn.exec_driver_sql(f"BEGIN {mode}")
        # Remembered so that begin_write() can tell a read transaction that has not written yet.
        conn.info[SQLITE_BEGIN] = (mode, conn.connection.dbapi_connection.total_changes)


def begin_write(session: Session) -> bool:
    """Make sure the session's transaction holds SQLite's write lock before it writes (no-op elsewhere).

    A transaction that began IMMEDIATE already holds it. A deferred one (a GET request) that has only read
    is ended (nothing to commit; loaded objects stay, ``expire_on_commit`` is off) and an immediate one
    begins, waiting for the lock through the busy timeout. What was read before is not re-read: the write
    then sees the latest committed data, as every statement does on PostgreSQL (read committed).

    :returns: False when the session's deferred transaction has changes pending (not flushed yet), which
        cannot be carried over: flushing them will try to upgrade and may fail when another process writes.
        The caller may roll back, call this again and redo its work.
    """
    if session.get_bind().dialect.name != "sqlite":
        return True
    if session.in_transaction():
        conn = session.connection()
        mode, changes = conn.info.get(SQLITE_BEGIN, ("IMMEDIATE", None))
        if mode == "IMMEDIATE" or conn.connection.dbapi_connection.total_changes != changes:
            return True  # it holds the lock: since it began, or since its first write succeeded
        if session.new or session.dirty or session.deleted:
            return False
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
    return True


def begin_read(session: Session) -> None:
    """Begin the session's transaction DEFERRED on SQLite outside a GET request: for work that only reads
    while another connection of the same thread writes (a background import's progress rows). It must end
    before the session writes; the next transaction then begins IMMEDIATE again."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options=BEGIN_DEFERRED)


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, wal=":memory:" not in url and url != "sqlite://")
        return engine
    # psycopg prepares a statement on the server after 5 runs, and PostgreSQL may then keep a generic plan
    # that ignores the values: the 業種+等級 list went from 3 ms to 250 ms at 70,000 firms. Every query here
    # plans in well under a millisecond, so plan each one with its real values.
    connect_args = {"prepare_threshold": None} if url.startswith("postgresql+psycopg") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


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
