"""The applicant portal writes through the transaction helper: a refused write is rolled back and answered as
before (errors on the form, 422 on a list section, a flashed refusal after a redirect), a mail leaves only
after its commit, and the nested ``portal.account`` / ``portal.filing`` blueprints keep the portal's look."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from core import mail
from core.audit.models import AuditEntry
from core.errors import ValidationFailed
from core.timefmt import today
from registry.applications import accounts, services
from registry.applications.models import ApplicantAccount, Application
from tests.helpers import TEST_PASSWORD, page_text
from tests.registry.test_application_views import applicant_client, start

PERMIT = {"work_type_code": "010", "text": "山口県知事許可（般-5）第12345号",
          "granted_on": (today() - timedelta(days=400)).isoformat()}


def _audit_count(session, operation: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.operation == operation))


def test_refused_sign_up_keeps_the_form_and_sends_nothing(app, db_session):
    client = app.test_client()
    mail.clear_outbox()
    response = client.post("/portal/signup", data={"firm_name": "株式会社書式違い", "email": "no-address",
                                                   "password": TEST_PASSWORD, "password_confirm": TEST_PASSWORD})
    assert response.status_code == 200 and "メールアドレスの形式が正しくありません" in page_text(response)
    assert 'value="株式会社書式違い"' in page_text(response)
    assert mail.outbox() == []
    assert db_session.scalar(select(ApplicantAccount).where(ApplicantAccount.firm_name == "株式会社書式違い")) is None


def test_a_confirmation_refused_in_the_block_confirms_nothing(app, db_session, monkeypatch):
    client = app.test_client()
    mail.clear_outbox()
    client.post("/portal/signup", data={"firm_name": "株式会社確認中", "email": "race@portal.example.jp",
                                        "password": TEST_PASSWORD, "password_confirm": TEST_PASSWORD})
    link = re.search(r"http://localhost(/portal/confirm/\S+)", mail.outbox()[-1].body).group(1)

    def used_meanwhile(*_args, **_kwargs):
        raise ValidationFailed({"token": ["このリンクは無効か、有効期限が切れています。"]})

    monkeypatch.setattr(accounts, "confirm_email", used_meanwhile)
    response = client.post(link)
    assert response.status_code == 302 and response.location == link
    account = db_session.scalar(select(ApplicantAccount).where(ApplicantAccount.email == "race@portal.example.jp"))
    assert account.email_confirmed_at is None and not account.user.is_active


def test_a_refused_row_answers_422_and_keeps_the_rows(app, db_session):
    client = applicant_client(app, "rows@portal.example.jp")
    app_id = start(client)
    url = f"/portal/applications/{app_id}/rows/permits"
    assert client.post(url, data=PERMIT).status_code == 302
    saved = _audit_count(db_session, "application.save")
    response = client.post(url, data=PERMIT)  # the same 業種 twice: refused by the service, not by the form
    assert response.status_code == 422 and "この業種の許可は入力済みです" in page_text(response)
    db_session.expire_all()
    assert len(db_session.get(Application, app_id).data["permits"]) == 1
    assert _audit_count(db_session, "application.save") == saved


def test_a_second_open_application_is_refused_with_a_flash(app, db_session):
    client = applicant_client(app, "twice@portal.example.jp")
    app_id = start(client)
    response = client.post("/portal/applications", data={"kind": "new"})
    assert response.status_code == 302 and response.location == "/portal/"
    reference = db_session.get(Application, app_id).reference
    assert f"手続中の新規申請（受付番号 {reference}）があります" in page_text(client.get("/portal/"))
    assert db_session.scalar(select(func.count()).select_from(Application).where(
        Application.applicant_email == "twice@portal.example.jp")) == 1


def test_an_incomplete_submission_is_rolled_back_and_mails_nothing(app, db_session):
    client = applicant_client(app, "early@portal.example.jp")
    app_id = start(client)
    mail.clear_outbox()
    response = client.post(f"/portal/applications/{app_id}/submit", data={"confirmed": "1"})
    assert response.status_code == 422 and "まだ提出できません。入力が足りない項目があります" in page_text(response)
    assert mail.outbox() == []
    db_session.expire_all()
    application = db_session.get(Application, app_id)
    assert application.status == "draft" and application.revision == 0 and application.submitted_at is None


def test_a_submission_refused_as_a_state_change_says_why(app, db_session, monkeypatch):
    client = applicant_client(app, "late@portal.example.jp")
    app_id = start(client)

    def taken_meanwhile(*_args, **_kwargs):
        raise services.NotEditable("この申請は「審査中」のため変更できません。")

    monkeypatch.setattr(services, "submit", taken_meanwhile)
    monkeypatch.setattr(services, "submission_problems", lambda *_args: [])
    mail.clear_outbox()
    response = client.post(f"/portal/applications/{app_id}/submit", data={"confirmed": "1"})
    assert response.status_code == 302
    page = page_text(client.get(response.location))
    assert "この申請は「審査中」のため変更できません。" in page and "まだ入力が足りない" not in page
    assert mail.outbox() == []


def test_portal_pages_keep_the_applicant_brand_and_menu(app, db_session):
    anonymous = app.test_client()
    assert re.search(r"<title>[^<]*入札参加資格審査申請</title>", page_text(anonymous.get("/portal/signup")))
    assert re.search(r"<title>[^<]*Keiyaku 契約管理システム</title>", page_text(anonymous.get("/login")))
    client = applicant_client(app, "brand@portal.example.jp")
    app_id = start(client)
    page = page_text(client.get(f"/portal/applications/{app_id}/company"))
    assert re.search(r"<title>[^<]*入札参加資格審査申請</title>", page)
    assert re.search(r'href="/portal/"[^>]*aria-current="page"', page)  # the menu item stays current
