"""Shared fixtures: the real app in test configuration, a database rolled back after each test, factories.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set
(``postgresql+psycopg://postgres@127.0.0.1:5432/keiyaku_test``). The schema is built by the real
migrations, not ``create_all``, so tests see the triggers and the seeded audit head too.
"""

from __future__ import annotations

import itertools
import os

import pytest
from sqlalchemy.orm import Session

from core import create_app
from core.auth import admin_services
from core.auth.models import Department, User
from core.auth.passwords import PasswordPolicy
from core.auth.roles import Role
from core.db import BEGIN_DEFERRED, db
from core.migrate import upgrade_database
from tests.helpers import TEST_PASSWORD, login

_counter = itertools.count(1)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    application = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": database_url,
                              "STORAGE_DIR": str(tmp_path_factory.mktemp("storage"))})
    yield application
    application.extensions["keiyaku_db"]["engine"].dispose()


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Each test runs inside an outer transaction that is rolled back; code under test may commit.

    The test's own session and the sessions of requests made by test clients share one connection, so
    each sees what the other flushed. No application context stays pushed: each request gets its own,
    as in production (a shared one would also share ``g`` and hide login handling).
    """
    if request.node.get_closest_marker("e2e"):
        yield None
        return
    engine = app.extensions["keiyaku_db"]["engine"]
    # Deferred on SQLite: the outer transaction takes the write lock only when the test first writes, so
    # commands that read on their own connection (``db check``) still run while a test is under way.
    connection = engine.connect().execution_options(**BEGIN_DEFERRED)
    outer = connection.begin()
    db.bind_session(app, bind=connection, join_transaction_mode="create_savepoint")
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        db.bind_session(app, bind=engine, join_transaction_mode="conservative_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def policy(app) -> PasswordPolicy:
    return PasswordPolicy(app.config["PASSWORD_MIN_LENGTH"], app.config["PASSWORD_MIN_CLASSES"])


@pytest.fixture
def create_department(db_session):
    def _create(code: str | None = None, name: str | None = None) -> Department:
        n = next(_counter)
        return admin_services.create_department(db_session, None, code=code or f"D{n:04d}", name=name or f"部署{n}")

    return _create


@pytest.fixture
def create_user(app, db_session, create_department, policy):
    """Factory: an active user with ``TEST_PASSWORD`` who need not change it."""

    def _create(*roles: Role, login_id: str | None = None, department: Department | None = None,
                name: str | None = None, must_change_password: bool = False) -> User:
        roles = roles or (Role.VIEWER,)
        n = next(_counter)
        if department is None and set(roles) & admin_services.DEPARTMENT_BOUND_ROLES:
            department = create_department()
        user, _ = admin_services.create_user(
            db_session, None, login_id=login_id or f"user{n}", name=name or f"利用者{n}",
            department_id=department.id if department else None, roles=roles, policy=policy,
            hash_method=app.config["PASSWORD_HASH_METHOD"])
        from core.auth.passwords import hash_password

        user.password_hash = hash_password(TEST_PASSWORD, app.config["PASSWORD_HASH_METHOD"])
        user.must_change_password = must_change_password
        db_session.flush()
        return user

    return _create


@pytest.fixture
def admin(create_user) -> User:
    return create_user(Role.SYSTEM_ADMIN, login_id="admin1", name="管理 太郎")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app):
    """``login_as(user)`` returns a test client logged in as ``user`` (through the real login form)."""

    def _login(user) -> object:
        c = app.test_client()
        response = login(c, user)
        assert response.status_code == 302, response.data.decode()[:500]
        return c

    return _login


@pytest.fixture
def admin_client(login_as, admin):
    return login_as(admin)


@pytest.fixture
def create_contractor(db_session):
    """Factory: a registered firm (inserted directly; registry services are tested on their own)."""
    from registry.contractors.models import Contractor
    from registry.qualifications.models import RegisteredWorkType, Registration

    def _create(name: str | None = None, *, number: str | None = None, area: str = "city", status: str = "active",
                category: str = "construction", work_types: dict | None = None, **fields) -> Contractor:
        from datetime import date

        from core.jp import search_key

        n = next(_counter)
        name = name or f"株式会社テスト建設{n}"
        contractor = Contractor(number=number or f"{900000 + n}", name=name, search_key=search_key(name),
                                legal_form=fields.pop("legal_form", "corporation"), area=area, status=status,
                                is_jv=fields.pop("is_jv", False), **fields)
        registration = Registration(category=category, period_start=date(2025, 4, 1), period_end=date(2027, 3, 31))
        for code, rank in (work_types if work_types is not None else {"010": "A"}).items():
            registration.work_types.append(RegisteredWorkType(work_type_code=code, rank=rank))
        contractor.registrations.append(registration)
        db_session.add(contractor)
        db_session.flush()
        return contractor

    return _create
