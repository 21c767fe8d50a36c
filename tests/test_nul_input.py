"""NUL characters in requests (found while fixing the input findings of the security review): PostgreSQL
refuses text holding NUL in any query, so a ``%00`` typed into a search box or a URL was a 500. Every request
holding one is answered 400 with a Japanese message, on both engines, before any view runs."""

import pytest

from tests.helpers import page_text

URLS = ["/admin/users?q=a%00b", "/registry/contractors?q=a%00b", "/registry/applications?q=a%00b",
        "/registry/suspensions?q=a%00b", "/admin/audit/?login_id=a%00b", "/admin/login-history?login_id=a%00b",
        "/admin/login-history?ip=a%00b", "/admin/users?a%00=1", "/admin/imports/profiles/users/a%00b.json",
        "/admin/rules/a%00b"]


@pytest.mark.parametrize("url", URLS)
def test_nul_in_the_url_is_a_400(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 400
    assert "使えない文字" in page_text(response)


def test_nul_in_a_form_is_a_400_and_changes_nothing(admin_client, db_session, create_department):
    department = create_department(name="総務課")
    response = admin_client.post(f"/admin/departments/{department.id}/edit",
                                 data={"code": department.code, "name": "総務\x00課"})
    assert response.status_code == 400
    db_session.refresh(department)
    assert department.name == "総務課"


def test_nul_at_login_is_a_400(client):
    assert client.post("/login", data={"login_id": "admin\x00", "password": "x"}).status_code == 400


def test_ordinary_requests_pass(admin_client):
    assert admin_client.get("/admin/users?q=%E7%B7%8F%E5%8B%99").status_code == 200
