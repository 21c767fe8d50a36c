"""Applicant accounts (SPEC QA1): sign up, confirm the e-mail address, reset a forgotten password.

The login is a ``User`` holding only the applicant role, with the e-mail address (lower case) as login id,
so the lockout, rate limit, login sessions and login history of staff accounts protect applicants too. It
stays inactive until the address is confirmed through a one-time link (24 hours). Answers never reveal
whether an address is registered: a sign-up with a known address mails the owner instead (capped like the
links), after the same password hashing as a new account, so even the response time is the same. A link
carries a stamp of the password it was mailed under: any new password voids every link mailed before it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.audit.queries import register_operations
from core.audit.services import record
from core.auth.models import User
from core.auth.passwords import PasswordPolicy, hash_password
from core.auth.roles import Role
from core.auth.services import PENDING_CONFIRMATION, find_user, replace_password
from core.errors import ValidationFailed
from core.jp import normalize_name
from core.mail import Mail

from .models import ApplicantAccount, ApplicantToken

TOKEN_LIFETIME = {"confirm": timedelta(hours=24), "reset": timedelta(hours=1), "notice": timedelta(0)}
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
LOGIN_ID_MAX = 64
MAX_TOKENS_PER_HOUR = 5

def register_labels() -> None:
    """Audit labels of this module's operations (called by ``registry.init_app``)."""
    register_operations({
        "applicant.sign_up": "申請者の登録",
        "applicant.confirm": "申請者のメールアドレス確認",
        "applicant.resend": "申請者の確認メールの再送の依頼",
        "applicant.reset_request": "申請者のパスワード再設定の依頼",
        "applicant.reset": "申請者のパスワード再設定",
    }, {"applicant_accounts": "申請者"})


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def password_stamp(user: User) -> str:
    """What a mailed link remembers of the password: a digest of its hash (the hash itself stays in users)."""
    return hashlib.sha256(b"applicant-token:" + (user.password_hash or "").encode()).hexdigest()


def _issue(session: Session, account: ApplicantAccount, purpose: str, now: datetime) -> str | None:
    """A new one-time token, or None when this account already got ``MAX_TOKENS_PER_HOUR`` of them (the
    forms face the internet: nobody may use them to flood a mailbox). A ``notice`` is born used: it only
    counts towards the cap."""
    recent = session.scalar(select(func.count()).select_from(ApplicantToken).where(
        ApplicantToken.account_id == account.id, ApplicantToken.purpose == purpose,
        ApplicantToken.created_at > now - timedelta(hours=1)))
    if recent >= MAX_TOKENS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    session.add(ApplicantToken(account_id=account.id, purpose=purpose, token_hash=_hash(token),
                               password_stamp=password_stamp(account.user), expires_at=now + TOKEN_LIFETIME[purpose],
                               used_at=now if purpose == "notice" else None, created_at=now))
    return token


def account_of(session: Session, user) -> ApplicantAccount | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(ApplicantAccount).where(ApplicantAccount.user_id == user.id))


def normalize_email(raw: str | None) -> str:
    return (raw or "").strip().lower()


