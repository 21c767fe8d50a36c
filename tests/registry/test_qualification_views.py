"""Qualification screens: the 許可/経審/格付/技術者 tabs, the rank review and the JV page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.auth.roles import Role
from core.history import history_of
from core.timefmt import today
from registry.contractors.models import Contractor
from registry.qualifications.models import KeishinScore, Permit, Technician
from tests.helpers import page_text


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


@pytest.fixture
def viewer_client(create_user, login_as):
    return login_as(create_user(Role.VIEWER))


TABS = ("permits", "keishin", "ranks", "technicians")


@pytest.mark.parametrize("tab", TABS)
def test_tabs_render_for_viewer_without_forms(viewer_client, create_contractor, tab):
    firm = create_contractor()
    response = viewer_client.get(f"/registry/contractors/{firm.id}/{tab}")
    assert response.status_code == 200
    text = page_text(response)
    assert firm.name in text and "登録する" not in text


@pytest.mark.parametrize("tab", TABS)
def test_applicant_cannot_view_tabs(create_user, login_as, create_contractor, tab):
    client = login_as(create_user(Role.APPLICANT))
    assert client.get(f"/registry/contractors/{create_contractor().id}/{tab}").status_code == 403


@pytest.mark.parametrize("path", ["permits/save", "keishin/add", "technicians/add", "registrations/add"])
def test_viewer_cannot_post(viewer_client, create_contractor, path):
    firm = create_contractor()
    assert viewer_client.post(f"/registry/contractors/{firm.id}/{path}", data={}).status_code == 403


def test_unknown_contractor_is_404(staff_client):
    assert staff_client.get("/registry/contractors/999999/permits").status_code == 404


def test_permit_add_and_error(staff_client, db_session, create_contractor):
    firm = create_contractor()
    url = f"/registry/contractors/{firm.id}/permits"
    bad = staff_client.post(url + "/save", data={"work_type_code": "010", "text": "山口県知事許可第1号"})
    assert bad.status_code == 422 and "山口県知事許可第1号」を読み取れません" in page_text(bad)
    ok = staff_client.post(url + "/save", data={"work_type_code": "010", "text": "山口県知事許可（般－５）第１２３４５号",
                                                "granted_on": "2023-05-10"})
    assert ok.status_code == 302
    permit = db_session.query(Permit).filter_by(contractor_id=firm.id).one()
    assert permit.permit_number == 12345
    text = page_text(staff_client.get(url))
    assert "山口県知事許可（般-5）第12345号" in text and "有効" in text


def test_keishin_mismatch_and_warning_shown(staff_client, create_contractor):
    firm = create_contractor()
    url = f"/registry/contractors/{firm.id}/keishin"
    base = (today() - timedelta(days=540)).isoformat()  # about 1 month before expiry
    response = staff_client.post(url + "/add", data={"work_type_code": "010", "base_date": base, "x1": "1270",
                                                    "x2": "1323", "y": "1120", "z": "976", "w": "1235",
                                                    "p_entered": "1170"})
    assert response.status_code == 302
    text = page_text(staff_client.get(url))
    assert "不一致" in text and "まもなく満了" in text and "1,169" in text


def test_keishin_range_errors_shown(staff_client, create_contractor):
    firm = create_contractor()
    response = staff_client.post(f"/registry/contractors/{firm.id}/keishin/add", data={
        "work_type_code": "010", "base_date": today().isoformat(), "x1": "1", "x2": "500", "y": "0", "z": "500",
        "w": "0"})
    assert response.status_code == 422
    assert "X1（完成工事高）は 397〜2,309 の範囲" in page_text(response)


def test_ranks_tab_registration_work_type_and_subjective(staff_client, db_session, create_contractor):
    firm = create_contractor(work_types={"010": "B"})
    base = f"/registry/contractors/{firm.id}"
    assert staff_client.post(base + "/registrations/add", data={"category": "construction",
                                                               "start_year": "2027"}).status_code == 302
    db_session.expire_all()
    firm = db_session.get(Contractor, firm.id)
    new = [r for r in firm.registrations if r.period_start.year == 2027][0]
    response = staff_client.post(f"{base}/registrations/{new.id}/work-types",
                                 data={f"r{new.id}-work_type_code": "020", f"r{new.id}-rank": ""})
    assert response.status_code == 302
    row = firm.registrations[0].work_types[0]
    assert staff_client.post(f"{base}/work-types/{row.id}/subjective", data={"subjective_points": "85"}).status_code == 302
    text = page_text(staff_client.get(base + "/ranks"))
    assert "令和9・10年度" in text and "建築一式工事" in text and 'value="85"' in text
    bad = staff_client.post(f"{base}/work-types/{row.id}/subjective", data={"subjective_points": "abc"})
    assert bad.status_code == 422


def test_remove_work_type(staff_client, db_session, create_contractor):
    firm = create_contractor(work_types={"010": "B", "020": "C"})
    row = firm.registrations[0].work_types[1]
    url = f"/registry/contractors/{firm.id}/work-types/{row.id}/remove"
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, data={"reason": ""}).status_code == 422
    assert staff_client.post(url, data={"reason": "廃業届"}).status_code == 302
    assert history_of(db_session, "registered_work_types", row.id)[-1].operation == "registry.work_type.remove"


def test_technicians_add_edit_deactivate(staff_client, db_session, create_contractor):
    firm = create_contractor()
    base = f"/registry/contractors/{firm.id}/technicians"
    assert staff_client.post(base + "/add", data={"name": ""}).status_code == 422
    assert staff_client.post(base + "/add", data={"name": "山田 太郎", "qualifications": "1級土木施工管理技士",
                                                  "employed_since": "2010-04-01"}).status_code == 302
    tech = db_session.query(Technician).filter_by(contractor_id=firm.id).one()
    assert staff_client.get(f"{base}/{tech.id}/edit").status_code == 200
    assert staff_client.post(f"{base}/{tech.id}/edit", data={"name": "山田 次郎", "qualifications": "a\nb"}).status_code == 302
    assert staff_client.post(f"{base}/{tech.id}/active", data={"active": "0"}).status_code == 302
    db_session.refresh(tech)
    assert tech.name == "山田 次郎" and tech.qualifications == "a・b" and not tech.is_active
    assert "無効" in page_text(staff_client.get(base))


def test_rank_review_and_confirm(staff_client, db_session, create_contractor):
    firm = create_contractor(work_types={"010": "D"})
    row = firm.registrations[0].work_types[0]
    row.objective_points, row.subjective_points = 1200, 0
    db_session.flush()
    page = staff_client.get("/registry/ranks/review?category=construction&start_year=2025")
    assert page.status_code == 200
    text = page_text(page)
    assert firm.name in text and "2 段階まで" in text
    stale = staff_client.post("/registry/ranks/review", data={"category": "construction", "start_year": "2025",
                                                             "confirm": f"{row.id}:A"})
    assert stale.status_code == 409
    assert staff_client.post("/registry/ranks/review", data={"category": "construction", "start_year": "2025"}
                             ).status_code == 422
    done = staff_client.post("/registry/ranks/review", data={"category": "construction", "start_year": "2025",
                                                            "confirm": f"{row.id}:B"})
    assert done.status_code == 302
    db_session.refresh(row)
    assert row.rank == "B" and row.rank_confirmed_at is not None
    assert history_of(db_session, "registered_work_types", row.id)[-1].change_map["rank"] == ["D", "B"]


def test_rank_review_is_for_editors_only(viewer_client):
    assert viewer_client.get("/registry/ranks/review").status_code == 403
    assert viewer_client.post("/registry/ranks/review", data={}).status_code == 403


def test_rank_review_in_menu(staff_client, viewer_client):
    assert "格付の見直し" in page_text(staff_client.get("/registry/ranks/review"))
    assert "格付の見直し" not in page_text(viewer_client.get("/"))


def test_jv_create(staff_client, db_session, create_contractor):
    a, b = create_contractor(), create_contractor()
    assert staff_client.get("/registry/jvs/new").status_code == 200
    bad = staff_client.post("/registry/jvs/new", data={"name": "甲乙JV", "member_0": a.number, "share_0": "60",
                                                       "member_1": b.number, "share_1": "30", "representative": "0"})
    assert bad.status_code == 422 and "合計が 100% になりません" in page_text(bad)
    unknown = staff_client.post("/registry/jvs/new", data={"name": "甲乙JV", "member_0": "nope", "share_0": "60"})
    assert unknown.status_code == 422 and "「nope」の業者は登録されていません" in page_text(unknown)
    ok = staff_client.post("/registry/jvs/new", data={"name": "甲乙JV", "member_0": a.number, "share_0": "60",
                                                      "member_1": b.number, "share_1": "40", "representative": "0"})
    assert ok.status_code == 302
    jv = db_session.query(Contractor).filter_by(name="甲乙JV").one()
    assert jv.is_jv and len(jv.jv_members) == 2
    detail = page_text(staff_client.get(f"/registry/contractors/{jv.id}"))
    members = detail.split("構成員</h2>")[1]
    assert a.name in members and b.name in members and "60 %" in members and "代表者" in members
    assert "甲乙JV" in page_text(staff_client.get(f"/registry/contractors/{a.id}")).split("構成員になっている共同企業体")[1]


def test_keishin_correction_screen(staff_client, viewer_client, db_session, create_contractor):
    firm = create_contractor()
    url = f"/registry/contractors/{firm.id}/keishin"
    base = (today() - timedelta(days=60)).isoformat()
    staff_client.post(url + "/add", data={"work_type_code": "010", "base_date": base, "x1": "1270", "x2": "1232",
                                          "y": "1120", "z": "976", "w": "1235", "p_entered": "1169"})
    score = db_session.query(KeishinScore).filter_by(contractor_id=firm.id).one()
    correct = f"{url}/{score.id}/correct"
    assert "訂正" in page_text(staff_client.get(url)) and staff_client.get(correct).status_code == 200
    form = {"base_date": base, "x1": "1270", "x2": "1323", "y": "1120", "z": "976", "w": "1235", "p_entered": "1169"}
    missing = staff_client.post(correct, data=form)
    assert missing.status_code == 422 and "訂正の理由を入力してください" in page_text(missing)
    assert staff_client.post(correct, data={**form, "reason": "X2 の入力誤り"}).status_code == 302
    db_session.refresh(score)
    assert score.x2 == 1323 and score.p_computed == 1169
    assert viewer_client.post(correct, data={**form, "reason": "x"}).status_code == 403
    other = create_contractor()
    assert staff_client.get(f"/registry/contractors/{other.id}/keishin/{score.id}/correct").status_code == 404


def test_registration_period_can_be_moved(staff_client, viewer_client, db_session, create_contractor):
    firm = create_contractor(work_types={"010": "B"})
    registration = firm.registrations[0]
    page = page_text(staff_client.get(f"/registry/contractors/{firm.id}/ranks"))
    assert "有効期間を変更" in page
    url = f"/registry/contractors/{firm.id}/registrations/{registration.id}/period"
    assert viewer_client.post(url, data={f"p{registration.id}-start_year": "2027"}).status_code == 403
    assert staff_client.post(url, data={f"p{registration.id}-start_year": "2027"}).status_code == 302
    db_session.refresh(registration)
    assert registration.period_start.year == 2027


def test_review_shows_one_work_type_by_default(staff_client, db_session, create_contractor):
    a = create_contractor(work_types={"010": "D", "020": "D"})
    for row in a.registrations[0].work_types:
        row.objective_points = 1200
    db_session.flush()
    html = page_text(staff_client.get("/registry/ranks/review?category=construction&start_year=2025"))
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert a.name in rows and ">010</span>" in rows and ">020</span>" not in rows
    every = page_text(staff_client.get("/registry/ranks/review?category=construction&start_year=2025&work_type="))
    assert every.count(a.name) >= 2
