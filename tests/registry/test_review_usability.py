"""Findings of a new user on the review and portal screens: one save for the whole review page, notes per section
that reach the applicant, checks kept over a resubmission with the changes shown, confirmation steps, a neutral
overview before the first submission and a 経審 P that blocks on its field."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.auth.roles import Role
from core.timefmt import today
from registry.applications.models import Application
from tests.helpers import page_text
from tests.registry.test_application_views import CONFIRMED, applicant_client, fill_new_application, start


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF, name="審査 次郎"))


def _submitted(app, email: str) -> tuple[object, int]:
    client = applicant_client(app, email)
    app_id = start(client)
    fill_new_application(client, app_id)
    assert client.post(f"/portal/applications/{app_id}/submit", data=CONFIRMED).status_code == 302
    return client, app_id


def _under_review(app, staff_client, email: str) -> tuple[object, int]:
    client, app_id = _submitted(app, email)
    assert staff_client.post(f"/registry/applications/{app_id}/review").status_code == 302
    return client, app_id


def _row(html: str, key: str) -> str:
    match = re.search(rf'<tr id="section-{key}">(.*?)</tr>', html, re.S)
    assert match, key
    return match.group(1)


def _review_section(html: str, key: str) -> str:
    match = re.search(rf'<section class="review-section" id="section-{key}"(.*?)</section>', html, re.S)
    assert match, key
    return match.group(1)


def test_review_page_saves_every_section_with_one_form(app, db_session, staff_client):
    _, app_id = _under_review(app, staff_client, "oneform@portal.example.jp")
    url = f"/registry/applications/{app_id}"
    html = page_text(staff_client.get(url))
    assert html.count("data-unsaved-warning") == 1 and html.count(">確認を保存</button>") == 1
    assert 'name="company_note"' in html and 'name="permits_note"' in html and 'name="attachments_ok"' in html
    # A refused note keeps what was typed in the other sections, and saves nothing.
    refused = staff_client.post(f"{url}/checks", data={"company_ok": "y", "company_note": "矛盾する指摘",
                                                       "permits_note": "許可日を確認してください。"})
    assert refused.status_code == 422
    assert "「会社情報」: 「確認済み」にするときは指摘を空にしてください" in page_text(refused)
    assert "許可日を確認してください。" in page_text(refused)
    assert db_session.get(Application, app_id).checks == []
    response = staff_client.post(f"{url}/checks", data={"company_ok": "y", "permits_note": "許可日を確認してください。"})
    assert response.status_code == 302
    db_session.expire_all()
    saved = {c.section: (c.ok, c.note) for c in db_session.get(Application, app_id).checks}
    assert saved == {"company": (True, None), "permits": (False, "許可日を確認してください。")}


def test_return_asks_for_confirmation_and_notes_reach_the_applicant_per_section(app, db_session, staff_client):
    client, app_id = _under_review(app, staff_client, "notes@portal.example.jp")
    url = f"/registry/applications/{app_id}"
    first = staff_client.post(f"{url}/return", data={"comment": "2 点の修正をお願いします。",
                                                     "permits_note": "許可日を通知書のとおりにしてください。",
                                                     "technicians_note": "資格者証の写しを添付してください。"})
    page = page_text(first)
    assert first.status_code == 200 and "差戻しの確認" in page and "差し戻す（確定）" in page
    assert "許可日を通知書のとおりにしてください。" in page and 'name="confirmed" value="1"' in page
    db_session.expire_all()
    application = db_session.get(Application, app_id)
    assert application.status == "under_review" and len(application.checks) == 2  # the notes are kept
    done = staff_client.post(f"{url}/return", data={"comment": "2 点の修正をお願いします。", **CONFIRMED})
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, app_id).status == "returned"
    overview = page_text(client.get(f"/portal/applications/{app_id}"))
    assert "許可日を通知書のとおりにしてください。" in _row(overview, "permits")
    assert "資格者証の写しを添付してください。" in _row(overview, "technicians")
    assert "許可日" not in _row(overview, "company") and "2 点の修正をお願いします。" in overview


def test_return_without_anything_to_say_is_refused_on_the_page(app, db_session, staff_client):
    _, app_id = _under_review(app, staff_client, "empty@portal.example.jp")
    response = staff_client.post(f"/registry/applications/{app_id}/return", data={"comment": ""})
    assert response.status_code == 422 and "差戻しの理由" in page_text(response)
    assert db_session.get(Application, app_id).status == "under_review"


def test_reject_asks_for_confirmation(app, db_session, staff_client):
    _, app_id = _submitted(app, "rejectconfirm@portal.example.jp")
    url = f"/registry/applications/{app_id}/reject"
    first = staff_client.post(url, data={"comment": "営業年数の要件を満たしません。"})
    assert first.status_code == 200 and "不受理の確認" in page_text(first) and "不受理にする（確定）" in page_text(first)
    assert db_session.get(Application, app_id).status == "submitted"
    assert staff_client.post(url, data={"comment": "営業年数の要件を満たしません。", **CONFIRMED}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, app_id).status == "rejected"


def test_resubmission_keeps_checks_of_unchanged_sections_and_shows_the_changes(app, db_session, staff_client):
    client, app_id = _under_review(app, staff_client, "resubmit@portal.example.jp")
    url = f"/registry/applications/{app_id}"
    sections = ("company", "categories", "permits", "keishin", "technicians", "works", "declarations", "attachments")
    data = {f"{key}_ok": "y" for key in sections if key != "company"}
    data["company_note"] = "代表者の役職を登記のとおりにしてください。"
    assert staff_client.post(f"{url}/checks", data=data).status_code == 302
    assert staff_client.post(f"{url}/return", data={"comment": "", **CONFIRMED}).status_code == 302
    company = db_session.get(Application, app_id).data["company"]
    base = f"/portal/applications/{app_id}"
    assert client.post(f"{base}/company", data={**company, "representative_title": "代表取締役社長"}).status_code == 302
    assert client.post(f"{base}/submit", data=CONFIRMED).status_code == 302
    db_session.expire_all()
    application = db_session.get(Application, app_id)
    assert application.revision == 2
    assert {c.section for c in application.checks if c.ok} == set(sections) - {"company"}
    assert "company" not in {c.section for c in application.checks}
    html = page_text(staff_client.get(url))
    assert "前回の版から変わった項目は 1 件です" in html
    company_html = _review_section(html, "company")
    assert "前回から変更" in company_html and "代表者の役職: 代表取締役 → 代表取締役社長" in company_html
    permits_html = _review_section(html, "permits")
    assert "前回から変更なし" in permits_html and "確認済み" in permits_html


def test_portal_submission_asks_for_confirmation(app, db_session):
    client = applicant_client(app, "confirm@portal.example.jp")
    app_id = start(client)
    fill_new_application(client, app_id)
    base = f"/portal/applications/{app_id}"
    first = client.post(f"{base}/submit")
    assert first.status_code == 200 and "提出の確認" in page_text(first) and 'name="confirmed" value="1"' in page_text(first)
    assert db_session.get(Application, app_id).status == "draft"
    assert client.post(f"{base}/submit", data=CONFIRMED).status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, app_id).status == "submitted"


def test_new_application_shows_missing_items_only_after_trying(app, db_session):
    client = applicant_client(app, "neutral@portal.example.jp")
    app_id = start(client)
    base = f"/portal/applications/{app_id}"
    fresh = page_text(client.get(base))
    assert "form-error" not in fresh and "要入力" not in fresh and "error-summary" not in fresh
    assert "未入力" in fresh and "提出に進む" in fresh
    # Saving a section lists what that section still misses, plainly; the other sections stay neutral.
    year = re.search(r'<option value="(\d{4})"', page_text(client.get(f"{base}/categories"))).group(1)
    saved = client.post(f"{base}/categories", data={"period_start_year": year}, follow_redirects=True)
    page = page_text(saved)
    assert "申請する業種を 1 つ以上選んでください。" in _row(page, "categories")
    assert "form-error" not in page and "入力してください" not in _row(page, "company")
    # Trying to submit shows every missing item as an error.
    tried = client.post(f"{base}/submit", data=CONFIRMED)
    assert tried.status_code == 422
    page = page_text(tried)
    assert "error-summary" in page and 'class="form-error"' in _row(page, "company")
    assert db_session.get(Application, app_id).status == "draft"


def test_keishin_p_mismatch_is_a_field_message_on_the_portal(app, db_session):
    client = applicant_client(app, "pmismatch@portal.example.jp")
    app_id = start(client)
    response = client.post(f"/portal/applications/{app_id}/rows/keishin", data={
        "work_type_code": "010", "base_date": (today() - timedelta(days=120)).isoformat(),
        "x1": "800", "x2": "700", "y": "750", "z": "800", "w": "900", "p": "795"})
    page = page_text(response)
    assert response.status_code == 422
    assert re.search(r'<p class="form-error" id="p-error-1">P（総合評定値）795 は X1〜W から計算した値 790 と一致しません', page)
    assert db_session.get(Application, app_id).data["keishin"] == []


def test_return_refuses_notes_changed_after_the_confirmation_page(app, db_session, staff_client):
    import re

    _, app_id = _under_review(app, staff_client, "race@portal.example.jp")
    url = f"/registry/applications/{app_id}"
    first = staff_client.post(f"{url}/return", data={"comment": "修正をお願いします。",
                                                     "permits_note": "許可日を確認してください。"})
    digest = re.search(r'name="notes_digest" value="([0-9a-f]+)"', first.get_data(as_text=True)).group(1)
    # Another reviewer saves the page with a different note before this one confirms.
    staff_client.post(f"{url}/checks", data={"permits_note": "許可番号も確認してください。"})
    refused = staff_client.post(f"{url}/return", data={"comment": "修正をお願いします。", "notes_digest": digest,
                                                       **CONFIRMED}, follow_redirects=True)
    assert "項目ごとの指摘が変更されました" in page_text(refused)
    db_session.expire_all()
    assert db_session.get(Application, app_id).status == "under_review"