def sign_up(session: Session, *, email: str, firm_name: str, password: str, policy: PasswordPolicy,
            hash_method: str, now: datetime, link) -> Mail | None:
    """Create an inactive applicant account and return the confirmation mail.

    ``link(token)`` builds the absolute confirmation address. With an address already registered, nothing
    is created and the mail tells its owner so, at most ``MAX_TOKENS_PER_HOUR`` times an hour (None beyond);
    the screen shows the same message either way.
    """
    email = normalize_email(email)
    firm_name = normalize_name(firm_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not EMAIL_PATTERN.fullmatch(email):
        errors["email"] = ["メールアドレスの形式が正しくありません（例: keiyaku@example.co.jp）。"]
    elif len(email) > LOGIN_ID_MAX:
        errors["email"] = [f"メールアドレスは {LOGIN_ID_MAX} 文字以内のものをお使いください。"]
    if not firm_name:
        errors["firm_name"] = ["商号又は名称を入力してください。"]
    elif len(firm_name) > 200:
        errors["firm_name"] = ["商号又は名称は 200 文字以内で入力してください。"]
    problems = policy.problems(password, email)
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    existing = find_user(session, email)
    if existing is not None:
        # The scrypt work of a new account, thrown away: a known address must not answer faster.
        hash_password(password, hash_method)
        account = session.scalar(select(ApplicantAccount).where(ApplicantAccount.user_id == existing.id))
        if account is None or _issue(session, account, "notice", now) is None:
            why = "申請者のアカウントではないため送信せず" if account is None else "通知の上限に達したため送信せず"
            record(session, None, "applicant.sign_up", f"登録済みのアドレスでの申請者登録（{why}）: {email}",
                   login_id=email)
            return None
        record(session, None, "applicant.sign_up", f"登録済みのアドレスでの申請者登録（通知のみ）: {email}",
               login_id=email)
        return Mail(email, "【入札参加資格審査申請】登録のお申込みについて",
                    "このメールアドレスは既に登録されています。\n"
                    "パスワードをお忘れの場合は、ログイン画面の「パスワードを忘れた場合」から再設定してください。\n"
                    "登録の確認がお済みでない場合は、ログイン画面の「確認メールが届かない場合」から確認メールを再送して"
                    "ください。\n"
                    "お心当たりのない場合は、このメールを破棄してください。\n")
    user = User(login_id=email, name=firm_name[:100], email=email, must_change_password=False, is_active=False,
                deactivated_reason=PENDING_CONFIRMATION, password_hash=hash_password(password, hash_method),
                password_changed_at=now)
    user.set_roles([Role.APPLICANT])
    session.add(user)
    session.flush()
    account = ApplicantAccount(user_id=user.id, firm_name=firm_name, email=email, created_at=now)
    session.add(account)
    session.flush()
    token = _issue(session, account, "confirm", now)
    record(session, None, "applicant.sign_up", f"申請者の登録（確認待ち）: {firm_name} {email}", target=account,
           login_id=email)
    return Mail(email, "【入札参加資格審査申請】メールアドレスの確認",
                f"{firm_name} 様\n\n入札参加資格審査申請の利用者登録を受け付けました。\n"
                f"次のリンクを 24 時間以内に開いて、メールアドレスを確認してください。\n\n{link(token)}\n\n"
                "お心当たりのない場合は、このメールを破棄してください（登録は完了しません）。\n")


def _token_row(session: Session, token: str, purpose: str) -> ApplicantToken | None:
    return session.scalar(select(ApplicantToken).where(ApplicantToken.token_hash == _hash(token or ""),
                                                       ApplicantToken.purpose == purpose))


def _usable(row: ApplicantToken | None, now: datetime) -> bool:
    """Unused, unexpired, and mailed under the account's current password."""
    return (row is not None and row.used_at is None and row.expires_at >= now and row.password_stamp is not None
            and hmac.compare_digest(row.password_stamp, password_stamp(row.account.user)))


def _use_token(session: Session, token: str, purpose: str, now: datetime) -> ApplicantToken:
    row = _token_row(session, token, purpose)
    refused = ValidationFailed({"token": ["このリンクは無効か、有効期限が切れています。もう一度手続きしてください。"]})
    if not _usable(row, now):
        raise refused
    # Marked used only if nobody did in the meantime: two simultaneous requests with one link must not both
    # pass (PostgreSQL reads committed rows without locking them).
    taken = session.execute(update(ApplicantToken).where(ApplicantToken.id == row.id, ApplicantToken.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise refused
    set_committed_value(row, "used_at", now)
    return row


def confirm_email(session: Session, token: str, now: datetime) -> ApplicantAccount:
    row = _use_token(session, token, "confirm", now)
    account = session.get(ApplicantAccount, row.account_id)
    account.email_confirmed_at = now
    if account.user.deactivated_reason == PENDING_CONFIRMATION:
        account.user.is_active = True
        account.user.deactivated_reason = None
    record(session, account.user, "applicant.confirm", f"メールアドレスを確認: {account.email}", target=account)
    return account


def _asked(session: Session, operation: str, what: str, email: str, account: ApplicantAccount | None,
           sent: bool) -> None:
    """Log a mail request whatever its outcome: the same write for every address, so a registered one does not
    answer slower (its commit alone would flush to disk)."""
    email = email[:200]
    outcome = "" if sent else "（メールは送らない: 未登録・対象外のアドレス、または 1 時間の上限）"
    record(session, None, operation, f"{what}{outcome}: {email}", target=account,
           login_id=email[:64])


def resend_confirmation(session: Session, email: str, now: datetime, link) -> Mail | None:
    email = normalize_email(email)
    account = session.scalar(select(ApplicantAccount).where(ApplicantAccount.email == email))
    token = None
    if account is not None and account.email_confirmed_at is None:
        token = _issue(session, account, "confirm", now)
    _asked(session, "applicant.resend", "確認メールの再送の依頼", email, account, token is not None)
    if token is None:
        return None
    return Mail(account.email, "【入札参加資格審査申請】メールアドレスの確認",
                f"{account.firm_name} 様\n\n次のリンクを 24 時間以内に開いて、メールアドレスを確認してください。\n\n"
                f"{link(token)}\n")


def request_password_reset(session: Session, email: str, now: datetime, link) -> Mail | None:
    """The reset mail for a confirmed applicant, or None (the screen answers the same either way)."""
    email = normalize_email(email)
    account = session.scalar(select(ApplicantAccount).where(ApplicantAccount.email == email))
    token = None
    if account is not None and account.email_confirmed_at is not None and account.user.is_active:
        token = _issue(session, account, "reset", now)
    _asked(session, "applicant.reset_request", "パスワード再設定の依頼", email, account, token is not None)
    if token is None:
        return None
    return Mail(account.email, "【入札参加資格審査申請】パスワードの再設定",
                f"{account.firm_name} 様\n\nパスワードの再設定を受け付けました。次のリンクを 1 時間以内に開いて、"
                f"新しいパスワードを設定してください。\n\n{link(token)}\n\n"
                "お心当たりのない場合は、このメールを破棄してください（パスワードは変わりません）。\n")


def reset_password(session: Session, token: str, password: str, *, policy: PasswordPolicy, hash_method: str,
                   now: datetime) -> ApplicantAccount:
    row = _token_row(session, token, "reset")
    account = session.get(ApplicantAccount, row.account_id) if row is not None else None
    problems = policy.problems(password, account.email if account else "")
    if problems and _usable(row, now):
        raise ValidationFailed({"password": problems})
    row = _use_token(session, token, "reset", now)
    user = account.user
    replace_password(session, user, password, hash_method=hash_method, now=now, reason="password_changed")
    record(session, user, "applicant.reset", f"パスワードを再設定: {account.email}", target=account)
    return account


def token_is_usable(session: Session, token: str, purpose: str, now: datetime) -> bool:
    return _usable(_token_row(session, token, purpose), now)
