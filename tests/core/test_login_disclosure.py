"""The login answers tell nobody which login ids exist (a locked account looks like a wrong password and takes
the same hashing work), and the ``next`` parameter never leads off the site or to an error page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.auth import services
from core.db import utcnow
from core.web import is_safe_next
from tests.helpers import TEST_PASSWORD, login, page_text


@pytest.fixture
def settings(app):
    return services.AuthSettings.from_config(app.config)


def _refusal(session, login_id, password, settings, now) -> str:
    with pytest.raises(services.LoginFailed) as info:
        services.authenticate(session, login_id, password, ip="10.9.8.7", user_agent="pytest", settings=settings,
                              now=now)
    return str(info.value)


def test_locking_and_locked_accounts_answer_like_an_unknown_id(db_session, create_user, settings):
    user = create_user()
    now = utcnow()
    unknown = _refusal(db_session, "no-such-user", "wrong", settings, now)
    answers = [_refusal(db_session, user.login_id, "wrong", settings, now) for _ in range(settings.lockout_threshold)]
    assert user.is_locked(now + timedelta(minutes=1))
    locked_wrong = _refusal(db_session, user.login_id, "wrong", settings, now + timedelta(minutes=1))
    locked_right = _refusal(db_session, user.login_id, TEST_PASSWORD, settings, now + timedelta(minutes=1))
    assert set(answers) | {locked_wrong, locked_right} == {unknown} == {services.GENERIC_LOGIN_ERROR}


def test_a_locked_account_costs_the_same_hashing_as_an_unknown_id(db_session, create_user, settings, monkeypatch):
    user = create_user()
    now = utcnow()
    user.locked_until = now + timedelta(minutes=10)
    calls = []
    real = services.verify_password
    monkeypatch.setattr(services, "verify_password", lambda *a: calls.append(a[1:]) or real(*a))
    _refusal(db_session, "no-such-user", "guess-1", settings, now)
    _refusal(db_session, user.login_id, "guess-2", settings, now)
    assert calls == [("guess-1", settings.hash_method), ("guess-2", settings.hash_method)]


def test_locked_account_page_shows_the_generic_message(client, create_user, app):
    user = create_user()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        login(client, user, "wrong")
    html = page_text(login(client, user))
    assert services.GENERIC_LOGIN_ERROR in html and "ロック" in html
    assert html.count("ロックされています") == 0
    assert page_text(login(client, "no-such-user", "wrong")).count(services.GENERIC_LOGIN_ERROR) == 1


UNSAFE_NEXT = ["\r", "/\r", "/admin\r\nSet-Cookie: x=1", "/\t/evil.example", "/\n/evil.example", "/a\x00b",
               "/a\x7fb", "/\x0b/evil.example", "\\\\evil.example", "/\\evil.example", "\\/evil.example",
               "//evil.example", "///evil.example", " //evil.example", "https://evil.example/", "javascript:alert(1)",
               "/\u2028x", "/\u0085x"]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_is_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/admin/users?status=all", "/portal/applications/3#files", "/%0d%0a",
                                    "/contractors?q=田中 建設"])
def test_local_next_is_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_login_with_an_unsafe_next_goes_home(client, create_user, target):
    response = login(client, create_user(), next=target)
    if "\x00" in target:  # any request carrying a NUL is refused before a view runs
        assert response.status_code == 400
    else:
        assert response.status_code == 302 and response.location == "/"
