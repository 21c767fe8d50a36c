"""Login, logout, password changes and server-side login sessions (SPEC NF5, NF6).

Services take the database session and plain values; they flush but never commit. Failed logins are
writes too (history, lockout counter, operation log): the caller commits after catching ``LoginFailed``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload

from core.audit.services import record
from core.errors import DomainError, ValidationFailed

from .models import LoginHistory, LoginSession, User
from .passwords import PasswordPolicy, hash_password, verify_password

#: Every refusal before the password is known to be right says this, locked accounts included: a lockout
#: message only a registered id can earn would tell which ids exist.
GENERIC_LOGIN_ERROR = ("ログインIDまたはパスワードが正しくありません。パスワードを続けて誤ると、しばらくの間ログインできなく"
                       "なります。その場合は時間をおいてから再度お試しください。")
#: ``deactivated_reason`` of an applicant account whose e-mail address is not confirmed yet.
PENDING_CONFIRMATION = "メールアドレスの確認待ち"
#: Which accounts may log in on each ``KEIYAKU_MODE``: the internet portal admits applicants only, the
#: LGWAN side staff only.
MODE_ADMITS = {"all": None, "portal": "applicant", "internal": "staff"}
COUNTED_FAILURES = ("failure", "locked", "inactive")
#: last_seen_at is refreshed at most this often, so a page view is not a write every time.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class AuthSettings:
    policy: PasswordPolicy
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    rate_attempts: int = 30
    rate_seconds: int = 300
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    hash_method: str = "scrypt"
    mode: str = "all"

    @classmethod
    def from_config(cls, config) -> AuthSettings:
        attempts, seconds = config["LOGIN_RATE_LIMIT"]
        return cls(
            policy=PasswordPolicy(config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MIN_CLASSES"]),
            lockout_threshold=config["LOCKOUT_THRESHOLD"],
            lockout_minutes=config["LOCKOUT_MINUTES"],
            rate_attempts=attempts,
            rate_seconds=seconds,
            idle_timeout=config["SESSION_IDLE_TIMEOUT"],
            absolute_timeout=config["SESSION_ABSOLUTE_TIMEOUT"],
            hash_method=config["PASSWORD_HASH_METHOD"],
            mode=config.get("MODE", "all"),
        )


class LoginFailed(DomainError):
    """The login was refused; the message is safe to show."""


class RateLimited(LoginFailed):
    """Too many failed attempts from one source address (answer 429)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def admitted_in_mode(user: User, mode: str) -> bool:
    from .roles import Role

    admits = MODE_ADMITS.get(mode)
    if admits is None:
        return True
    is_applicant = user.roles == {Role.APPLICANT}
    return is_applicant if admits == "applicant" else not is_applicant


def find_user(session: Session, login_id: str) -> User | None:
    # Ids are stored lower-case (admin_services.create_user), so the unique index serves this lookup.
    return session.scalar(select(User).where(User.login_id == login_id.strip().lower()))


def _history(session, login_id, user, result, ip, user_agent, now):
    session.add(LoginHistory(at=now, login_id=login_id[:64], user=user, result=result, ip=ip,
                             user_agent=(user_agent or "")[:1000]))


def authenticate(
    session: Session, login_id: str, password: str, *, ip: str | None, user_agent: str | None,
    settings: AuthSettings, now: datetime,
) -> tuple[User, str]:
    """Check credentials and open a login session.

    :returns: the user and the raw session token (only its hash is stored).
    :raises RateLimited: too many failures from ``ip`` within the window.
    :raises LoginFailed: wrong id/password, locked or inactive account.
    """
    login_id = login_id.strip()
    window_start = now - timedelta(seconds=settings.rate_seconds)
    recent_failures = session.scalar(
        select(func.count()).select_from(LoginHistory).where(
            LoginHistory.ip == ip, LoginHistory.at >= window_start, LoginHistory.result.in_(COUNTED_FAILURES))
    )
    if recent_failures >= settings.rate_attempts:
        _history(session, login_id, None, "rate_limited", ip, user_agent, now)
        raise RateLimited("ログインの試行回数が多すぎます。しばらく時間をおいてから再度お試しください。")

    user = find_user(session, login_id)
    if user is None:
        verify_password(None, password, settings.hash_method)
        _history(session, login_id, None, "failure", ip, user_agent, now)
        record(session, None, "auth.login_failed", f"ログイン失敗（未登録のID: {login_id[:64]}）", login_id=login_id[:64])
        raise LoginFailed(GENERIC_LOGIN_ERROR)

    if user.is_locked(now):
        # The same hashing work and the same answer as for an unknown id (timing and wording alike).
        verify_password(None, password, settings.hash_method)
        _history(session, login_id, user, "locked", ip, user_agent, now)
        record(session, user, "auth.login_failed", "ログイン失敗（ロック中）", target=user)
        raise LoginFailed(GENERIC_LOGIN_ERROR)

    if not verify_password(user.password_hash, password, settings.hash_method):
        user.failed_login_count += 1
        _history(session, login_id, user, "failure", ip, user_agent, now)
        record(session, user, "auth.login_failed", f"ログイン失敗（パスワード誤り {user.failed_login_count} 回目）",
               target=user)
        if user.failed_login_count >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_login_count = 0
            record(session, user, "auth.locked", f"連続失敗によりアカウントをロック（{settings.lockout_minutes} 分間）",
                   target=user)
        raise LoginFailed(GENERIC_LOGIN_ERROR)

    if not user.is_active:
        _history(session, login_id, user, "inactive", ip, user_agent, now)
        record(session, user, "auth.login_failed", "ログイン失敗（無効なアカウント）", target=user)
        if user.deactivated_reason == PENDING_CONFIRMATION:
            raise LoginFailed("メールアドレスの確認が済んでいません。登録のときにお送りしたメールのリンクを開いてください。")
        raise LoginFailed("このアカウントは無効になっています。システム管理者に連絡してください。")

    if not admitted_in_mode(user, settings.mode):
        _history(session, login_id, user, "failure", ip, user_agent, now)
        record(session, user, "auth.login_failed", f"ログイン失敗（この環境（{settings.mode}）では使えないアカウント）",
               target=user)
        raise LoginFailed(GENERIC_LOGIN_ERROR)

    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    user.last_login_ip = ip
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=token_hash(token), user=user, created_at=now, last_seen_at=now, ip=ip,
                             user_agent=(user_agent or "")[:300]))
    _history(session, login_id, user, "success", ip, user_agent, now)
    record(session, user, "auth.login", "ログイン", target=user)
    return user, token


