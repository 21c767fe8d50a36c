"""Applicant accounts against an attacker on the internet: a new password voids every link mailed before it,
and a sign-up tells nobody whether the address is registered (the same hashing work, a capped notice mail)."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth import admin_services
from core.auth import services as auth_services
from core.db import utcnow
from core.errors import ValidationFailed
from registry.applications import accounts
from registry.applications.models import ApplicantToken
from tests.helpers import TEST_PASSWORD, page_text
from tests.registry.applications_support import link_capture, token_from

EMAIL = "suzuki@example.co.jp"
NEW_PASSWORD = "Another-Passw0rd-77"


def _sign_up(app, session, policy, *, email=EMAIL, password=TEST_PASSWORD, now=None):
    link, _ = link_capture()
    return accounts.sign_up(session, email=email, firm_name="鈴木工業株式会社", password=password, policy=policy,
                            hash_method=app.config["PASSWORD_HASH_METHOD"], now=now or utcnow(), link=link)


@pytest.fixture
def confirmed(app, db_session, policy):
    return accounts.confirm_email(db_session, token_from(_sign_up(app, db_session, policy)), utcnow())


def _reset_links(session, count: int) -> list[str]:
    link, tokens = link_capture()
    for _ in range(count):
        assert accounts.request_password_reset(session, EMAIL, utcnow(), link) is not None
    return tokens


def _reset(app, session, policy, token, password=NEW_PASSWORD):
    return accounts.reset_password(session, token, password, policy=policy,
                                   hash_method=app.config["PASSWORD_HASH_METHOD"], now=utcnow())


# --- a new password voids the links mailed before it -----------------------------------------------------------


def test_a_reset_voids_every_other_reset_link(app, db_session, policy, confirmed):
    first, second, third = _reset_links(db_session, 3)
    _reset(app, db_session, policy, second)
    for old in (first, third):
        assert not accounts.token_is_usable(db_session, old, "reset", utcnow())
        with pytest.raises(ValidationFailed) as info:
            _reset(app, db_session, policy, old, password="Attacker-Passw0rd-1")
        assert "token" in info.value.errors
    # a link asked for after the reset works
    (fresh,) = _reset_links(db_session, 1)
    _reset(app, db_session, policy, fresh, password="Third-Passw0rd-99")


def test_changing_the_password_voids_the_reset_links(app, db_session, confirmed):
    (link,) = _reset_links(db_session, 1)
    settings = auth_services.AuthSettings.from_config(app.config)
    auth_services.change_password(db_session, confirmed.user, TEST_PASSWORD, NEW_PASSWORD, settings=settings,
                                  now=utcnow())
    assert not accounts.token_is_usable(db_session, link, "reset", utcnow())


def test_a_password_issued_by_an_administrator_voids_the_links(app, db_session, policy, admin, confirmed):
    (link,) = _reset_links(db_session, 1)
    admin_services.reset_password(db_session, admin, confirmed.user, policy=policy, now=utcnow(),
                                  hash_method=app.config["PASSWORD_HASH_METHOD"])
    assert not accounts.token_is_usable(db_session, link, "reset", utcnow())


# --- sign-up: the same answer, the same work, a capped notice ---------------------------------------------------


def test_sign_up_hashes_the_password_whether_or_not_the_address_is_known(app, db_session, policy, monkeypatch):
    calls = []
    real = accounts.hash_password
    monkeypatch.setattr(accounts, "hash_password", lambda *a: calls.append(a) or real(*a))
    _sign_up(app, db_session, policy)
    _sign_up(app, db_session, policy, password="Different-Passw0rd-2")
    method = app.config["PASSWORD_HASH_METHOD"]
    assert calls == [(TEST_PASSWORD, method), ("Different-Passw0rd-2", method)]


def test_the_already_registered_notice_is_capped_per_hour(app, db_session, policy, confirmed):
    start = utcnow()
    notices = [_sign_up(app, db_session, policy, now=start + timedelta(minutes=i)) for i in range(7)]
    assert [n is not None for n in notices] == [True] * accounts.MAX_TOKENS_PER_HOUR + [False, False]
    assert all("既に登録されています" in n.body for n in notices if n is not None)
    later = _sign_up(app, db_session, policy, now=start + timedelta(minutes=70))
    assert later is not None and "既に登録されています" in later.body
    # the notices are no links: nothing they leave behind opens a page
    rows = db_session.scalars(select(ApplicantToken).where(ApplicantToken.purpose == "notice")).all()
    assert rows and all(r.used_at is not None for r in rows)


# --- the account forms answer alike whether or not a mail goes out ----------------------------------------------


@pytest.fixture
def refusing_smtp(app, monkeypatch):
    """A mail server that refuses every connection, slowly: a request waiting for it would be both slower and
    answered with a failure message only for a registered address."""
    attempts = []

    def refuse(host, port, timeout):
        attempts.append(host)
        raise OSError("connection refused")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.lg.jp")
    return attempts


@pytest.mark.parametrize(("path", "registered"), [("/portal/password/forgot", "confirmed"),
                                                  ("/portal/resend", "pending")])
def test_account_forms_do_not_wait_for_the_mail_server(app, client, db_session, policy, refusing_smtp, path,
                                                       registered):
    if registered == "confirmed":
        accounts.confirm_email(db_session, token_from(_sign_up(app, db_session, policy)), utcnow())
    else:
        _sign_up(app, db_session, policy)
    answers = []
    for email in (EMAIL, "nobody@example.co.jp"):
        response = client.post(path, data={"email": email}, follow_redirects=True, buffered=True)
        answers.append((response.status_code, page_text(response)))
    assert refusing_smtp == ["mail.example.lg.jp"]  # the mail was tried, after the answer
    assert answers[0] == answers[1]
    assert "メールを送信できませんでした" not in answers[0][1]


def _audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("request_mail", [accounts.request_password_reset, accounts.resend_confirmation])
def test_mail_requests_write_the_same_for_known_and_unknown_addresses(app, db_session, policy, request_mail):
    """A write only for a registered address would make its answer slower (a commit that flushes to disk)."""
    _sign_up(app, db_session, policy)
    if request_mail is accounts.request_password_reset:
        accounts.confirm_email(db_session, token_from(_sign_up(app, db_session, policy, email="x" + EMAIL)), utcnow())
        known = "x" + EMAIL
    else:
        known = EMAIL
    link, _ = link_capture()
    written = []
    for email in (known, "nobody@example.co.jp", " " * 3):
        before = _audit_count(db_session)
        request_mail(db_session, email, utcnow(), link)
        written.append(_audit_count(db_session) - before)
    assert written == [1, 1, 1]
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.user_id is None and entry.operation.startswith("applicant.")


def test_one_link_cannot_be_used_by_two_requests_at_once(app, db_session, policy, confirmed):
    from sqlalchemy import update

    from registry.applications.models import ApplicantToken

    (link,) = _reset_links(db_session, 1)
    row = accounts._token_row(db_session, link, "reset")
    assert row.used_at is None
    # The other request used the link after this one read the row (committed, unseen by this session's object).
    db_session.execute(update(ApplicantToken).where(ApplicantToken.id == row.id).values(used_at=utcnow())
                       .execution_options(synchronize_session=False))
    with pytest.raises(ValidationFailed) as info:
        _reset(app, db_session, policy, link, password="Second-Passw0rd-77")
    assert "token" in info.value.errors


def test_a_sign_up_with_a_login_that_is_no_applicant_is_logged_for_what_it_is(app, db_session, policy, create_user):
    user = create_user()
    user.login_id = "someone@city.example.lg.jp"  # a login without an applicant account (no staff id has "@")
    db_session.flush()
    assert _sign_up(app, db_session, policy, email=user.login_id) is None
    summary = db_session.scalars(select(AuditEntry.summary).where(AuditEntry.operation == "applicant.sign_up")
                                 .order_by(AuditEntry.id.desc())).first()
    assert "申請者のアカウントではないため送信せず" in summary and "上限" not in summary
