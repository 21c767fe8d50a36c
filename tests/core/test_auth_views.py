"""Login pages, session handling and the security baseline over HTTP (SPEC NF5, NF8)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.auth.models import LoginSession
from core.auth.roles import Role
from tests.helpers import TEST_PASSWORD, login, page_text


def test_anonymous_redirected_to_login_with_next(client):
    response = client.get("/admin/users?status=all")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert "このページを表示するにはログインしてください" in page_text(client.get(response.location))


def test_login_page_is_japanese_and_accessible(client):
    html = page_text(client.get("/login"))
    assert '<html lang="ja">' in html
    assert '<label class="form-label" for="login_id">ログインID' in html
    assert 'autocomplete="current-password"' in html


def test_login_success_goes_home(client, create_user):
    user = create_user(Role.CONTRACT_STAFF, name="契約 花子")
    response = login(client, user)
    assert response.status_code == 302 and response.location == "/"
    html = page_text(client.get("/"))
    assert "契約 花子" in html and "契約担当" in html


def test_wrong_password_shows_message_and_stays(client, create_user):
    user = create_user()
    response = login(client, user, "wrong-password")
    assert response.status_code == 200
    assert "ログインIDまたはパスワードが正しくありません" in page_text(response)
    assert client.get("/").status_code == 302


def test_empty_fields_named(client):
    html = page_text(client.post("/login", data={"login_id": "", "password": ""}))
    assert "ログインIDを入力してください" in html and "パスワードを入力してください" in html


def test_locked_account_message(client, create_user, app):
    user = create_user()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        login(client, user, "wrong")
    html = page_text(login(client, user))
    assert "しばらくの間ログインできなくなります" in html


def test_rate_limit_answers_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", (2, 300))
    for _ in range(2):
        login(client, "ghost", "x")
    response = login(client, "ghost", "x")
    assert response.status_code == 429
    assert "試行回数が多すぎます" in page_text(response)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_open_redirect_refused(client, create_user, target):
    user = create_user()
    response = login(client, user, next=target)
    assert response.location == "/"


def test_local_next_followed(client, create_user):
    response = login(client, create_user(Role.SYSTEM_ADMIN), next="/admin/users?status=all")
    assert response.location == "/admin/users?status=all"


def test_forced_password_change_journey(client, create_user):
    user = create_user(Role.CONTRACT_STAFF, must_change_password=True)
    response = login(client, user)
    assert response.location == "/password"
    # every other page sends the user back to the change form
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/password"
    bad = client.post("/password", data={"current_password": TEST_PASSWORD, "new_password": "short",
                                         "confirm_password": "short"})
    assert "12 文字以上" in page_text(bad)
    mismatch = client.post("/password", data={"current_password": TEST_PASSWORD, "new_password": "Brand-New-Pass-42",
                                              "confirm_password": "Brand-New-Pass-43"})
    assert "一致しません" in page_text(mismatch)
    ok = client.post("/password", data={"current_password": TEST_PASSWORD, "new_password": "Brand-New-Pass-42",
                                        "confirm_password": "Brand-New-Pass-42"})
    assert ok.location == "/"
    assert client.get("/").status_code == 200


def test_logout_is_post_only_and_ends_session(client, create_user, db_session):
    user = create_user()
    login(client, user)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.location == "/login"
    assert client.get("/").status_code == 302
    ls = db_session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    assert ls.revoked_reason == "logout"


def test_idle_session_expires_with_message(client, create_user, db_session, app):
    user = create_user()
    login(client, user)
    ls = db_session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    ls.last_seen_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    ls.created_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    db_session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "一定時間操作がなかったため" in page_text(client.get(response.location))


def test_forced_logout_takes_effect(client, create_user, login_as, admin):
    user = create_user()
    login(client, user)
    assert client.get("/").status_code == 200
    admin_client = login_as(admin)
    admin_client.post(f"/admin/users/{user.id}/force-logout")
    response = client.get("/")
    assert response.status_code == 302
    assert "システム管理者によりログアウトされました" in page_text(client.get(response.location))


def test_tampered_cookie_is_anonymous(client, create_user, app):
    login(client, create_user())
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value[:-4] + "AAAA")
    assert client.get("/").status_code == 302


def test_stolen_cookie_useless_after_logout(app, create_user):
    first = app.test_client()
    login(first, create_user())
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    first.post("/logout")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert thief.get("/").status_code == 302


def test_session_cookie_flags(client, create_user, app):
    response = login(client, create_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # no persistent (remember-me) cookie


def test_security_headers(client, create_user):
    login(client, create_user())
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_cacheable(client):
    response = client.get("/static/css/keiyaku.css")
    response.close()
    assert response.status_code == 200 and response.headers.get("Cache-Control") != "no-store"


def test_escaping_of_user_data(admin_client, create_user):
    user = create_user(name="<script>alert(1)</script>")
    html = page_text(admin_client.get(f"/admin/users/{user.id}"))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("url", ["/admin/users/abc", "/admin/users/99999999", "/admin/departments/-1/edit",
                                 "/admin/audit/0", "/no-such-page"])
def test_malformed_or_unknown_ids_are_404_in_japanese(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 404
    assert "ページが見つかりません" in page_text(response)


def test_unexpected_error_shows_no_stack_trace(app, admin_client, monkeypatch):
    from core.auth import queries

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(queries, "search_users", broken)
    response = admin_client.get("/admin/users")
    assert response.status_code == 500
    html = page_text(response)
    assert "システムエラーが発生しました" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_wrong_role_gets_japanese_403(login_as, create_user):
    response = login_as(create_user(Role.CONTRACT_STAFF)).get("/admin/users")
    assert response.status_code == 403
    assert "アクセスが許可されていません" in page_text(response)


def test_admin_pages_limited_to_networks(app, admin_client, admin, monkeypatch):
    from core.config import parse_networks

    monkeypatch.setitem(app.config, "ADMIN_NETWORKS", parse_networks("10.20.0.0/16"))
    response = admin_client.get("/admin/users")
    assert response.status_code == 403
    assert "許可されたネットワーク" in page_text(response)
    assert admin_client.get("/").status_code == 200  # non-admin pages are not restricted
    inside = app.test_client()
    inside.environ_base["REMOTE_ADDR"] = "10.20.3.4"
    login(inside, admin)
    assert inside.get("/admin/users").status_code == 200


def test_session_bound_to_client_address(app, client, create_user):
    """Flask-Login's strong protection: a cookie replayed from another address is not a login."""
    login(client, create_user())
    assert client.get("/").status_code == 200
    assert client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302


def test_menu_filtered_by_role(login_as, create_user, admin):
    staff_html = page_text(login_as(create_user(Role.DEPARTMENT_STAFF)).get("/"))
    admin_html = page_text(login_as(admin).get("/"))
    assert "/admin/users" not in staff_html and "操作ログ" not in staff_html
    assert "/admin/users" in admin_html and "/admin/audit/" in admin_html


def test_healthz_public(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_menu_groups_in_working_order(login_as, create_user):
    import re

    html = page_text(login_as(create_user(Role.SYSTEM_ADMIN)).get("/"))
    groups = re.findall(r'<h2 class="side-nav__heading">([^<]+)</h2>', html)
    assert groups[0] == "メニュー" and groups[-1] == "個人設定"
    assert groups.index("業者登録") < groups.index("システム管理")
