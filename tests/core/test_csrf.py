"""CSRF protection stays on in this module (SPEC NF8 class 6): a POST without the token changes nothing."""

import pytest
from sqlalchemy import select

from core import create_app
from core.auth.models import Department
from tests.helpers import TEST_PASSWORD, csrf_token_from, page_text


@pytest.fixture
def csrf_app(database_url, db_session, app):
    strict = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True})
    # share the test's connection so the rolled-back transaction covers this app too
    from core.db import db

    db.bind_session(strict, bind=db_session.bind, join_transaction_mode="create_savepoint")
    yield strict
    strict.extensions["keiyaku_db"]["engine"].dispose()


def _login(client, user):
    token = csrf_token_from(page_text(client.get("/login")))
    return client.post("/login", data={"login_id": user.login_id, "password": TEST_PASSWORD, "csrf_token": token})


def test_login_without_token_refused(csrf_app, admin):
    client = csrf_app.test_client()
    response = client.post("/login", data={"login_id": admin.login_id, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "有効期限が切れているか" in page_text(response)
    assert client.get("/").status_code == 302


def test_post_without_token_changes_nothing(csrf_app, admin, db_session):
    client = csrf_app.test_client()
    assert _login(client, admin).status_code == 302
    response = client.post("/admin/departments/new", data={"code": "CSRF1", "name": "攻撃"})
    assert response.status_code == 400
    assert db_session.scalar(select(Department).where(Department.code == "CSRF1")) is None


def test_post_with_token_works(csrf_app, admin, db_session):
    client = csrf_app.test_client()
    _login(client, admin)
    token = csrf_token_from(page_text(client.get("/admin/departments/new")))
    response = client.post("/admin/departments/new", data={"code": "OK1", "name": "正規", "csrf_token": token})
    assert response.status_code == 302
    assert db_session.scalar(select(Department).where(Department.code == "OK1")) is not None


def test_logout_without_token_refused(csrf_app, admin):
    client = csrf_app.test_client()
    _login(client, admin)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
