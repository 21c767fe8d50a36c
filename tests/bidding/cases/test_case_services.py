"""Tender case services: drafting with its number, checks with Japanese messages, edits, 決裁, the state
machine and its refusals, cancel and re-tender, each with history."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bidding.cases import services
from bidding.cases.models import TenderCase
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.history import RecordHistory, history_of
from tests.bidding.conftest import case_values


def _history(db_session, case) -> list[RecordHistory]:
    return history_of(db_session, "tender_cases", case.id)


def test_a_draft_gets_a_number_of_its_fiscal_year_and_department(make_case, doboku):
    first, second = make_case(), make_case()
    assert first.number == "2026-110-0001" and second.number == "2026-110-0002"
    assert first.fiscal_year == 2026 and first.state == "draft" and first.approval == "drafting"
    assert first.allowed_ranks == "A,B" and first.allowed_areas == "city"


def test_the_fiscal_year_restarts_the_sequence_and_march_belongs_to_the_year_before(make_case):
    march = make_case(drafted_on=date(2027, 3, 31), notice_on=None, questions_until=None, bids_from=None,
                      bids_until=None, opening_at=None)
    april = make_case(drafted_on=date(2027, 4, 1), notice_on=None, questions_until=None, bids_from=None,
                      bids_until=None, opening_at=None)
    assert march.number == "2026-110-0001" and april.number == "2027-110-0001"


def test_creating_records_history_and_the_operation_log(db_session, make_case):
    case = make_case()
    rows = _history(db_session, case)
    assert [r.operation for r in rows] == ["case.create"]
    assert "入札案件を起案" in rows[0].summary


@pytest.mark.parametrize("overrides, field, words", [
    ({"name": " "}, "name", "件名を入力"),
    ({"work_type_code": "999"}, "work_type_code", "建設工事の業種ではありません"),
    ({"category": "goods"}, "work_type_code", "物品の業種ではありません"),
    ({"opening_at": datetime(2026, 5, 10, 10, 0)}, "opening_at", "開札日"),
    ({"notice_on": date(2026, 4, 20)}, "notice_on", "起案日"),
    ({"floor_price": 31_000_000}, "floor_price", "予定価格（30,000,000 円）を超えています"),
    ({"planned_price": -1}, "planned_price", "0 以上"),
    ({"allowed_ranks": ["A", "Z"]}, "allowed_ranks", "Z"),
    ({"work_from": date(2026, 7, 1), "work_to": date(2026, 6, 1)}, "work_to", "工期の終了"),
    ({"method": "auction"}, "method", "入札方式"),
])
def test_bad_fields_are_refused_with_a_message_naming_the_field(db_session, make_case, overrides, field, words):
    with pytest.raises(ValidationFailed) as info:
        make_case(**overrides)
    assert field in info.value.errors and words in " ".join(info.value.errors[field])
    assert db_session.scalar(select(TenderCase.id)) is None


def test_department_staff_draft_only_for_their_own_department(db_session, doboku_staff, kenchiku, make_case):
    own = make_case(actor=doboku_staff)
    assert own.department_id == doboku_staff.department_id
    with pytest.raises(PermissionDenied):
        make_case(department=kenchiku, actor=doboku_staff)


def test_a_viewer_cannot_draft(create_user, make_case):
    from core.auth.roles import Role

    with pytest.raises(PermissionDenied):
        make_case(actor=create_user(Role.VIEWER))


def test_edit_keeps_history_and_is_refused_after_approval(db_session, make_case, contract_staff, doboku_staff):
    case = make_case(actor=doboku_staff)
    services.update_case(db_session, doboku_staff, case, {"name": "市道中央線道路改良工事（その2）"})
    assert _history(db_session, case)[-1].change_map["name"] == ["市道中央線道路改良工事", "市道中央線道路改良工事（その2）"]
    services.approve_case(db_session, contract_staff, case)
    with pytest.raises(PermissionDenied):
        services.update_case(db_session, doboku_staff, case, {"name": "変更"})
    with pytest.raises(PermissionDenied):
        services.update_case(db_session, contract_staff, case, {"name": "変更"})


def test_another_departments_staff_cannot_edit(db_session, make_case, kenchiku_staff):
    with pytest.raises(PermissionDenied):
        services.update_case(db_session, kenchiku_staff, make_case(), {"name": "他課の変更"})


def test_approval_lists_everything_the_case_lacks(db_session, make_case, contract_staff):
    case = make_case(design_amount=None, planned_price=None, floor_price=None, opening_at=None, notice_on=None,
                     work_days=None)
    with pytest.raises(ValidationFailed) as info:
        services.approve_case(db_session, contract_staff, case)
    assert set(info.value.errors) >= {"planned_price", "floor_price", "opening_at", "notice_on", "work_days"}
    assert case.approval == "drafting"


def test_approval_is_for_the_contract_section(db_session, make_case, doboku_staff):
    with pytest.raises(PermissionDenied):
        services.approve_case(db_session, doboku_staff, make_case(actor=doboku_staff))


def test_an_extra_check_blocks_approval_with_its_message(db_session, make_case, contract_staff):
    case = make_case()
    with pytest.raises(ValidationFailed) as info:
        services.approve_case(db_session, contract_staff, case,
                              extra_checks=[lambda c: {"budget": ["予算の配当がありません。"]}])
    assert info.value.errors["budget"] == ["予算の配当がありません。"]


def test_the_nominated_path_and_its_refusals(db_session, make_case, contract_staff):
    case = make_case()
    with pytest.raises(InvalidTransition, match="決裁前"):
        case.transition("nominate")
    services.approve_case(db_session, contract_staff, case, now=datetime(2026, 5, 10, 1, 0))
    assert case.is_approved and case.approved_by == contract_staff
    with pytest.raises(InvalidTransition, match="指名通知で進めます"):
        services.publish_case(db_session, contract_staff, case)
    with pytest.raises(InvalidTransition, match="入札を締め切れません"):
        services.close_bidding(db_session, contract_staff, case)
    case.transition("nominate")
    services.close_bidding(db_session, contract_staff, case)
    assert case.state == "closed"
    assert [r.operation for r in _history(db_session, case)] == ["case.create", "case.approve", "case.close"]


def test_an_open_tender_is_published_after_approval(db_session, make_case, contract_staff):
    case = make_case(method="open_post_review")
    with pytest.raises(InvalidTransition, match="決裁前"):
        services.publish_case(db_session, contract_staff, case)
    services.approve_case(db_session, contract_staff, case)
    services.publish_case(db_session, contract_staff, case)
    assert case.state == "published" and case.notice_label == "公告日"


def test_withdrawing_approval_reopens_the_draft_with_a_reason(db_session, make_case, contract_staff):
    case = make_case()
    services.approve_case(db_session, contract_staff, case)
    with pytest.raises(ValidationFailed):
        services.withdraw_approval(db_session, contract_staff, case, " ")
    services.withdraw_approval(db_session, contract_staff, case, "予定価格の誤りを訂正するため")
    assert case.is_editable and case.approved_at is None
    assert "予定価格の誤り" in _history(db_session, case)[-1].summary


def test_cancel_needs_a_reason_and_is_final(db_session, make_case, contract_staff):
    case = make_case()
    with pytest.raises(ValidationFailed):
        services.cancel_case(db_session, contract_staff, case, "")
    services.cancel_case(db_session, contract_staff, case, "設計の見直しのため")
    assert case.state == "cancelled" and case.cancel_reason == "設計の見直しのため"
    with pytest.raises(InvalidTransition, match="中止できません"):
        services.cancel_case(db_session, contract_staff, case, "もう一度")


def test_a_failed_case_is_tendered_again_as_a_linked_draft(db_session, make_case, contract_staff):
    case = make_case()
    with pytest.raises(ValidationFailed, match="不調の案件だけ"):
        services.retender_case(db_session, contract_staff, case, drafted_on=date(2026, 6, 5))
    services.approve_case(db_session, contract_staff, case)
    for step in ("nominate", "close", "open_bids", "fail"):
        case.transition(step)
    new = services.retender_case(db_session, contract_staff, case, drafted_on=date(2026, 6, 5))
    assert new.retender_of == case and new.state == "draft" and not new.is_approved
    assert new.number == "2026-110-0002" and new.name == case.name and new.planned_price is None
    assert [r.operation for r in _history(db_session, new)] == ["case.create", "case.retender"]


def test_the_database_refuses_a_floor_above_the_planned_price(db_session, make_case):
    from sqlalchemy.exc import IntegrityError

    case = make_case()
    case.floor_price = 40_000_000
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_case_values_fixture_is_complete_for_approval(db_session, make_case, contract_staff):
    case = make_case()
    services.approve_case(db_session, contract_staff, case)
    assert case.is_approved
    assert case_values(case.department)["name"] == case.name
