"""Applicant portal and review screens through HTTP: the whole journey (sign up → file → return → correct →
accept into the registry), another firm's application on every route, attachment downloads, and the
KEIYAKU_MODE split."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import create_app, mail
from core.auth.roles import Role
from core.timefmt import today
from registry.applications.models import ApplicantAccount, Application
from registry.contractors.models import Contractor
from tests.helpers import TEST_PASSWORD, login, page_text
from tests.registry.applications_support import PDF

#: The second POST of a step with a confirmation page (提出, 差戻し, 不受理).
CONFIRMED = {"confirmed": "1"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"IEND\xaeB`\x82"


def errors_of(response) -> str:
    """The error summary of a page, for assertion messages."""
    text = page_text(response)
    start_at = text.find("error-summary")
    return re.sub(r"<[^>]+>|\s+", " ", text[start_at:start_at + 3000]) if start_at >= 0 else text[-800:]


def _iso(days_ago: int) -> str:
    return (today() - timedelta(days=days_ago)).isoformat()


def sign_up(client, email: str, firm: str = "株式会社ポータル建設") -> None:
    mail.clear_outbox()
    response = client.post("/portal/signup", data={"firm_name": firm, "email": email, "password": TEST_PASSWORD,
                                                   "password_confirm": TEST_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/portal/signup/sent")
    sent = mail.outbox()[-1]
    assert sent.to == email
    link = re.search(r"http://localhost(/portal/confirm/\S+)", sent.body).group(1)
    assert client.get(link).status_code == 200  # the page with the button; GET confirms nothing
    response = client.post(link)
    assert response.status_code == 302 and response.location.endswith("/login")


def applicant_client(app, email: str, firm: str = "株式会社ポータル建設"):
    client = app.test_client()
    sign_up(client, email, firm)
    response = login(client, email)
    assert response.status_code == 302, page_text(response)[:400]
    return client


def start(client, kind: str = "new") -> int:
    response = client.post("/portal/applications", data={"kind": kind})
    assert response.status_code == 302, response.location
    return int(response.location.rsplit("/", 1)[1])


def fill_new_application(client, app_id: int, corporate_number: str = "9234567890123") -> None:
    base = f"/portal/applications/{app_id}"
    response = client.post(f"{base}/company", data={
        "legal_form": "corporation", "name": "株式会社ポータル建設", "name_kana": "ポータルケンセツ",
        "corporate_number": corporate_number, "representative_title": "代表取締役", "representative_name": "申請 太郎",
        "postal_code": "747-0001", "address": "山口県防府市中央町1-1", "phone": "0835-22-0000",
        "email": "info@portal.example.jp"})
    assert response.status_code == 302, errors_of(response)
    page = page_text(client.get(f"{base}/categories"))
    year = re.search(r'<option value="(\d{4})"', page).group(1)
    assert client.post(f"{base}/categories", data={"period_start_year": year, "construction": ["010"]}).status_code == 302
    assert client.post(f"{base}/rows/permits", data={"work_type_code": "010", "text": "山口県知事許可（般-5）第12345号",
                                                     "granted_on": _iso(400)}).status_code == 302
    assert client.post(f"{base}/rows/keishin", data={"work_type_code": "010", "base_date": _iso(120), "x1": "800",
                                                     "x2": "700", "y": "750", "z": "800", "w": "900",
                                                     "p": "790"}).status_code == 302
    assert client.post(f"{base}/rows/technicians", data={"name": "技術 一郎", "qualifications": "1級土木施工管理技士",
                                                         "employed_since": _iso(2000)}).status_code == 302
    page = page_text(client.get(f"{base}/declarations"))
    codes = re.findall(r'name="agreed"[^>]*value="([a-z_]+)"', page) or re.findall(r'value="([a-z_]+)"[^>]*name="agreed"', page)
    assert codes
    assert client.post(f"{base}/declarations", data={"agreed": codes}).status_code == 302
    for code, name, blob in (("tax_certificate", "納税証明書.pdf", PDF), ("keishin_notice", "経審.png", PNG),
                             ("registry_certificate", "登記.pdf", PDF), ("permit_notice", "許可.pdf", PDF)):
        response = client.post(f"{base}/attachments", data={"document_code": code, "file": (io.BytesIO(blob), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 302, errors_of(response)


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF, name="審査 花子"))


def test_whole_journey_from_sign_up_to_registry(app, db_session, staff_client):
    client = applicant_client(app, "journey@portal.example.jp")
    app_id = start(client)
    base = f"/portal/applications/{app_id}"
    overview = page_text(client.get(base))
    assert "未入力" in overview and "form-error" not in overview  # nothing entered yet: no errors shown
    fill_new_application(client, app_id)
    overview = page_text(client.get(base))
    assert "要入力" not in overview
    mail.clear_outbox()
    assert client.post(f"{base}/submit", data=CONFIRMED).status_code == 302
    assert "受け付けました" in mail.outbox()[-1].subject
    assert "変更できません" in page_text(client.get(f"{base}/company", follow_redirects=True))

    # Staff: the list, the review page with attachments beside it, a note, the return.
    listing = page_text(staff_client.get("/registry/applications"))
    assert "株式会社ポータル建設" in listing
    assert staff_client.post(f"/registry/applications/{app_id}/review").status_code == 302
    detail = page_text(staff_client.get(f"/registry/applications/{app_id}"))
    assert "納税証明書.pdf" in detail and "確認済み" in detail
    assert staff_client.post(f"/registry/applications/{app_id}/checks",
                             data={"company_note": "代表者の役職を登記のとおりにしてください。"}).status_code == 302
    mail.clear_outbox()
    assert staff_client.post(f"/registry/applications/{app_id}/return",
                             data={"comment": "一部修正をお願いします。", **CONFIRMED}).status_code == 302
    returned = mail.outbox()[-1]
    assert returned.to == "journey@portal.example.jp" and "代表者の役職" in returned.body

    # Applicant: sees the comment, corrects, resubmits.
    overview = page_text(client.get(base))
    assert "差戻し" in overview and "代表者の役職を登記のとおりに" in overview
    company = db_session.get(Application, app_id).data["company"]
    response = client.post(f"{base}/company", data={**company, "representative_title": "代表取締役社長"})
    assert response.status_code == 302
    assert client.post(f"{base}/submit", data=CONFIRMED).status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, app_id).revision == 2

    # Staff: accept after seeing the comparison.
    assert staff_client.post(f"/registry/applications/{app_id}/review").status_code == 302
    confirm = page_text(staff_client.get(f"/registry/applications/{app_id}/accept"))
    assert "新しく登録します" in confirm and "代表取締役社長" in confirm
    response = staff_client.post(f"/registry/applications/{app_id}/accept", data={"comment": ""})
    assert response.status_code == 302 and "/registry/contractors/" in response.location
    contractor = db_session.scalar(select(Contractor).where(Contractor.corporate_number == "9234567890123"))
    assert contractor.representative_title == "代表取締役社長"
    assert [w.work_type_code for r in contractor.registrations for w in r.work_types] == ["010"]
    assert contractor.permits[0].permit_number == 12345 and contractor.keishin[0].p_computed > 0
    assert contractor.technicians[0].name == "技術 一郎"
    home = page_text(client.get("/portal/"))
    assert contractor.number in home and "受理" in home
    assert "変更届を始める" in home


def test_other_firm_gets_404_on_every_application_route(app, db_session):
    owner = applicant_client(app, "owner@portal.example.jp", "株式会社持ち主")
    app_id = start(owner)
    owner.post(f"/portal/applications/{app_id}/rows/technicians", data={"name": "技術 次郎"})
    owner.post(f"/portal/applications/{app_id}/attachments",
               data={"document_code": "other", "file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    attachment_id = db_session.get(Application, app_id).attachments[0].id
    other = applicant_client(app, "other@portal.example.jp", "株式会社よそ")
    base = f"/portal/applications/{app_id}"
    for method, url in (("GET", base), ("GET", f"{base}/company"), ("POST", f"{base}/company"),
                        ("GET", f"{base}/categories"), ("POST", f"{base}/categories"),
                        ("GET", f"{base}/rows/technicians"), ("POST", f"{base}/rows/technicians"),
                        ("GET", f"{base}/rows/technicians/0"), ("POST", f"{base}/rows/technicians/0"),
                        ("POST", f"{base}/rows/technicians/0/remove"), ("GET", f"{base}/declarations"),
                        ("POST", f"{base}/declarations"), ("GET", f"{base}/attachments"),
                        ("POST", f"{base}/attachments"), ("GET", f"{base}/attachments/{attachment_id}"),
                        ("POST", f"{base}/attachments/{attachment_id}/remove"), ("POST", f"{base}/submit"),
                        ("GET", f"{base}/change-note")):
        response = other.open(url, method=method, data={"name": "乗っ取り"})
        assert response.status_code == 404, (method, url, response.status_code)
    db_session.expire_all()
    application = db_session.get(Application, app_id)
    assert application.data["technicians"][0]["name"] == "技術 次郎"
    assert application.live_attachments


def test_attachment_is_a_download_for_owner_and_staff_only(app, db_session, staff_client, create_user, login_as):
    client = applicant_client(app, "files@portal.example.jp")
    app_id = start(client)
    response = client.post(f"/portal/applications/{app_id}/attachments",
                           data={"document_code": "other", "file": (io.BytesIO(PDF), "../../証明書.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    application = db_session.get(Application, app_id)
    application.status = "submitted"  # staff see submitted applications only
    db_session.flush()
    attachment = application.attachments[0]
    assert attachment.original_name == "証明書.pdf" and re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    for c, url in ((client, f"/portal/applications/{app_id}/attachments/{attachment.id}"),
                   (staff_client, f"/registry/applications/{app_id}/attachments/{attachment.id}")):
        response = c.get(url)
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    viewer = login_as(create_user(Role.VIEWER))
    assert viewer.get(f"/registry/applications/{app_id}/attachments/{attachment.id}").status_code == 403
    assert app.test_client().get(f"/portal/applications/{app_id}/attachments/{attachment.id}").status_code == 302


def test_bad_upload_is_refused_with_a_message_and_nothing_stored(app, db_session):
    client = applicant_client(app, "bad@portal.example.jp")
    app_id = start(client)
    response = client.post(f"/portal/applications/{app_id}/attachments",
                           data={"document_code": "other", "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "PDF・JPEG・PNG のいずれでもありません" in page_text(response)
    assert db_session.get(Application, app_id).attachments == []


def test_sign_up_with_a_known_address_reveals_nothing(app, db_session):
    applicant_client(app, "known@portal.example.jp")
    client = app.test_client()
    mail.clear_outbox()
    response = client.post("/portal/signup", data={"firm_name": "別の会社", "email": "Known@portal.example.jp",
                                                   "password": TEST_PASSWORD, "password_confirm": TEST_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/portal/signup/sent")
    assert "既に登録されています" in mail.outbox()[-1].body
    assert db_session.scalar(select(ApplicantAccount).where(ApplicantAccount.firm_name == "別の会社")) is None


def test_unconfirmed_applicant_cannot_log_in(app):
    client = app.test_client()
    client.post("/portal/signup", data={"firm_name": "株式会社未確認", "email": "pending@portal.example.jp",
                                        "password": TEST_PASSWORD, "password_confirm": TEST_PASSWORD})
    response = login(client, "pending@portal.example.jp")
    assert response.status_code == 200 and "メールアドレスの確認が済んでいません" in page_text(response)


def test_applicant_home_is_the_portal_and_staff_pages_are_forbidden(app):
    client = applicant_client(app, "home@portal.example.jp")
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/portal/")
    assert client.get("/registry/contractors").status_code == 403
    assert client.get("/registry/applications").status_code == 403


def test_password_reset_by_mail(app):
    applicant_client(app, "reset@portal.example.jp")
    client = app.test_client()
    mail.clear_outbox()
    client.post("/portal/password/forgot", data={"email": "reset@portal.example.jp"})
    link = re.search(r"http://localhost(/portal/password/reset/\S+)", mail.outbox()[-1].body).group(1)
    new_password = "Another-Passw0rd-2026"
    response = client.post(link, data={"password": new_password, "password_confirm": new_password})
    assert response.status_code == 302
    assert login(client, "reset@portal.example.jp", new_password).status_code == 302
    assert client.get(link).status_code == 410


def test_modes_register_only_their_own_screens(app, database_url):
    portal = create_app({"KEIYAKU_ENV": "test", "KEIYAKU_MODE": "portal", "DATABASE_URL": database_url})
    internal = create_app({"KEIYAKU_ENV": "test", "KEIYAKU_MODE": "internal", "DATABASE_URL": database_url})
    try:
        portal_endpoints, internal_endpoints = set(portal.view_functions), set(internal.view_functions)
        assert {"portal.account.signup", "portal.filing.home"} <= portal_endpoints
        assert "registry.contractors.contractor_list" not in portal_endpoints
        assert not any(e.startswith(("admin.", "audit.", "registry.", "exports.")) for e in portal_endpoints)
        assert "registry.applications.application_list" in internal_endpoints
        assert not any(e.startswith("portal.") for e in internal_endpoints)
        assert portal.test_client().get("/registry/contractors").status_code == 404
        assert internal.test_client().get("/portal/signup").status_code == 404
    finally:
        for made in (portal, internal):
            made.extensions["keiyaku_db"]["engine"].dispose()


def test_change_notice_after_acceptance_updates_the_registry(app, db_session, staff_client):
    client = applicant_client(app, "change@portal.example.jp")
    app_id = start(client)
    fill_new_application(client, app_id)
    client.post(f"/portal/applications/{app_id}/submit", data=CONFIRMED)
    staff_client.post(f"/registry/applications/{app_id}/review")
    staff_client.post(f"/registry/applications/{app_id}/accept", data={"comment": ""})

    change_id = start(client, "change")
    base = f"/portal/applications/{change_id}"
    company_page = page_text(client.get(f"{base}/company"))
    assert "山口県防府市中央町1-1" in company_page  # starts from the accepted data
    assert client.get(f"{base}/categories").status_code == 404  # a 変更届 does not change the 業種
    overview = page_text(client.get(base))
    assert "変更の内容" in overview and "未入力" in overview
    company = db_session.get(Application, change_id).data["company"]
    assert client.post(f"{base}/company", data={**company, "address": "山口県防府市寿町2-2"}).status_code == 302
    assert client.post(f"{base}/change-note", data={"change_note": "本店を移転しました。"}).status_code == 302
    assert client.post(f"{base}/submit", data=CONFIRMED).status_code == 302

    listing = page_text(staff_client.get("/registry/applications?kind=change"))
    assert db_session.get(Application, change_id).reference in listing
    staff_client.post(f"/registry/applications/{change_id}/review")
    confirm = page_text(staff_client.get(f"/registry/applications/{change_id}/accept"))
    assert "山口県防府市寿町2-2" in confirm and "業者番号" in confirm
    assert staff_client.post(f"/registry/applications/{change_id}/accept", data={"comment": ""}).status_code == 302
    contractor = db_session.scalar(select(Contractor).where(Contractor.corporate_number == "9234567890123"))
    db_session.refresh(contractor)
    assert contractor.address == "山口県防府市寿町2-2"
    csv = staff_client.get("/registry/applications?state=done&format=csv")
    assert csv.status_code == 200 and "変更届" in csv.get_data(as_text=True)


def test_reject_needs_a_reason_and_reaches_the_applicant(app, db_session, staff_client):
    client = applicant_client(app, "reject@portal.example.jp")
    app_id = start(client)
    fill_new_application(client, app_id)
    client.post(f"/portal/applications/{app_id}/submit", data=CONFIRMED)
    response = staff_client.post(f"/registry/applications/{app_id}/reject", data={"comment": ""})
    assert "不受理の理由を入力してください" in page_text(response)
    assert db_session.get(Application, app_id).status == "submitted"
    mail.clear_outbox()
    staff_client.post(f"/registry/applications/{app_id}/reject", data={"comment": "営業年数の要件を満たしません。",
                                                                      **CONFIRMED})
    assert "営業年数" in mail.outbox()[-1].body
    assert "営業年数" in page_text(client.get(f"/portal/applications/{app_id}"))


def test_staff_do_not_see_drafts(app, db_session, staff_client):
    client = applicant_client(app, "draft@portal.example.jp")
    app_id = start(client)
    assert staff_client.get(f"/registry/applications/{app_id}").status_code == 404
    assert str(db_session.get(Application, app_id).reference) not in page_text(
        staff_client.get("/registry/applications?state=all"))
