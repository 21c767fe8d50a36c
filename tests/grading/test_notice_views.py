"""The screens of notification, publication and 説明請求 (staff) and the firm's portal pages: who may do what, the
department scope (another department's work answers 404), another firm's work (404), a late request refused with its
deadline on the page."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from core import create_app, mail
from grading.explanations.models import ExplanationRequest
from tests.grading.notice_fixtures import NOTIFIED_ON, clock
from tests.helpers import page_text


def _paper(client, work, filed_on="2027-01-12"):
    return client.post(f"/grading/explanations/works/{work.id}", data={"filed_on": filed_on, "content": "説明を求めます。"})


def test_the_contract_section_notifies_from_the_list(db_session, settled, contract_staff, login_as, applicant_of,
                                                     monkeypatch):
    applicant_of(settled.contractor, "genba@example.jp")
    client = login_as(contract_staff)
    clock(monkeypatch, NOTIFIED_ON)
    page = page_text(client.get("/grading/notices"))
    assert "市道中央線道路改良工事" in page and "通知する" in page
    mail.clear_outbox()
    response = client.post(f"/grading/notices/{settled.id}/notify", data={"notified_on": "2027-01-06", "back": "list"})
    assert response.status_code == 302 and response.location.endswith("/grading/notices")
    db_session.expire_all()
    assert settled.state == "notified" and settled.notified_on == NOTIFIED_ON
    assert [m.to for m in mail.outbox()] == ["genba@example.jp"]
    assert "/portal/grading/notices/" in mail.outbox()[0].body
    assert "通知しました" in page_text(client.get("/grading/notices"))


def test_a_bad_notice_day_is_flashed_and_changes_nothing(db_session, settled, contract_staff, login_as, monkeypatch):
    client = login_as(contract_staff)
    clock(monkeypatch, NOTIFIED_ON)
    response = client.post(f"/grading/notices/{settled.id}/notify", data={"notified_on": "2027-01-07"},
                           follow_redirects=True)
    assert "通知日は今日（令和9年1月6日）以前" in page_text(response) and settled.state == "settled"


def test_department_staff_look_but_do_not_notify(db_session, settled, chief, kenchiku_staff, login_as):
    own, other = login_as(chief), login_as(kenchiku_staff)
    detail = page_text(own.get(f"/grading/notices/{settled.id}"))
    # Before the notice, a grader who does not settle sees the score but not the others' items.
    assert "総合評定点" in detail and "通知する" not in detail
    assert "工程管理" not in detail and "通知の後に表示します" in detail
    assert own.post(f"/grading/notices/{settled.id}/notify", data={"notified_on": "2027-01-06"}).status_code == 403
    assert other.get(f"/grading/notices/{settled.id}").status_code == 404
    assert other.post(f"/grading/notices/{settled.id}/notify", data={"notified_on": "2027-01-06"}).status_code == 404
    assert "市道中央線道路改良工事" not in page_text(other.get("/grading/notices"))


def test_publication_page_and_downloads(db_session, notified, contract_staff, login_as, monkeypatch):
    client = login_as(contract_staff)
    clock(monkeypatch, date(2027, 1, 5))  # before the notice day: nothing is published
    assert "市道中央線道路改良工事" not in page_text(client.get("/grading/publication?fiscal_year=2026"))
    clock(monkeypatch, date(2027, 2, 1))
    page = page_text(client.get("/grading/publication?fiscal_year=2026&quarter=4"))
    assert "市道中央線道路改良工事" in page and "30,250,000" in page and "平均 80.00 点" in page
    csv = client.get("/grading/publication?fiscal_year=2026&format=csv").get_data().decode("utf-8-sig").splitlines()
    assert csv[0].startswith("契約番号,工事名,受注者（業者番号）,受注者,最終契約金額（税込・円）,評定点")
    assert csv[1].split(",")[4:6] == ["30250000", "80"] and csv[1].endswith("2027-01-06")
    book = client.get("/grading/publication?fiscal_year=2026&format=xlsx")
    assert book.status_code == 200
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(book.get_data())).active
    assert sheet["E2"].value == 30_250_000 and float(sheet["F2"].value) == 80
    assert "公表一覧を印刷" in page


def test_staff_record_a_paper_request_and_answer_it(db_session, notified, contract_staff, chief, kenchiku_staff,
                                                    login_as, monkeypatch):
    staff = login_as(contract_staff)
    clock(monkeypatch, date(2027, 1, 20))
    late = _paper(staff, notified, "2027-01-20")
    assert late.status_code == 302
    assert "説明請求の期限（令和9年1月19日）を過ぎています" in page_text(staff.get(late.location))
    response = _paper(staff, notified)
    request = db_session.query(ExplanationRequest).one()
    assert response.location.endswith(f"/grading/explanations/{request.id}")
    detail = page_text(staff.get(response.location))
    assert "経過と期限" in detail and "回答する（説明書）" in detail and "令和9年1月26日" in detail
    assert login_as(chief).post(f"/grading/explanations/{request.id}/answer",
                                data={"answer": "回答", "answered_on": "2027-01-20"}).status_code == 403
    assert login_as(kenchiku_staff).get(f"/grading/explanations/{request.id}").status_code == 404
    bad = staff.post(f"/grading/explanations/{request.id}/answer", data={"answer": "", "answered_on": "2027-01-20"})
    assert bad.status_code == 422 and "回答を入力してください" in page_text(bad) and request.state == "received"
    ok = staff.post(f"/grading/explanations/{request.id}/answer", data={"answer": "回答です。", "answered_on": "2027-01-20"})
    db_session.expire_all()
    assert ok.status_code == 302 and request.state == "answered"
    assert "説明書（回答）" in page_text(staff.get(ok.location))


def test_the_request_list_filters_overdue(db_session, notified, contract_staff, login_as, monkeypatch):
    staff = login_as(contract_staff)
    clock(monkeypatch, date(2027, 1, 12))
    _paper(staff, notified)
    clock(monkeypatch, date(2027, 1, 27))
    page = page_text(staff.get("/grading/explanations?state=open&overdue=y"))
    assert "市道中央線道路改良工事" in page and "期限超過" in page
    clock(monkeypatch, date(2027, 1, 26))
    assert "市道中央線道路改良工事" not in page_text(staff.get("/grading/explanations?state=open&overdue=y"))
    csv = staff.get("/grading/explanations?format=csv").get_data().decode("utf-8-sig")
    assert "2027-01-12,書面（職員が登録）,受付,2027-01-26" in csv
    home = page_text(staff.get("/"))
    assert "説明請求の回答待ち・評定の通知" in home and "確定して通知していない評定" in home


# --- the applicant portal ---------------------------------------------------------------------------------------

def test_the_firm_reads_its_notice_and_files_a_request(db_session, notified, applicant_of, login_as, monkeypatch):
    client = login_as(applicant_of(notified.contractor, "own@example.jp"))
    clock(monkeypatch, date(2027, 1, 12))
    listing = page_text(client.get("/portal/grading/"))
    assert "市道中央線道路改良工事" in listing and "令和9年1月19日" in listing
    detail = page_text(client.get(f"/portal/grading/notices/{notified.id}"))
    assert "項目別評定点表" in detail and "総合評定点" in detail and "説明請求をする" in detail
    response = client.post(f"/portal/grading/notices/{notified.id}/explanations", data={"content": "説明を求めます。"})
    assert response.status_code == 302
    request = db_session.query(ExplanationRequest).one()
    assert request.channel == "portal" and request.filed_on == date(2027, 1, 12)
    page = page_text(client.get(f"/portal/grading/notices/{notified.id}"))
    assert "令和9年1月26日までに回答します" in page and "説明請求をする</button>" not in page


def test_a_late_request_is_refused_on_the_portal(db_session, notified, applicant_of, login_as, monkeypatch):
    client = login_as(applicant_of(notified.contractor, "own@example.jp"))
    clock(monkeypatch, date(2027, 1, 20))
    assert "説明請求の期限（令和9年1月19日）を過ぎています" in page_text(client.get(f"/portal/grading/notices/{notified.id}"))
    response = client.post(f"/portal/grading/notices/{notified.id}/explanations", data={"content": "説明を求めます。"})
    assert response.status_code == 422
    assert "説明請求の期限（令和9年1月19日）を過ぎています" in page_text(response)
    assert db_session.query(ExplanationRequest).count() == 0


def test_the_firm_re_requests_after_the_answer(db_session, notified, applicant_of, contract_staff, login_as,
                                               monkeypatch):
    client = login_as(applicant_of(notified.contractor, "own@example.jp"))
    clock(monkeypatch, date(2027, 1, 12))
    client.post(f"/portal/grading/notices/{notified.id}/explanations", data={"content": "説明を求めます。"})
    request = db_session.query(ExplanationRequest).one()
    login_as(contract_staff).post(f"/grading/explanations/{request.id}/answer",
                                  data={"answer": "記録の提出が遅れました。", "answered_on": "2027-01-12"})
    page = page_text(client.get(f"/portal/grading/notices/{notified.id}"))
    assert "記録の提出が遅れました。" in page and "再説明請求をする" in page
    response = client.post(f"/portal/grading/explanations/{request.id}/re-request", data={"re-content": "再度お願いします。"})
    db_session.expire_all()
    assert response.status_code == 302 and request.state == "re_requested"
    assert "工事成績評定委員会の審議を経て" in page_text(client.get(f"/portal/grading/notices/{notified.id}"))


def test_another_firms_work_is_not_found(db_session, notified, settled, applicant_of, create_contractor, login_as):
    other = login_as(applicant_of(create_contractor("他社建設"), "other@example.jp"))
    assert "市道中央線道路改良工事" not in page_text(other.get("/portal/grading/"))
    assert other.get(f"/portal/grading/notices/{notified.id}").status_code == 404
    assert other.post(f"/portal/grading/notices/{notified.id}/explanations",
                      data={"content": "x"}).status_code == 404


def test_a_work_not_notified_is_not_on_the_portal(db_session, settled, applicant_of, login_as):
    client = login_as(applicant_of(settled.contractor, "own@example.jp"))
    assert client.get(f"/portal/grading/notices/{settled.id}").status_code == 404
    assert "通知された工事成績評定はありません" in page_text(client.get("/portal/grading/"))


def test_a_past_grade_imported_is_not_a_notice_on_the_portal(db_session, notified, doboku, applicant_of, login_as):
    """A past grade is 通知済 without a notice in this system (no notice day, no 説明請求 period): the firm's list
    shows its notices only and the past grade answers 404 (the list failed on its missing deadline)."""
    from tests.grading.stats_support import add_work

    past = add_work(db_session, notified.contractor, doboku, "010", 2024, 84, number="R6-0001")
    client = login_as(applicant_of(notified.contractor, "own@example.jp"))
    listing = client.get("/portal/grading/")
    assert listing.status_code == 200
    assert "市道中央線道路改良工事" in page_text(listing) and "R6-0001" not in page_text(listing)
    assert client.get(f"/portal/grading/notices/{past.id}").status_code == 404


def test_staff_cannot_open_the_portal_pages(db_session, notified, contract_staff, login_as):
    assert login_as(contract_staff).get(f"/portal/grading/notices/{notified.id}").status_code == 403


@pytest.mark.parametrize("mode, present, absent", [
    ("portal", "portal.grading.notice_detail", "grading.notices.notice_list"),
    ("internal", "grading.notices.notice_list", "portal.grading.notice_detail"),
])
def test_modes_register_their_own_grading_pages(app, database_url, mode, present, absent):
    made = create_app({"KEIYAKU_ENV": "test", "KEIYAKU_MODE": mode, "DATABASE_URL": database_url})
    try:
        assert present in made.view_functions and absent not in made.view_functions
    finally:
        made.extensions["keiyaku_db"]["engine"].dispose()


def test_the_work_and_its_notice_link_to_each_other(db_session, settled, contract_staff, login_as):
    client = login_as(contract_staff)
    work_page = client.get(f"/grading/works/{settled.id}").get_data(as_text=True)
    assert f'href="/grading/notices/{settled.id}"' in work_page and "評定の通知の画面（通知する）" in work_page
    notice_page = client.get(f"/grading/notices/{settled.id}").get_data(as_text=True)
    assert f'href="/grading/works/{settled.id}"' in notice_page
