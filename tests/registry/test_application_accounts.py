"""Applicant accounts: sign-up, e-mail confirmation, login before and after it, password reset, and which
accounts each deployment mode admits."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth.models import LoginSession, User
from core.auth.roles import Role
from core.auth.services import (
    GENERIC_LOGIN_ERROR,
    PENDING_CONFIRMATION,
    AuthSettings,
    LoginFailed,
    admitted_in_mode,
    authenticate,
)
from core.db import utcnow
from core.errors import ValidationFailed
from core.mail import Mail
from registry.applications import accounts
from registry.applications.models import ApplicantAccount, ApplicantToken
from tests.helpers import TEST_PASSWORD
from tests.registry.applications_support import link_capture, token_from

NEW_PASSWORD = "Another-Passw0rd-77"


@pytest.fixture
def settings(app) -> AuthSettings:
    return AuthSettings.from_config(app.config)


@pytest.fixture
def sign_up(app, db_session, policy):
    def _sign_up(email="tanaka@example.co.jp", firm_name="株式会社田中建設", password=TEST_PASSWORD, now=None):
        link, _ = link_capture()
        return accounts.sign_up(db_session, email=email, firm_name=firm_name, password=password, policy=policy,
                                hash_method=app.config["PASSWORD_HASH_METHOD"], now=now or utcnow(), link=link)

    return _sign_up


def _login(session, settings, login_id, password=TEST_PASSWORD, mode=None):
    if mode is not None:
        settings = dataclasses.replace(settings, mode=mode)
    return authenticate(session, login_id, password, ip="192.0.2.10", user_agent="pytest", settings=settings,
                        now=utcnow())


def _account(session, email="tanaka@example.co.jp") -> ApplicantAccount | None:
    return session.scalar(select(ApplicantAccount).where(ApplicantAccount.email == email))


# --- sign-up ------------------------------------------------------------------------------------------------


def test_sign_up_creates_inactive_applicant_and_returns_confirmation_mail(db_session, sign_up):
    mail = sign_up(email="  Tanaka@Example.CO.JP ", firm_name="株式会社　田中建設")
    assert isinstance(mail, Mail)
    assert mail.to == "tanaka@example.co.jp"
    assert "メールアドレスの確認" in mail.subject
    token = token_from(mail)
    assert f"https://portal.example.jp/applicant/confirm/{token}" in mail.body
    assert "24 時間以内" in mail.body
    account = _account(db_session)
    assert account is not None and account.email_confirmed_at is None and account.contractor_number is None
    user = account.user
    assert user.login_id == "tanaka@example.co.jp" and user.email == "tanaka@example.co.jp"
    assert not user.is_active and user.deactivated_reason == PENDING_CONFIRMATION
    assert user.roles == {Role.APPLICANT}
    assert not user.must_change_password
    assert user.password_hash and TEST_PASSWORD not in user.password_hash
    # Only the token's hash is stored.
    row = db_session.scalar(select(ApplicantToken).where(ApplicantToken.account_id == account.id))
    assert row.purpose == "confirm" and row.token_hash != token and len(row.token_hash) == 64
    assert row.expires_at - row.created_at == timedelta(hours=24)
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "applicant.sign_up"))
    assert entry is not None and "tanaka@example.co.jp" in entry.summary


def test_sign_up_with_registered_address_creates_nothing(db_session, sign_up):
    sign_up()
    users = db_session.scalar(select(func.count()).select_from(User))
    accounts_count = db_session.scalar(select(func.count()).select_from(ApplicantAccount))
    links = select(func.count()).select_from(ApplicantToken).where(ApplicantToken.purpose != "notice")
    tokens = db_session.scalar(links)
    mail = sign_up(email="TANAKA@example.co.jp", firm_name="別の会社", password="Different-Passw0rd-1")
    assert mail.to == "tanaka@example.co.jp"
    assert "既に登録されています" in mail.body
    assert "https://" not in mail.body  # no confirmation link
    assert db_session.scalar(select(func.count()).select_from(User)) == users
    assert db_session.scalar(select(func.count()).select_from(ApplicantAccount)) == accounts_count
    assert db_session.scalar(links) == tokens
    assert _account(db_session).firm_name == "株式会社田中建設"


@pytest.mark.parametrize(("email", "firm_name", "password", "fields"), [
    ("not-an-address", "株式会社甲", TEST_PASSWORD, {"email"}),
    ("a@b", "株式会社甲", TEST_PASSWORD, {"email"}),
    ("x" * 60 + "@example.co.jp", "株式会社甲", TEST_PASSWORD, {"email"}),
    ("ok@example.co.jp", " ", TEST_PASSWORD, {"firm_name"}),
    ("ok@example.co.jp", "甲" * 201, TEST_PASSWORD, {"firm_name"}),
    ("ok@example.co.jp", "株式会社甲", "short", {"password"}),
    ("ok@example.co.jp", "株式会社甲", "alllowercaseletters", {"password"}),
    ("ok@example.co.jp", "株式会社甲", "Ok@Example.co.jp-9", {"password"}),  # contains the login id
    ("bad", "", "weak", {"email", "firm_name", "password"}),
])
def test_sign_up_validation(db_session, sign_up, email, firm_name, password, fields):
    before = db_session.scalar(select(func.count()).select_from(User))
    with pytest.raises(ValidationFailed) as info:
        sign_up(email=email, firm_name=firm_name, password=password)
    assert set(info.value.errors) == fields
    assert db_session.scalar(select(func.count()).select_from(User)) == before


# --- confirmation and login ------------------------------------------------------------------------------------


def test_confirm_email_activates_and_login_works_only_after(db_session, sign_up, settings):
    token = token_from(sign_up())
    with pytest.raises(LoginFailed) as info:
        _login(db_session, settings, "tanaka@example.co.jp")
    assert "メールアドレスの確認が済んでいません" in str(info.value)
    assert accounts.token_is_usable(db_session, token, "confirm", utcnow())
    account = accounts.confirm_email(db_session, token, utcnow())
    assert account.email_confirmed_at is not None
    assert account.user.is_active and account.user.deactivated_reason is None
    assert not accounts.token_is_usable(db_session, token, "confirm", utcnow())
    user, session_token = _login(db_session, settings, "Tanaka@example.co.jp")
    assert user.id == account.user_id and session_token
    assert accounts.account_of(db_session, user).id == account.id
    assert accounts.account_of(db_session, None) is None
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "applicant.confirm")) is not None


def test_wrong_password_before_confirmation_gives_the_generic_error(db_session, sign_up, settings):
    sign_up()
    with pytest.raises(LoginFailed) as info:
        _login(db_session, settings, "tanaka@example.co.jp", password="Wrong-Passw0rd-1")
    assert str(info.value) == GENERIC_LOGIN_ERROR  # no hint that the address is registered


def test_confirmation_token_cannot_be_reused(db_session, sign_up):
    token = token_from(sign_up())
    accounts.confirm_email(db_session, token, utcnow())
    with pytest.raises(ValidationFailed) as info:
        accounts.confirm_email(db_session, token, utcnow())
    assert "token" in info.value.errors


def test_confirmation_token_expires_after_24_hours(db_session, sign_up):
    start = utcnow()
    token = token_from(sign_up(now=start))
    with pytest.raises(ValidationFailed):
        accounts.confirm_email(db_session, token, start + timedelta(hours=24, minutes=1))
    assert not _account(db_session).user.is_active
    assert accounts.confirm_email(db_session, token, start + timedelta(hours=23)).user.is_active


def test_unknown_or_wrong_purpose_token_refused(app, db_session, policy, sign_up):
    token = token_from(sign_up())
    for bad in ("", "not-a-token", token + "x"):
        with pytest.raises(ValidationFailed):
            accounts.confirm_email(db_session, bad, utcnow())
    with pytest.raises(ValidationFailed):  # a confirmation link is no reset link
        _reset(app, db_session, policy, token)
    assert not _account(db_session).user.is_active


def test_confirmation_does_not_reactivate_a_deactivated_user(db_session, sign_up):
    token = token_from(sign_up())
    user = _account(db_session).user
    user.deactivated_reason = "管理者が無効化"
    account = accounts.confirm_email(db_session, token, utcnow())
    assert account.email_confirmed_at is not None and not account.user.is_active


def test_resend_confirmation(db_session, sign_up):
    first = token_from(sign_up())
    link, tokens = link_capture()
    mail = accounts.resend_confirmation(db_session, "TANAKA@example.co.jp", utcnow(), link)
    assert mail is not None and mail.to == "tanaka@example.co.jp" and tokens[0] in mail.body
    assert tokens[0] != first
    assert accounts.resend_confirmation(db_session, "nobody@example.co.jp", utcnow(), link) is None
    accounts.confirm_email(db_session, tokens[0], utcnow())
    assert accounts.resend_confirmation(db_session, "tanaka@example.co.jp", utcnow(), link) is None


# --- password reset ----------------------------------------------------------------------------------------------


@pytest.fixture
def confirmed(db_session, sign_up):
    return accounts.confirm_email(db_session, token_from(sign_up()), utcnow())


def _reset(app, session, policy, token, password=NEW_PASSWORD, now=None):
    return accounts.reset_password(session, token, password, policy=policy,
                                   hash_method=app.config["PASSWORD_HASH_METHOD"], now=now or utcnow())


def test_password_reset(app, db_session, policy, settings, confirmed):
    _login(db_session, settings, "tanaka@example.co.jp")
    confirmed.user.failed_login_count = 3
    link, tokens = link_capture()
    mail = accounts.request_password_reset(db_session, " Tanaka@Example.co.jp", utcnow(), link)
    assert mail.to == "tanaka@example.co.jp" and "パスワードの再設定" in mail.subject and tokens[0] in mail.body
    row = db_session.scalar(select(ApplicantToken).where(ApplicantToken.purpose == "reset"))
    assert row.expires_at - row.created_at == timedelta(hours=1)
    account = _reset(app, db_session, policy, tokens[0])
    assert account.id == confirmed.id and account.user.failed_login_count == 0
    # Open login sessions end; the old password no longer works, the new one does.
    sessions = db_session.scalars(select(LoginSession).where(LoginSession.user_id == account.user_id)).all()
    assert [s.revoked_reason for s in sessions] == ["password_changed"]
    with pytest.raises(LoginFailed):
        _login(db_session, settings, "tanaka@example.co.jp")
    user, _ = _login(db_session, settings, "tanaka@example.co.jp", password=NEW_PASSWORD)
    assert user.id == account.user_id
    with pytest.raises(ValidationFailed):  # used once
        _reset(app, db_session, policy, tokens[0], password="Third-Passw0rd-99")
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "applicant.reset")) is not None


def test_password_reset_weak_password_keeps_the_token(app, db_session, policy, confirmed):
    link, tokens = link_capture()
    accounts.request_password_reset(db_session, "tanaka@example.co.jp", utcnow(), link)
    with pytest.raises(ValidationFailed) as info:
        _reset(app, db_session, policy, tokens[0], password="weak")
    assert list(info.value.errors) == ["password"]
    assert accounts.token_is_usable(db_session, tokens[0], "reset", utcnow())
    with pytest.raises(ValidationFailed) as info:  # containing the login id is refused too
        _reset(app, db_session, policy, tokens[0], password="tanaka@example.co.jp-X1")
    assert list(info.value.errors) == ["password"]
    _reset(app, db_session, policy, tokens[0])
    assert not accounts.token_is_usable(db_session, tokens[0], "reset", utcnow())


def test_password_reset_token_expires_after_one_hour(app, db_session, policy, confirmed):
    start = utcnow()
    link, tokens = link_capture()
    accounts.request_password_reset(db_session, "tanaka@example.co.jp", start, link)
    with pytest.raises(ValidationFailed) as info:
        _reset(app, db_session, policy, tokens[0], now=start + timedelta(minutes=61))
    assert "token" in info.value.errors


def test_password_reset_not_offered_to_unknown_or_unconfirmed(db_session, sign_up):
    link, tokens = link_capture()
    assert accounts.request_password_reset(db_session, "nobody@example.co.jp", utcnow(), link) is None
    sign_up()
    assert accounts.request_password_reset(db_session, "tanaka@example.co.jp", utcnow(), link) is None
    assert tokens == []
    assert db_session.scalar(select(ApplicantToken).where(ApplicantToken.purpose == "reset")) is None


def test_unknown_reset_token_refused(app, db_session, policy, confirmed):
    with pytest.raises(ValidationFailed) as info:
        _reset(app, db_session, policy, "no-such-token")
    assert "token" in info.value.errors
    with pytest.raises(ValidationFailed):
        _reset(app, db_session, policy, "no-such-token", password="weak")


# --- deployment modes --------------------------------------------------------------------------------------------


def test_admitted_in_mode(db_session, create_user, confirmed):
    applicant = confirmed.user
    staff = create_user(Role.CONTRACT_STAFF)
    viewer = create_user(Role.VIEWER)
    assert admitted_in_mode(applicant, "all") and admitted_in_mode(staff, "all")
    assert admitted_in_mode(applicant, "portal") and not admitted_in_mode(applicant, "internal")
    assert admitted_in_mode(staff, "internal") and not admitted_in_mode(staff, "portal")
    assert admitted_in_mode(viewer, "internal") and not admitted_in_mode(viewer, "portal")


def test_login_refused_outside_the_accounts_mode(db_session, settings, create_user, confirmed):
    staff = create_user(Role.CONTRACT_STAFF)
    with pytest.raises(LoginFailed) as info:
        _login(db_session, settings, "tanaka@example.co.jp", mode="internal")
    assert str(info.value) == GENERIC_LOGIN_ERROR
    with pytest.raises(LoginFailed) as info:
        _login(db_session, settings, staff.login_id, mode="portal")
    assert str(info.value) == GENERIC_LOGIN_ERROR
    assert _login(db_session, settings, "tanaka@example.co.jp", mode="portal")[0].id == confirmed.user_id
    assert _login(db_session, settings, staff.login_id, mode="internal")[0].id == staff.id


def test_auth_settings_mode_from_config(app, settings):
    assert settings.mode == app.config.get("MODE", "all")
    assert AuthSettings.from_config({**app.config, "MODE": "portal"}).mode == "portal"


def test_mails_per_account_are_capped_per_hour(db_session, confirmed):
    """The forms face the internet: at most five reset links an hour, whoever asks."""
    link, tokens = link_capture()
    start = utcnow()
    sent = [accounts.request_password_reset(db_session, "tanaka@example.co.jp", start + timedelta(minutes=i), link)
            for i in range(7)]
    assert [m is not None for m in sent] == [True] * accounts.MAX_TOKENS_PER_HOUR + [False, False]
    later = accounts.request_password_reset(db_session, "tanaka@example.co.jp", start + timedelta(minutes=70), link)
    assert later is not None and len(tokens) == accounts.MAX_TOKENS_PER_HOUR + 1