#: Every request runs it, so it is built once; the user and their roles come in the same statement.
_SESSION_BY_TOKEN = (select(LoginSession).where(LoginSession.token_hash == bindparam("token_hash"))
                     .options(joinedload(LoginSession.user).joinedload(User.role_rows)))


def load_login_session(session: Session, token: str | None, *, settings: AuthSettings,
                       now: datetime) -> tuple[LoginSession | None, str | None]:
    """Resolve a session token; expire it when idle/absolute limits have passed.

    :returns: ``(login_session, None)`` when valid, ``(None, reason)`` otherwise, reason being one of
        ``missing``, ``revoked``, ``idle_timeout``, ``absolute_timeout``, ``inactive``.
    """
    if not token:
        return None, "missing"
    ls = session.scalars(_SESSION_BY_TOKEN, {"token_hash": token_hash(token)}).unique().first()
    if ls is None:
        return None, "missing"
    if ls.revoked_at is not None:
        return None, ls.revoked_reason or "revoked"
    reason = None
    if not ls.user.is_active:
        reason = "inactive"
    elif now - ls.created_at > settings.absolute_timeout:
        reason = "absolute_timeout"
    elif now - ls.last_seen_at > settings.idle_timeout:
        reason = "idle_timeout"
    if reason:
        ls.revoked_at, ls.revoked_reason = now, reason
        _history(session, ls.user.login_id, ls.user, "timeout", ls.ip, ls.user_agent, now)
        return None, reason
    if now - ls.last_seen_at >= TOUCH_INTERVAL:
        ls.last_seen_at = now
    return ls, None


def logout(session: Session, login_session: LoginSession, *, now: datetime) -> None:
    """End a login session (records history and the operation log)."""
    if login_session.revoked_at is None:
        login_session.revoked_at, login_session.revoked_reason = now, "logout"
    user = login_session.user
    _history(session, user.login_id, user, "logout", login_session.ip, login_session.user_agent, now)
    record(session, user, "auth.logout", "ログアウト", target=user)


def revoke_sessions(session: Session, user: User, reason: str, now: datetime, keep: LoginSession | None = None) -> int:
    """Revoke every open login session of ``user`` (except ``keep``); returns how many."""
    stmt = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep.id)
    return session.execute(stmt.values(revoked_at=now, revoked_reason=reason)).rowcount


def replace_password(session: Session, user: User, password: str, *, hash_method: str, now: datetime, reason: str,
                     one_time: bool = False, keep: LoginSession | None = None) -> int:
    """The one way a password is set on an existing account: store the hash, unlock the account and end its
    other login sessions (a stolen session must not survive a new password). ``one_time`` marks a password an
    administrator issued, which must be changed at the next login. Returns how many sessions were ended."""
    user.password_hash = hash_password(password, hash_method)
    user.must_change_password = one_time
    if not one_time:
        user.password_changed_at = now
    unlock(user)
    return revoke_sessions(session, user, reason, now, keep=keep)


def unlock(user: User) -> None:
    """Clear the failed-login count and the lockout."""
    user.failed_login_count = 0
    user.locked_until = None


def change_password(
    session: Session, user: User, current_password: str, new_password: str, *, settings: AuthSettings,
    now: datetime, current_session: LoginSession | None = None,
) -> None:
    """Change one's own password; other login sessions of the user are ended.

    :raises ValidationFailed: wrong current password, or the new one breaks the policy.
    """
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current_password, settings.hash_method):
        errors["current_password"] = ["現在のパスワードが正しくありません。"]
    problems = settings.policy.problems(new_password, user.login_id)
    if current_password and new_password == current_password:
        problems.append("現在と同じパスワードは使えません。")
    if problems:
        errors["new_password"] = problems
    if errors:
        raise ValidationFailed(errors)
    replace_password(session, user, new_password, hash_method=settings.hash_method, now=now, reason="password_changed",
                     keep=current_session)
    record(session, user, "auth.password_changed", "パスワード変更", target=user)
