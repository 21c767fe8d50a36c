"""Login, lockout, rate limit, login sessions and own password (SPEC NF5, NF6, NF10)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth import services
from core.auth.models import LoginHistory, LoginSession
from core.auth.roles import Role
from core.db import utcnow
from core.errors import ValidationFailed
from tests.helpers import TEST_PASSWORD


@pytest.fixture
def settings(app):
    return services.AuthSettings.from_config(app.config)


def _auth(session, login_id, password, settings, now=None, ip="10.1.2.3"):
    return services.authenticate(session, login_id, password, ip=ip, user_agent="pytest", settings=settings,
                                 now=now or utcnow())


def _operations(session):
    return [e.operation for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_successful_login_opens_session_and_records_everything(db_session, create_user, settings):
    user = create_user(Role.CONTRACT_STAFF)
    logged_in, token = _auth(db_session, user.login_id.upper(), TEST_PASSWORD, settings)
    assert logged_in is user
    ls = db_session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    assert ls.token_hash == services.token_hash(token) and token not in ls.token_hash
    history = db_session.scalar(select(LoginHistory).where(LoginHistory.user_id == user.id))
    assert (history.result, history.ip, history.user_agent) == ("success", "10.1.2.3", "pytest")
    assert _operations(db_session)[-1] == "auth.login"
    assert user.last_login_ip == "10.1.2.3"


def test_wrong_password_generic_message_and_counter(db_session, create_user, settings):
    user = create_user()
    with pytest.raises(services.LoginFailed, match="ログインIDまたはパスワードが正しくありません"):
        _auth(db_session, user.login_id, "wrong", settings)
    assert user.failed_login_count == 1
    assert _operations(db_session)[-1] == "auth.login_failed"


def test_unknown_login_id_same_message_and_recorded(db_session, settings):
    with pytest.raises(services.LoginFailed, match="ログインIDまたはパスワードが正しくありません"):
        _auth(db_session, "nobody", "whatever", settings)
    history = db_session.scalar(select(LoginHistory).where(LoginHistory.login_id == "nobody"))
    assert history.result == "failure" and history.user_id is None
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.login_id == "nobody" and entry.operation == "auth.login_failed"


def test_lockout_after_threshold_refuses_even_the_right_password(db_session, create_user, settings):
    user = create_user()
    now = utcnow()
    for _ in range(settings.lockout_threshold - 1):
        with pytest.raises(services.LoginFailed):
            _auth(db_session, user.login_id, "wrong", settings, now)
    with pytest.raises(services.LoginFailed, match="しばらくの間ログインできなくなります"):
        _auth(db_session, user.login_id, "wrong", settings, now)
    assert user.locked_until == now + timedelta(minutes=settings.lockout_minutes)
    with pytest.raises(services.LoginFailed, match="しばらくの間ログインできなくなります"):
        _auth(db_session, user.login_id, TEST_PASSWORD, settings, now + timedelta(minutes=1))
    assert "auth.locked" in _operations(db_session)
    # after the lock period the right password works again and the counter resets
    _auth(db_session, user.login_id, TEST_PASSWORD, settings, now + timedelta(minutes=settings.lockout_minutes + 1))
    assert user.locked_until is None and user.failed_login_count == 0


def test_inactive_account_refused_after_password_check(db_session, create_user, settings):
    user = create_user()
    user.is_active = False
    with pytest.raises(services.LoginFailed, match="無効"):
        _auth(db_session, user.login_id, TEST_PASSWORD, settings)
    with pytest.raises(services.LoginFailed, match="正しくありません"):
        _auth(db_session, user.login_id, "wrong", settings)


def test_rate_limit_per_address(db_session, settings):
    tight = services.AuthSettings(policy=settings.policy, rate_attempts=3, rate_seconds=60,
                                  hash_method=settings.hash_method)
    now = utcnow()
    for _ in range(3):
        with pytest.raises(services.LoginFailed):
            _auth(db_session, "someone", "x", tight, now, ip="10.9.9.9")
    with pytest.raises(services.RateLimited):
        _auth(db_session, "someone", "x", tight, now, ip="10.9.9.9")
    # another address is not affected, and the window passes
    with pytest.raises(services.LoginFailed) as other:
        _auth(db_session, "someone", "x", tight, now, ip="10.9.9.10")
    assert not isinstance(other.value, services.RateLimited)
    with pytest.raises(services.LoginFailed) as later:
        _auth(db_session, "someone", "x", tight, now + timedelta(seconds=61), ip="10.9.9.9")
    assert not isinstance(later.value, services.RateLimited)


class TestLoginSessions:
    def test_valid_session_resolves_and_touches(self, db_session, create_user, settings):
        user = create_user()
        now = utcnow()
        _, token = _auth(db_session, user.login_id, TEST_PASSWORD, settings, now)
        ls, reason = services.load_login_session(db_session, token, settings=settings, now=now + timedelta(minutes=5))
        assert reason is None and ls.user is user
        assert ls.last_seen_at == now + timedelta(minutes=5)

    def test_idle_timeout(self, db_session, create_user, settings):
        user = create_user()
        now = utcnow()
        _, token = _auth(db_session, user.login_id, TEST_PASSWORD, settings, now)
        later = now + settings.idle_timeout + timedelta(seconds=1)
        assert services.load_login_session(db_session, token, settings=settings, now=later) == (None, "idle_timeout")
        # stays ended even if asked again at an earlier time
        assert services.load_login_session(db_session, token, settings=settings, now=now)[1] == "idle_timeout"

    def test_absolute_timeout_despite_activity(self, db_session, create_user, settings):
        user = create_user()
        now = utcnow()
        _, token = _auth(db_session, user.login_id, TEST_PASSWORD, settings, now)
        t = now
        while t - now <= settings.absolute_timeout:
            t += timedelta(minutes=20)
            ls, reason = services.load_login_session(db_session, token, settings=settings, now=t)
            if reason:
                break
        assert reason == "absolute_timeout"

    def test_unknown_or_missing_token(self, db_session, settings):
        assert services.load_login_session(db_session, None, settings=settings, now=utcnow()) == (None, "missing")
        assert services.load_login_session(db_session, "forged", settings=settings, now=utcnow()) == (None, "missing")

    def test_logout_ends_session(self, db_session, create_user, settings):
        user = create_user()
        _, token = _auth(db_session, user.login_id, TEST_PASSWORD, settings)
        ls, _ = services.load_login_session(db_session, token, settings=settings, now=utcnow())
        services.logout(db_session, ls, now=utcnow())
        assert services.load_login_session(db_session, token, settings=settings, now=utcnow()) == (None, "logout")
        assert _operations(db_session)[-1] == "auth.logout"


class TestChangePassword:
    def test_change_clears_flag_and_ends_other_sessions(self, db_session, create_user, settings):
        user = create_user(must_change_password=True)
        _, token1 = _auth(db_session, user.login_id, TEST_PASSWORD, settings)
        _, token2 = _auth(db_session, user.login_id, TEST_PASSWORD, settings)
        current, _ = services.load_login_session(db_session, token2, settings=settings, now=utcnow())
        services.change_password(db_session, user, TEST_PASSWORD, "Brand-New-Pass-42", settings=settings,
                                 now=utcnow(), current_session=current)
        assert not user.must_change_password
        assert services.load_login_session(db_session, token1, settings=settings, now=utcnow())[1] == \
            "password_changed"
        assert services.load_login_session(db_session, token2, settings=settings, now=utcnow())[0] is current
        _auth(db_session, user.login_id, "Brand-New-Pass-42", settings)
        assert "auth.password_changed" in _operations(db_session)

    @pytest.mark.parametrize(("current", "new", "field"), [
        ("wrong", "Brand-New-Pass-42", "current_password"),
        (TEST_PASSWORD, "short", "new_password"),
        (TEST_PASSWORD, TEST_PASSWORD, "new_password"),
    ])
    def test_rejections_change_nothing(self, db_session, create_user, settings, current, new, field):
        user = create_user(must_change_password=True)
        before = user.password_hash
        with pytest.raises(ValidationFailed) as exc:
            services.change_password(db_session, user, current, new, settings=settings, now=utcnow())
        assert field in exc.value.errors
        assert user.password_hash == before and user.must_change_password

    def test_login_id_in_password_refused(self, db_session, create_user, settings):
        user = create_user(login_id="yamada")
        with pytest.raises(ValidationFailed, match="ログインID"):
            services.change_password(db_session, user, TEST_PASSWORD, "Yamada-2026-pass", settings=settings,
                                     now=utcnow())


def test_failed_login_writes_nothing_when_rolled_back(db_session, create_user, settings):
    """The operation-log entry shares the transaction of the write it describes."""
    user = create_user()
    count = db_session.scalar(select(func.count()).select_from(AuditEntry))
    nested = db_session.begin_nested()
    with pytest.raises(services.LoginFailed):
        _auth(db_session, user.login_id, "wrong", settings)
    nested.rollback()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == count
