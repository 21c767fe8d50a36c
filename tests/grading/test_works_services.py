"""Graded works: opened when a 完成検査 passes, graded by three graders of two departments, settled, corrected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import PermissionDenied, ValidationFailed
from grading.works import services
from grading.works.sheets import EntryInput

CHIEF = {"chief_taisei": "b", "chief_engineer": "b", "chief_management": "b", "chief_schedule": "c",
         "chief_safety": "b", "chief_outside": "c", "chief_shape": "b", "chief_quality": "b", "chief_creativity": "3"}
GENERAL = {"general_schedule": "b", "general_safety": "c", "general_conditions": "2", "general_community": "c"}
FINAL = {"inspector_management": "b", "inspector_shape": "a'", "inspector_quality": "b", "inspector_finish": "b"}


def _contract_for(db_session, actor, case):
    from tests.bidding.contracts.test_contract_services import _contract

    return _contract(db_session, actor, case)


def _entries(values: dict) -> dict:
    """Entries whose checklists agree with the letter (b: 4 of 5 ticked; c: 3 of 5); another letter with a reason."""
    from grading.default_tables import STANDARD_ITEMS
    from grading.scoring import checklist_lines

    out = {}
    for key, value in values.items():
        size = len(checklist_lines(STANDARD_ITEMS[key]["checklist"]))
        ticks = {"b": round(size * 0.8 + 0.49), "c": round(size * 0.6 + 0.49)}.get(value)
        if ticks is None and size:  # a letter beyond the checklist's b/c/d: the grader's judgement with a reason
            out[key] = EntryInput(value, tuple(range(size)), override_reason="評価対象項目を上回る出来")
        else:
            out[key] = EntryInput(value, tuple(range(ticks)) if ticks is not None and size else ())
    return out


def _grade_all(db_session, work, chief, general, inspector):
    services.assign_grader(db_session, chief, work, "chief", chief)
    services.assign_grader(db_session, chief, work, "general", general)
    for role, user, values in (("chief", chief, CHIEF), ("general", general, GENERAL),
                               ("final_inspector", inspector, FINAL)):
        services.save_sheet(db_session, user, work.assignment(role), _entries(values), submit=True)


def test_a_passed_final_inspection_opens_the_work(work, completed, inspector):
    assert work.state == "pending" and work.grading_table == "standard" and work.fiscal_year == 2026
    assert work.contract_amount == 30_250_000 and work.department.name == "土木課"
    assert work.due_on == date(2027, 1, 5)  # 14 days after the 完成検査 (12-22)
    (final,) = work.assignments
    assert final.role == "final_inspector" and final.user_id == inspector.id and final.inspection.kind == "final"


def test_three_graders_submit_and_the_general_settles(db_session, work, chief, general, inspector):
    _grade_all(db_session, work, chief, general, inspector)
    assert work.state == "submitted"
    assert [a.score for a in work.assignments] == [Decimal(85), Decimal(79), Decimal(73)]
    with pytest.raises(PermissionDenied):
        services.settle_work(db_session, chief, work)
    services.settle_work(db_session, general, work)
    assert work.state == "settled" and work.weighted == Decimal("80.2") and work.final_score == Decimal(80)


def test_settling_waits_for_every_grader(db_session, work, chief, general, inspector):
    services.assign_grader(db_session, chief, work, "general", general)
    services.save_sheet(db_session, general, work.assignment("general"), _entries(GENERAL), submit=True)
    with pytest.raises(ValidationFailed, match="主任監督員が指定されていません.*検査員（完成）（検査 三郎）が提出していません"):
        services.settle_work(db_session, general, work)
    assert work.state == "entering"


def test_graders_come_from_the_works_department(db_session, work, chief, kenchiku_staff, inspector, contract_staff):
    with pytest.raises(ValidationFailed, match="土木課"):
        services.assign_grader(db_session, contract_staff, work, "chief", kenchiku_staff)
    with pytest.raises(ValidationFailed, match="土木課"):
        services.assign_grader(db_session, contract_staff, work, "chief", inspector)
    with pytest.raises(PermissionDenied):
        services.assign_grader(db_session, kenchiku_staff, work, "chief", chief)
    assert services.assign_grader(db_session, contract_staff, work, "chief", chief).user_id == chief.id


def test_a_grader_enters_only_their_own_sheet_and_items(db_session, work, chief, general, inspector):
    services.assign_grader(db_session, chief, work, "chief", chief)
    services.assign_grader(db_session, chief, work, "general", general)
    with pytest.raises(PermissionDenied):
        services.save_sheet(db_session, general, work.assignment("chief"), _entries({"chief_taisei": "b"}))
    with pytest.raises(ValidationFailed) as info:
        services.save_sheet(db_session, general, work.assignment("general"), {"chief_taisei": EntryInput("b")})
    assert "主任監督員の評定項目です。総括監督員は評定できません" in info.value.errors["chief_taisei"][0]
    assert work.assignment("general").entries == []


def test_bad_letters_bonuses_and_missing_items(db_session, work, chief):
    services.assign_grader(db_session, chief, work, "chief", chief)
    sheet = work.assignment("chief")
    with pytest.raises(ValidationFailed) as info:
        services.save_sheet(db_session, chief, sheet, {"chief_management": EntryInput("a'"),
                                                       "chief_creativity": EntryInput("8")})
    assert "使えません" in info.value.errors["chief_management"][0]
    assert "0〜7 点" in info.value.errors["chief_creativity"][0]
    services.save_sheet(db_session, chief, sheet, _entries({"chief_taisei": "b"}))  # a partial draft is fine
    assert sheet.state == "draft" and work.state == "entering"
    with pytest.raises(ValidationFailed) as info:
        services.save_sheet(db_session, chief, sheet, {}, submit=True)
    assert "「配置技術者」が評定されていません" in info.value.errors["chief_engineer"][0]
    assert sheet.state == "draft"


def test_the_checklist_suggests_and_another_letter_needs_a_reason(db_session, work, chief):
    services.assign_grader(db_session, chief, work, "chief", chief)
    sheet = work.assignment("chief")
    ticks = EntryInput("a", checked=(0, 1, 2, 3))  # 4 of 5 → b
    with pytest.raises(ValidationFailed) as info:
        services.save_sheet(db_session, chief, sheet, {"chief_taisei": ticks})
    assert "目安は b です。a とするときは理由" in info.value.errors["chief_taisei-override_reason"][0]
    services.save_sheet(db_session, chief, sheet, {"chief_taisei": EntryInput(
        "a", checked=(0, 1, 2, 3), override_reason="下請指導が特に優れていた")})
    (entry,) = sheet.entries
    assert entry.suggested == "b" and entry.value == "a" and entry.checked == "0,1,2,3"
    services.save_sheet(db_session, chief, sheet, {"chief_safety": EntryInput(
        "e", checked=(0, 1, 2, 3, 4), improvement_order=True)})
    assert next(e for e in sheet.entries if e.item_key == "chief_safety").suggested == "e"
    with pytest.raises(ValidationFailed, match="両方"):
        services.save_sheet(db_session, chief, sheet, {"chief_shape": EntryInput("c", checked=(0,), not_applicable=(0,))})


def test_a_deduction_before_settling_and_a_correction_after(db_session, work, chief, general, inspector,
                                                           contract_staff):
    _grade_all(db_session, work, chief, general, inspector)
    services.add_deduction(db_session, general, work, kind="written_warning", points=None, reason=None,
                           decided_on=date(2026, 12, 24))
    services.settle_work(db_session, general, work)
    assert work.final_score == Decimal(72)  # 80.2 − 8
    with pytest.raises(ValidationFailed) as info:
        services.add_deduction(db_session, contract_staff, work, kind="other", points=Decimal(25), reason="x",
                               decided_on=date(2027, 2, 1))
    assert "20" in info.value.errors["points"][0]
    services.add_deduction(db_session, contract_staff, work, kind="suspension_1m", points=None,
                           reason="指名停止 1か月（通知後に決定）", decided_on=date(2027, 2, 1))
    assert work.final_score == Decimal(59) and work.revisions[0].final_before == Decimal(72)  # 80.2 − 8 − 13
    revision = services.correct_sheet(db_session, contract_staff, work.assignment("chief"),
                                      {"chief_schedule": EntryInput("b", checked=(0, 1, 2, 3))},
                                      reason="説明請求を受けて工程管理を再評価", revised_on=date(2027, 2, 10))
    assert revision.seq == 2 and work.assignment("chief").score == Decimal(81)  # 79 + 2
    assert work.weighted == Decimal("81.0") and work.final_score == Decimal(60)
    with pytest.raises(PermissionDenied):
        services.correct_sheet(db_session, general, work.assignment("chief"), {}, reason="x", revised_on=date(2027, 2, 10))


def test_the_settler_returns_a_sheet(db_session, work, chief, general, inspector):
    _grade_all(db_session, work, chief, general, inspector)
    with pytest.raises(ValidationFailed, match="理由"):
        services.return_sheet(db_session, general, work.assignment("chief"), "")
    services.return_sheet(db_session, general, work.assignment("chief"), "品質の根拠を記載してください")
    assert work.state == "entering" and work.assignment("chief").state == "draft"
    with pytest.raises(ValidationFailed):
        services.settle_work(db_session, general, work)


def test_small_or_excluded_works_are_not_graded(db_session, contract_staff, admin):
    from core.rules import get_rule
    from core.rules import services as rules

    assert services.is_graded(db_session, 5_000_000, "010", date(2026, 12, 1))
    assert not services.is_graded(db_session, 4_999_999, "010", date(2026, 12, 1))
    values = get_rule(db_session, "grading.scope", date(2027, 4, 1))
    values["excluded_work_types"] = "010, 020"
    rules.add_rule_version(db_session, admin, "grading.scope", date(2027, 4, 1), values, "維持修繕を除く（テスト）")
    assert not services.is_graded(db_session, 50_000_000, "010", date(2027, 4, 1))


def test_a_later_rule_version_changes_no_settled_score(db_session, work, chief, general, inspector, contract_staff,
                                                       admin):
    from core.rules import get_rule
    from core.rules import services as rules
    from grading.works import queries

    _grade_all(db_session, work, chief, general, inspector)
    services.settle_work(db_session, general, work)
    values = get_rule(db_session, "grading.formula", date(2026, 12, 1))
    values["base_points"] = Decimal(60)  # registered afterwards, effective before the 完成検査
    rules.add_rule_version(db_session, admin, "grading.formula", date(2026, 12, 1), values, "基本点の変更（テスト）")
    breakdown = queries.work_breakdown(db_session, work)
    assert breakdown["graders"]["chief"]["score"] == 79 and breakdown["final"] == 80 == work.final_score
    # A deduction decided later revises the final score only by its points: no grader is re-scored.
    services.add_deduction(db_session, contract_staff, work, kind="oral_warning", points=None,
                           reason="口頭注意（通知後）", decided_on=date(2027, 2, 1))
    assert work.final_score == Decimal(75) and [a.score for a in work.assignments] == [85, 79, 73]


def test_an_imported_past_grade_of_the_same_number_is_not_opened_again(db_session, awarded, contract_staff,  # noqa: F811
                                                                       inspector, firm, doboku):
    from bidding.contracts import services as contracts
    from bidding.inspections import services as inspections
    from grading.works.models import GradedWork

    contract = _contract_for(db_session, contract_staff, awarded)
    db_session.add(GradedWork(contract_number=contract.number, name="旧システムの評定", contractor_id=contract.contractor_id,
                              department_id=doboku.id, work_type_code="010", contract_amount=30_250_000,
                              completed_on=date(2020, 3, 1), fiscal_year=2019, state="notified", source="import",
                              final_score=Decimal(78)))
    db_session.flush()
    contracts.report_completion(db_session, contract_staff, contract, reported_on=date(2026, 12, 20))
    final = inspections.assign_inspection(db_session, contract_staff, contract, kind="final", inspector=inspector,
                                          scheduled_on=date(2026, 12, 22))
    inspections.record_result(db_session, inspector, final, inspected_on=date(2026, 12, 22), result="pass")
    assert contract.state == "completed"
    assert db_session.query(GradedWork).filter_by(contract_number=contract.number).one().source == "import"
