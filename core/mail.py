"""Outgoing mail: SMTP in production, a local outbox in development and tests.

Services compose a ``Mail`` and return it; the view sends it after the transaction committed, so a mail never
announces a change that was rolled back. The outbox writes each mail as an ``.eml`` file under
``STORAGE_DIR/outbox`` (developers open them; nothing leaves the machine) and keeps the latest ones in memory
for tests (``outbox()``).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import after_this_request, current_app, request
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted

log = logging.getLogger("keiyaku.mail")
_SENT: deque[Mail] = deque(maxlen=200)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailError(RuntimeError):
    """The mail server refused or could not be reached; the message is safe to show."""


class UntrustedHost(SecurityError):
    """No link may be built: production has no ``KEIYAKU_PUBLIC_URL``, or the request names a host outside
    ``KEIYAKU_TRUSTED_HOSTS`` (answered as HTTP 400)."""


def public_url(path: str) -> str:
    """Absolute address of ``path`` for a link in a mail: ``KEIYAKU_PUBLIC_URL``; in development and tests
    without it, the request's host, and only a trusted one (anyone can send ``Host: evil.example``)."""
    config = current_app.config
    if config.get("PUBLIC_URL"):
        return config["PUBLIC_URL"] + path
    trusted = config.get("TRUSTED_HOSTS")
    if config["KEIYAKU_ENV"] == "production" or not trusted or not host_is_trusted(request.host, trusted):
        log.error("no mail link built for host %r: set KEIYAKU_PUBLIC_URL", request.host)
        raise UntrustedHost("KEIYAKU_PUBLIC_URL is not set and the request's host is not trusted")
    return request.url_root.rstrip("/") + path


def _message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(mail.body, charset="utf-8")
    return msg


def send(mail: Mail) -> None:
    """Send one mail with the configured backend; raises ``MailError`` when SMTP fails."""
    config = current_app.config
    msg = _message(mail, config["MAIL_FROM"])
    if config["MAIL_BACKEND"] == "outbox":
        folder = Path(config["STORAGE_DIR"]) / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
        (folder / name).write_bytes(bytes(msg))
        _SENT.append(mail)
        log.info("mail to %s kept in the outbox as %s", mail.to, name)
        return
    try:
        if config["SMTP_SECURITY"] == "ssl":
            client = smtplib.SMTP_SSL(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15)
        with client:
            if config["SMTP_SECURITY"] == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["SMTP_USER"]:
                client.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail to %s failed: %s", mail.to, exc)
        raise MailError("メールを送信できませんでした。時間をおいてもう一度お試しください。") from exc


def send_quietly(mail: Mail | None) -> bool:
    """Send after a committed change; a mail failure is logged and reported, never undoes the change."""
    if mail is None:
        return True
    try:
        send(mail)
    except MailError:
        return False
    return True


def send_after_response(mail: Mail | None) -> None:
    """Send once the answer has gone out (when the server closes the response): the public account forms must
    answer alike whether or not a mail goes out, since an SMTP round trip or a failure message would tell
    which addresses are registered. A failure is logged only. The outbox backend (development, tests) writes
    its local file at once."""
    if mail is None:
        return
    app = current_app._get_current_object()
    if app.config["MAIL_BACKEND"] == "outbox":
        send_quietly(mail)
        return

    def deliver() -> None:
        with app.app_context():
            send_quietly(mail)

    @after_this_request
    def _after_the_answer(response):
        response.call_on_close(deliver)
        return response


def outbox() -> list[Mail]:
    """Mails sent through the outbox backend in this process, oldest first (for tests and the demo)."""
    return list(_SENT)


def clear_outbox() -> None:
    _SENT.clear()
