"""The grading screens over HTTP: the grader's page and entry screen (errors beside their items, save, submit),
the work's page (assign, deductions, settle, return), the progress board (filters, counts, CSV/Excel), and who may
see what (another department: 404; an unassigned grader: 404; another grader's sheet: 403)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest

from core.auth.roles import Role
from grading.works import services
from grading.works.models import GradedWork
from tests.grading.test_works_services import CHIEF, _entries, _grade_all
from tests.helpers import page_text


def _url(work, *parts) -> str:
    return "/".join([f"/grading/works/{work.id}", *map(str, parts)])


def _form(values: dict) -> dict:
    """The posted fields of entries shaped like ``_entries``: letter, ticks, reason."""
    data = {}
    for key, entry in _entries(values).items():
        data[f"{key}-value"] = entry.value
        data[f"{key}-checked"] = [str(i) for i in entry.checked]
        if entry.override_reason:
            data[f"{key}-override_reason"] = entry.override_reason
    return data


@pytest.fixture
def assigned(db_session, work, chief, general):
    services.assign_grader(db_session, chief, work, "chief", chief)
    services.assign_grader(db_session, chief, work, "general", general)
    return work


def test_the_grader_finds_the_sheet_and_saves_a_draft(login_as, db_session, assigned, chief):
    client = login_as(chief)
    html = page_text(client.get("/grading/"))
    assert assigned.name in html and "主任監督員" in html and "入力する" in html
    url = _url(assigned, "sheets/chief/1")
    html = page_text(client.get(url))
    assert "施工体制一般" in html and "できている" in html and "該当なし" in html and "文書による改善指示あり" in html
    response = client.post(url, data={"chief_taisei-value": "b", "chief_taisei-checked": ["0", "1", "2", "3"],
                                      "chief_creativity-value": "3", "action": "save"})
    assert response.status_code == 302
    sheet = assigned.assignment("chief")
    db_session.refresh(sheet)
    assert sheet.state == "draft" and {e.item_key: e.value for e in sheet.entries}["chief_taisei"] == "b"
    html = page_text(client.get(url))
    assert "評価対象項目からの目安: <strong class=\"grade-letter\">b</strong>" in html
    assert "+3.5 点" in html  # 施工体制一般 b (+0.5) and 創意工夫 3
    assert "69 点" in html  # 65 + 3.5, rounded half-up by the rule


def test_errors_appear_beside_their_items_and_nothing_is_saved(login_as, db_session, assigned, chief):
    client = login_as(chief)
    url = _url(assigned, "sheets/chief/1")
    response = client.post(url, data={"chief_taisei-value": "a", "chief_taisei-checked": ["0", "1", "2", "3"],
                                      "chief_creativity-value": "9", "chief_management-value": "a'",
                                      "action": "save"})
    assert response.status_code == 422
    html = page_text(response)
    reason = html.index('id="chief_taisei-override_reason-error-1"')
    assert html.index('id="item-chief_taisei"') < reason < html.index('id="item-chief_engineer"')
    assert "目安は b です。a とするときは理由" in html[reason:reason + 300]
    bonus = html.index('id="chief_creativity-value-error-1"')
    assert html.index('id="item-chief_creativity"') < bonus and "0〜7 点" in html[bonus:bonus + 200]
    assert 'href="#chief_taisei-override_reason"' in html and 'href="#chief_management-value"' in html
    assert 'value="a" checked' in html  # the posted letter is kept on the page
    assert assigned.assignment("chief").entries == [] and assigned.assignment("chief").state == "assigned"


def test_submitting_requires_every_item_then_locks_the_sheet(login_as, db_session, assigned, chief):
    client = login_as(chief)
    url = _url(assigned, "sheets/chief/1")
    response = client.post(url, data={**_form({"chief_taisei": "b"}), "action": "submit"})
    assert response.status_code == 422 and "「配置技術者」が評定されていません" in page_text(response)
    response = client.post(url, data={**_form(CHIEF), "action": "submit"})
    assert response.status_code == 302 and response.location.endswith("/grading/")
    sheet = assigned.assignment("chief")
    db_session.refresh(sheet)
    assert sheet.state == "submitted" and sheet.score == 79
    html = page_text(client.get(url))
    assert "読み取り専用" in html and "提出する" not in html
    assert client.post(url, data={**_form(CHIEF), "action": "save"}).status_code == 403


def test_only_the_assigned_grader_enters_and_others_are_refused(login_as, db_session, assigned, general, inspector,
                                                               kenchiku_staff, doboku_staff, contract_staff,
                                                               create_user):
    url = _url(assigned, "sheets/chief/1")
    assert login_as(general).get(url).status_code == 403  # another grader of the work: not their sheet
    assert login_as(doboku_staff).get(url).status_code == 403  # the works department sees the work, not the sheet
    assert login_as(kenchiku_staff).get(url).status_code == 404  # another department: not revealed
    stranger = create_user(Role.INSPECTOR, name="別の 検査員")
    assert login_as(stranger).get(url).status_code == 404  # an inspector not assigned to the work
    assert login_as(stranger).get(_url(assigned)).status_code == 404
    assert login_as(inspector).get(_url(assigned)).status_code == 200
    assert login_as(contract_staff).get(url).status_code == 403  # a draft is the grader's own until submitted
    assert login_as(general).post(url, data={"chief_taisei-value": "b", "action": "save"}).status_code == 403
    assert login_as(inspector).get(_url(assigned, "sheets/general/1")).status_code == 403
    assert login_as(inspector).get(_url(assigned, "sheets/nobody/1")).status_code == 404
    assert login_as(inspector).get(_url(assigned, "sheets/chief/2")).status_code == 404


def test_the_works_department_assigns_supervisors(login_as, db_session, work, chief, general, doboku_staff,
                                                 kenchiku_staff):
    client = login_as(doboku_staff)
    html = page_text(client.get("/grading/"))
    assert "主任監督員・総括監督員の指定を待つ工事（1 件）" in html and work.name in html
    assert _queue(page_text(client.get("/")))["主任・総括監督員の指定を待つ工事"] == 1
    html = page_text(client.get(_url(work)))
    assert "主任監督員を指定" in html and "未指定" in html
    response = client.post(_url(work, "assign/chief"), data={"chief-user_id": str(kenchiku_staff.id)})
    assert response.status_code == 422 and "土木課" in page_text(response)
    assert work.assignment("chief") is None
    assert client.post(_url(work, "assign/chief"), data={"chief-user_id": str(chief.id)}).status_code == 302
    assert client.post(_url(work, "assign/general"), data={"general-user_id": str(general.id)}).status_code == 302
    db_session.refresh(work)
    assert work.assignment("chief").user_id == chief.id and work.assignment("general").user_id == general.id
    assert login_as(kenchiku_staff).post(_url(work, "assign/chief"),
                                        data={"chief-user_id": str(chief.id)}).status_code == 404
    assert login_as(chief).post(_url(work, "assign/final_inspector"),
                                data={"final_inspector-user_id": str(chief.id)}).status_code == 404


def test_deductions_are_recorded_and_removed_before_settling(login_as, db_session, assigned, general, chief):
    client = login_as(general)
    html = page_text(client.get(_url(assigned)))
    assert "文書注意（−8 点）" in html and "その他（上限 20 点）" in html
    response = client.post(_url(assigned, "deductions"), data={"kind": "other", "points": "25",
                                                               "decided_on": "2026-12-24"})
    assert response.status_code == 422 and "20" in page_text(response) and not assigned.deductions
    response = client.post(_url(assigned, "deductions"), data={"kind": "written_warning", "decided_on": "2026-12-24",
                                                               "reason": "安全書類の不備"})
    assert response.status_code == 302
    db_session.refresh(assigned)
    (deduction,) = assigned.deductions
    assert deduction.points == 8
    assert login_as(chief).post(_url(assigned, f"deductions/{deduction.id}/remove")).status_code == 403
    assert client.post(_url(assigned, f"deductions/{deduction.id}/remove")).status_code == 302
    db_session.refresh(assigned)
    assert assigned.deductions == []


def test_the_general_settles_after_all_submitted(login_as, db_session, work, chief, general, inspector,
                                                 contract_staff):
    services.assign_grader(db_session, chief, work, "chief", chief)
    services.assign_grader(db_session, chief, work, "general", general)
    client = login_as(general)
    html = page_text(client.get(_url(work)))
    assert "まだ確定できません" in html and "主任 四郎" in html and "評定を確定する" not in html
    assert client.post(_url(work, "settle")).status_code == 422
    _grade_all(db_session, work, chief, general, inspector)
    html = page_text(login_as(general).get("/grading/"))
    assert "確定を待つ工事" in html
    html = page_text(client.get(_url(work)))
    assert "評定を確定する" in html and "<td class=\"num\">85</td>" in html  # the settler sees each grader's score
    assert login_as(chief).post(_url(work, "settle")).status_code == 403
    assert client.post(_url(work, "settle")).status_code == 302
    db_session.refresh(work)
    assert work.state == "settled" and work.final_score == 80
    html = page_text(client.get(_url(work)))
    assert "総合評定点" in html and "80.2" in html and "評定の結果" in html
    chief_view = page_text(login_as(chief).get(_url(work)))
    # the chief sees their own score only
    assert "<td class=\"num\">79</td>" in chief_view and "<td class=\"num\">85</td>" not in chief_view


def test_the_settler_returns_a_sheet(login_as, db_session, work, chief, general, inspector):
    _grade_all(db_session, work, chief, general, inspector)
    client = login_as(general)
    sheet = work.assignment("final_inspector")
    response = client.post(_url(work, "return"), data={"assignment_id": str(sheet.id), "reason": ""})
    assert response.status_code == 422 and "理由" in page_text(response)
    response = client.post(_url(work, "return"), data={"assignment_id": str(sheet.id), "reason": "出来ばえの根拠を追記"})
    assert response.status_code == 302
    db_session.refresh(sheet)
    db_session.refresh(work)
    assert sheet.state == "draft" and work.state == "entering"
    assert login_as(inspector).get(_url(work, "sheets/final_inspector/1")).status_code == 200


def test_a_correction_changes_one_sheet_with_a_reason(login_as, db_session, work, chief, general, inspector,
                                                      contract_staff):
    _grade_all(db_session, work, chief, general, inspector)
    services.settle_work(db_session, general, work)
    url = _url(work, "sheets/chief/1/correct")
    assert login_as(general).get(url).status_code == 403
    client = login_as(contract_staff)
    assert "修正の理由" in page_text(client.get(url))
    data = {**_form(CHIEF), "chief_schedule-value": "b", "chief_schedule-checked": ["0", "1", "2", "3"]}
    response = client.post(url, data={**data, "reason": "", "revised_on": "2027-02-10"})
    assert response.status_code == 422 and "修正の理由を" in page_text(response)
    response = client.post(url, data={**data, "reason": "説明請求を受けて工程管理を再評価", "revised_on": "2027-02-10"})
    assert response.status_code == 302
    db_session.refresh(work)
    assert work.final_score == 81 and work.revisions[0].final_before == 80
    assert "説明請求を受けて工程管理を再評価" in page_text(client.get(_url(work)))


def test_the_history_tab_is_for_those_who_see_every_score(login_as, db_session, work, chief, general, inspector,
                                                         contract_staff):
    _grade_all(db_session, work, chief, general, inspector)
    assert "評定を提出" in page_text(login_as(contract_staff).get(_url(work, "history")))
    assert login_as(general).get(_url(work, "history")).status_code == 200
    assert login_as(chief).get(_url(work, "history")).status_code == 403
    assert f'{_url(work, "history")}"' not in page_text(login_as(chief).get(_url(work)))  # no tab leading to a 403


# --- the progress board ----------------------------------------------------------------------------------

@pytest.fixture
def clock(monkeypatch):
    """Today is 2026-12-28 in Japan: the 土木課 work (due 2027-01-05) is on time, the 建築課 one late."""
    import core.db

    monkeypatch.setattr(core.db, "utcnow", lambda: datetime(2026, 12, 28, 3, 0))


@pytest.fixture
def second(db_session, contract_staff, kenchiku, create_contractor, inspector, clock):
    """A 建築課 work (completed 2026-11-02, due 2026-11-16) graded by the same inspector, its chief not named."""
    firm = create_contractor("建築工業")
    work = GradedWork(contract_number="2026-K0099", name="市民会館改修工事", contractor_id=firm.id, department=kenchiku,
                      work_type_code="020", contract_amount=40_000_000, completed_on=date(2026, 11, 2),
                      fiscal_year=2026, grading_table="standard", state="pending", due_on=date(2026, 11, 16))
    db_session.add(work)
    db_session.flush()
    from grading.works.models import GraderAssignment

    work.assignments.append(GraderAssignment(role="final_inspector", seq=1, user_id=inspector.id, state="assigned"))
    db_session.flush()
    return work


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_board_shows_states_graders_and_late_items(login_as, db_session, assigned, second, contract_staff,
                                                       chief):
    services.save_sheet(db_session, chief, assigned.assignment("chief"), _entries({"chief_taisei": "b"}))
    client = login_as(contract_staff)
    html = page_text(client.get("/grading/board"))
    assert assigned.name in html and second.name in html and "主任 四郎" in html
    assert html.count("期限切れ") >= 3  # the count tile, the late work and its inspector who has not submitted
    assert "56 日経過" in html  # 2026-11-02 → 2026-12-28
    html = page_text(client.get(f"/grading/board?department_id={second.department_id}"))
    assert second.name in html and assigned.name not in html
    html = page_text(client.get("/grading/board?late=y"))
    assert second.name in html and assigned.name not in html
    html = page_text(client.get("/grading/board?state=entering"))
    assert assigned.name in html and second.name not in html
    html = page_text(client.get("/grading/board?q=建築工業"))
    assert second.name in html and assigned.name not in html
    for bad in ("9" * 20, "abc"):
        response = client.get(f"/grading/board?fiscal_year={bad}&department_id={bad}")
        assert response.status_code == 200 and "正しくありません" in page_text(response)


def _tiles(html: str) -> dict[str, int]:
    return {label: int(count) for label, count in re.findall(
        r'state-counts__label">(.+?)</span><span class="state-counts__count">(\d+)<', html)}


def test_board_counts_and_sort(login_as, db_session, assigned, second, contract_staff, chief):
    client = login_as(contract_staff)
    html = page_text(client.get("/grading/board"))
    assert _tiles(html) == {"未着手": 2, "入力中": 0, "提出済": 0, "確定": 0, "通知済": 0, "期限切れ": 1}
    services.save_sheet(db_session, chief, assigned.assignment("chief"), _entries({"chief_taisei": "b"}))
    tiles = _tiles(page_text(client.get("/grading/board?state=pending&fiscal_year=2026")))
    assert tiles["未着手"] == 1 and tiles["入力中"] == 1  # the counts ignore the state filter, keep the others
    assert _tiles(page_text(client.get("/grading/board?fiscal_year=2025")))["未着手"] == 0
    html = page_text(client.get("/grading/board?sort=completed"))
    assert html.index(second.name) < html.index(assigned.name)
    html = page_text(client.get("/grading/board?sort=-completed"))
    assert html.index(assigned.name) < html.index(second.name)


def test_the_board_exports_the_filtered_works(login_as, db_session, assigned, second, contract_staff):
    client = login_as(contract_staff)
    rows = _rows(client.get("/grading/board?format=csv&late=y"))
    assert rows[0][:3] == ["契約番号", "年度", "工事名"] and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["工事名"] == "市民会館改修工事" and row["期限切れ"] == "期限切れ" and row["完成からの日数"] == "56"
    assert row["検査員（完成）"] == "検査 三郎（未着手・期限切れ）" and row["評定点"] == ""
    response = client.get("/grading/board?format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")


def test_each_sees_the_board_in_their_reach(login_as, db_session, assigned, second, doboku_staff, kenchiku_staff,
                                           inspector, create_user):
    html = page_text(login_as(doboku_staff).get("/grading/board"))
    assert assigned.name in html and second.name not in html and 'id="department_id"' not in html
    html = page_text(login_as(doboku_staff).get(f"/grading/board?department_id={second.department_id}"))
    assert assigned.name in html and second.name not in html  # the filter cannot widen the scope
    html = page_text(login_as(kenchiku_staff).get("/grading/board"))
    assert second.name in html and assigned.name not in html
    html = page_text(login_as(inspector).get("/grading/board"))
    assert second.name in html and assigned.name in html  # both assigned to them
    stranger = create_user(Role.INSPECTOR)
    rows = _rows(login_as(stranger).get("/grading/board?format=csv"))
    assert len(rows) == 1


def test_home_queues_count_the_graders_work(login_as, db_session, assigned, second, chief, general, inspector,
                                           doboku_staff):
    html = page_text(login_as(inspector).get("/"))
    assert "評定の入力待ち" in html
    assert _queue(html)["入力・提出していない評定"] == 2 and _queue(html)["うち入力期限を過ぎたもの"] == 1
    assert _queue(page_text(login_as(doboku_staff).get("/")))["主任・総括監督員の指定を待つ工事"] == 0
    assert "評定の確定待ち" not in page_text(login_as(general).get("/"))
    _grade_all(db_session, assigned, chief, general, inspector)
    assert _queue(page_text(login_as(general).get("/")))["全員が提出し、確定を待つ工事"] == 1
    assert _queue(page_text(login_as(inspector).get("/")))["入力・提出していない評定"] == 1  # the 建築課 work


def _queue(html: str) -> dict[str, int]:
    return {label: int(count) for label, count in re.findall(
        r'queue__label">(.+?)</span>\s*<span class="queue__count[^"]*">(\d+)<', html)}


def test_a_past_grade_imported_shows_its_score_without_sheets(login_as, db_session, contract_staff, doboku,
                                                              create_contractor):
    from decimal import Decimal

    past = GradedWork(contract_number="H28-0123", name="旧システムの工事", contractor_id=create_contractor("旧建設").id,
                      department=doboku, work_type_code="010", contract_amount=20_000_000,
                      completed_on=date(2017, 2, 10), fiscal_year=2016, state="notified", source="import",
                      final_score=Decimal("76.0"), notified_on=date(2017, 3, 1))
    db_session.add(past)
    db_session.flush()
    html = page_text(login_as(contract_staff).get(f"/grading/works/{past.id}"))
    assert "76 点" in html and "過去の評定の取込" in html and "評定の結果" not in html and "減点を記録する" not in html


def test_the_contract_section_settles_when_the_rule_says_so(login_as, db_session, work, chief, general, inspector,
                                                           contract_staff, admin):
    from core.rules import get_rule
    from core.rules import services as rules

    values = get_rule(db_session, "grading.scope", date(2026, 12, 1))
    values["settled_by"] = "contract"
    rules.add_rule_version(db_session, admin, "grading.scope", date(2026, 12, 1), values, "契約課が確定する（テスト）")
    _grade_all(db_session, work, chief, general, inspector)
    assert "評定の確定待ち" not in page_text(login_as(general).get("/"))
    assert login_as(general).post(_url(work, "settle")).status_code == 403
    client = login_as(contract_staff)
    assert _queue(page_text(client.get("/")))["全員が提出し、確定を待つ工事"] == 1
    assert "確定を待つ工事（1 件）" in page_text(client.get("/grading/"))
    assert client.post(_url(work, "settle")).status_code == 302
    db_session.refresh(work)
    assert work.state == "settled" and "評定の確定待ち" not in page_text(client.get("/"))
