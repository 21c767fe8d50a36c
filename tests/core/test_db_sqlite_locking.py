"""SQLite under several processes: writers take the write lock when they begin, so none sees "database is locked".

These tests use their own SQLite file (whatever ``TEST_DATABASE_URL`` says): they check how ``core.db``
configures pysqlite, which PostgreSQL never uses.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.db import SQLITE_BEGIN, begin_write, make_engine

_metadata = MetaData()
counter = Table("counter", _metadata, Column("id", Integer, primary_key=True), Column("value", Integer))
ROUNDS = 150


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locking.sqlite3'}")
    _metadata.create_all(engine)
    with Session(engine) as s:
        s.execute(insert(counter).values(id=1, value=0))
        s.commit()
    yield engine
    engine.dispose()


def _value(session: Session) -> int:
    return session.scalar(select(counter.c.value).where(counter.c.id == 1))


def _begin_mode(session: Session) -> str:
    return session.connection().info[SQLITE_BEGIN][0]


def test_concurrent_read_then_write_transactions_never_see_database_is_locked(engine):
    """Two connections, each reading then writing in one transaction, as the login and every form do."""
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def worker():
        start.wait()
        for _ in range(ROUNDS):
            try:
                with Session(engine) as s:
                    value = _value(s)
                    time.sleep(0)  # let the other connection in between the read and the write
                    s.execute(update(counter).where(counter.c.id == 1).values(value=value + 1))
                    s.commit()
            except OperationalError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as s:
        assert _value(s) == 2 * ROUNDS  # and no update was lost: each read saw the other's last write


@pytest.mark.parametrize(("method", "mode"), [("GET", "DEFERRED"), ("HEAD", "DEFERRED"), ("POST", "IMMEDIATE"),
                                              (None, "IMMEDIATE")])
def test_only_reading_requests_begin_deferred(engine, method, mode):
    with Session(engine) as s:
        if method is None:  # CLI commands and background threads
            _value(s)
            assert _begin_mode(s) == mode
        else:
            with Flask(__name__).test_request_context("/", method=method):
                _value(s)
                assert _begin_mode(s) == mode


def test_get_request_writes_after_begin_write(engine):
    """A GET reads side by side with writers, and its rare write (a touch, an export log) cannot fail."""
    with Flask(__name__).test_request_context("/", method="GET"), Session(engine) as reader:
        _value(reader)
        with Session(engine) as other:  # another worker writes meanwhile: the read snapshot is now stale
            other.execute(update(counter).values(value=counter.c.value + 1))
            other.commit()
        with pytest.raises(OperationalError, match="database is locked"):  # why a plain upgrade is not enough
            reader.execute(update(counter).values(value=counter.c.value + 1))
        reader.rollback()

        _value(reader)
        with Session(engine) as other:
            other.execute(update(counter).values(value=counter.c.value + 1))
            other.commit()
        assert begin_write(reader) is True
        assert _begin_mode(reader) == "IMMEDIATE"
        reader.execute(update(counter).values(value=counter.c.value + 1))
        reader.commit()
    with Session(engine) as s:
        assert _value(s) == 3


def test_begin_write_keeps_pending_changes_and_says_so(engine):
    from core.auth.models import Department
    from core.db import Base

    Base.metadata.create_all(engine, tables=[Department.__table__])
    with Flask(__name__).test_request_context("/", method="GET"), Session(engine) as s:
        _value(s)
        s.add(Department(code="P1", name="未確定"))
        assert begin_write(s) is False  # nothing was committed behind the caller's back
        assert s.new
        s.rollback()
    with Session(engine) as s:
        assert s.scalar(select(Department.code)) is None


def test_savepoints_inside_immediate_transactions(engine):
    with Session(engine) as s:
        s.execute(update(counter).values(value=10))
        with pytest.raises(RuntimeError):
            with s.begin_nested():
                s.execute(update(counter).values(value=99))
                raise RuntimeError
        assert _value(s) == 10
        s.commit()
    with Session(engine) as s:
        assert _value(s) == 10


@pytest.fixture
def file_app(tmp_path):
    """The real app on its own SQLite file, not joined to the test's rolled-back transaction."""
    from core import create_app
    from core.migrate import upgrade_database

    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    upgrade_database(url)
    application = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": url, "STORAGE_DIR": str(tmp_path / "files")})
    yield application
    application.extensions["keiyaku_db"]["engine"].dispose()


def test_login_session_touch_on_a_get_waits_for_another_writer(file_app):
    """The once-a-minute last-seen update of a GET request queues behind a writer instead of failing."""
    from core.auth import admin_services
    from core.auth.models import LoginSession
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.auth.roles import Role
    from core.db import db
    from tests.helpers import TEST_PASSWORD, login

    with file_app.app_context():
        user, _ = admin_services.create_user(db.session, None, login_id="touch1", name="確認 一郎",
                                             department_id=None, roles=[Role.VIEWER], policy=PasswordPolicy())
        user.password_hash = hash_password(TEST_PASSWORD, file_app.config["PASSWORD_HASH_METHOD"])
        user.must_change_password = False
        db.session.commit()
    client = file_app.test_client()
    assert login(client, "touch1").status_code == 302
    engine = file_app.extensions["keiyaku_db"]["engine"]
    with Session(engine) as s:
        ls = s.scalars(select(LoginSession)).one()
        ls.last_seen_at -= timedelta(minutes=2)  # a touch is due
        s.commit()

    holding, release = threading.Event(), threading.Event()

    def other_worker():  # holds the write lock while the GET request below runs
        with Session(engine) as s:
            s.execute(update(LoginSession).values(user_agent="other worker"))
            holding.set()
            release.wait(5)
            s.commit()

    thread = threading.Thread(target=other_worker)
    thread.start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()
    response = client.get("/")
    thread.join()
    assert response.status_code == 200
    with Session(engine) as s:
        ls = s.scalars(select(LoginSession)).one()
        assert ls.user_agent == "other worker"
        assert ls.last_seen_at > ls.created_at  # the touch happened after the other writer committed
