"""Mail: the outbox keeps .eml files for development and tests; SMTP sends with STARTTLS and login, and a
refusal becomes a ``MailError`` the screens can report without undoing the change."""

from __future__ import annotations

import email
import smtplib
from pathlib import Path

import pytest
from flask import Response

from core import mail


def test_outbox_writes_an_eml_file_and_remembers_the_mail(app, tmp_path):
    mail.clear_outbox()
    with app.test_request_context():
        mail.send(mail.Mail("a@example.jp", "件名 テスト", "本文\n2 行目"))
    assert [m.subject for m in mail.outbox()] == ["件名 テスト"]
    files = sorted((Path(app.config["STORAGE_DIR"]) / "outbox").glob("*.eml"))
    message = email.message_from_bytes(files[-1].read_bytes())
    assert message["To"] == "a@example.jp"
    assert message.get_payload(decode=True).decode("utf-8").startswith("本文")


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout):
        self.calls = [("connect", host, port)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, msg):
        if FakeSMTP.fail:
            raise smtplib.SMTPRecipientsRefused({msg["To"]: (550, b"no")})
        FakeSMTP.sent.append((self.calls, msg))


@pytest.fixture
def smtp_app(app, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.lg.jp")
    monkeypatch.setitem(app.config, "SMTP_USER", "keiyaku")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "secret")
    FakeSMTP.sent, FakeSMTP.fail = [], False
    return app


def test_smtp_uses_starttls_and_login(smtp_app):
    with smtp_app.test_request_context():
        mail.send(mail.Mail("b@example.jp", "確認", "本文"))
    calls, msg = FakeSMTP.sent[-1]
    assert calls == [("connect", "mail.example.lg.jp", 587), ("starttls",), ("login", "keiyaku")]
    assert msg["From"] == smtp_app.config["MAIL_FROM"] and msg["Subject"] == "確認"


def test_smtp_failure_is_reported_not_raised_by_send_quietly(smtp_app):
    FakeSMTP.fail = True
    with smtp_app.test_request_context():
        with pytest.raises(mail.MailError, match="メールを送信できませんでした"):
            mail.send(mail.Mail("c@example.jp", "件名", "本文"))
        assert mail.send_quietly(mail.Mail("c@example.jp", "件名", "本文")) is False
        assert mail.send_quietly(None) is True


def test_send_after_response_sends_once_the_answer_is_closed_and_only_logs_a_failure(smtp_app):
    with smtp_app.test_request_context():
        assert mail.send_after_response(None) is None
        mail.send_after_response(mail.Mail("d@example.jp", "件名", "本文"))
        response = smtp_app.process_response(Response("ok"))
    assert FakeSMTP.sent == []  # not while the answer is on its way
    response.close()
    assert FakeSMTP.sent[-1][1]["To"] == "d@example.jp"
    FakeSMTP.fail = True
    with smtp_app.test_request_context():
        mail.send_after_response(mail.Mail("e@example.jp", "件名", "本文"))
        response = smtp_app.process_response(Response("ok"))
    response.close()  # logged, not raised
    assert FakeSMTP.sent[-1][1]["To"] == "d@example.jp"


def test_send_after_response_writes_the_outbox_at_once(app):
    mail.clear_outbox()
    with app.test_request_context():
        mail.send_after_response(mail.Mail("f@example.jp", "件名", "本文"))
    assert [m.to for m in mail.outbox()] == ["f@example.jp"]
