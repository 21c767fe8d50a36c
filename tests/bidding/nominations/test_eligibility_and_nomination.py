"""Eligibility of firms for a case, each reason on its own, and the nomination services: picks with their
overrides, the 指名通知, applications to open tenders and their review, and suspensions after nomination."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bidding.cases import services as case_services
from bidding.nominations import services
from bidding.nominations.eligibility import check_firm, eligibility_rows
from bidding.nominations.queries import participants, suspension_warnings
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.history import history_of
from registry.qualifications.models import JVMember, KeishinScore
from registry.suspensions.models import Suspension

TODAY = date(2026, 5, 10)


@pytest.fixture
def approved(db_session, make_case, contract_staff):
    def _make(**overrides):
        case = make_case(**overrides)
        case_services.approve_case(db_session, contract_staff, case)
        return case

    return _make


def _suspend(db_session, firm, starts_on, ends_on):
    db_session.add(Suspension(contractor_id=firm.id, cause_code="c1", decided_on=starts_on - timedelta(days=2),
                              starts_on=starts_on, ends_on=ends_on, period_text="1か月", facts="事故"))
    db_session.flush()


def test_every_reason_is_named(db_session, make_case, firm):
    case = make_case()  # ranks A・B, 市内, P ≥ 700, 1級土木施工管理技士, opening 2026-05-29
    ok = firm("適格建設")
    rank = firm("等級外建設", rank="C")
    area = firm("市外建設", area="outside")
    low = firm("点数不足建設", points=650)
    expired = firm("経審切れ建設", keishin_until=date(2026, 5, 20))
    no_tech = firm("技術者なし建設", qualification="2級建築施工管理技士")
    lapsed = firm("失効建設", status="lapsed")
    suspended = firm("停止中建設")
    _suspend(db_session, suspended, date(2026, 5, 1), date(2026, 6, 30))
    rows = {r.name: r for r in eligibility_rows(db_session, case, TODAY)}
    assert rows["適格建設"].eligible and rows["適格建設"].total_points == 820
    assert "等級 C は参加できる等級（A・B）の外" in rows["等級外建設"].reasons
    assert "地域区分「市外」は条件（市内）の外" in rows["市外建設"].reasons
    assert "総合評定値（P）650 点が下限 700 点未満" in rows["点数不足建設"].reasons
    assert any("経審が開札日" in r for r in rows["経審切れ建設"].reasons)
    assert any("1級土木施工管理技士" in r for r in rows["技術者なし建設"].reasons)
    assert any("失効" in r for r in rows["失効建設"].reasons)
    assert any(r.startswith("指名停止中") for r in rows["停止中建設"].reasons)
    assert {ok.id, rank.id, area.id, low.id, expired.id, no_tech.id, lapsed.id, suspended.id} == \
        {r.contractor_id for r in rows.values()}


def test_a_jv_is_judged_through_its_members(db_session, make_case, firm, create_contractor):
    case = make_case(required_qualification=None)
    member_a, member_b = firm("構成員A建設"), firm("構成員B建設", keishin_until=None)
    jv = firm("A・B特定建設工事共同企業体", is_jv=True, keishin_until=None, qualification=None)
    db_session.add_all([JVMember(jv_id=jv.id, member_id=member_a.id, share_percent=60, is_representative=True),
                        JVMember(jv_id=jv.id, member_id=member_b.id, share_percent=40)])
    db_session.flush()
    reasons = check_firm(db_session, case, jv.id, TODAY)
    assert any("経審" in r and "構成員" in r for r in reasons)
    db_session.add(KeishinScore(contractor_id=member_b.id, work_type_code="010", base_date=date(2025, 12, 31),
                                x1=1, x2=1, y=1, z=1, w=1, p_computed=800, valid_until=date(2027, 6, 30)))
    _suspend(db_session, member_a, date(2026, 5, 1), date(2026, 5, 31))
    reasons = check_firm(db_session, case, jv.id, TODAY)
    assert len(reasons) == 1 and reasons[0].startswith("構成員の指名停止中")


def test_a_firm_without_a_registration_for_the_work_type_is_refused(db_session, make_case, create_contractor):
    other = create_contractor("建築だけ建設", work_types={"020": "A"})
    assert "登録" in check_firm(db_session, make_case(), other.id, TODAY)[0]


def test_picking_an_ineligible_firm_needs_a_reason_that_is_logged(db_session, approved, firm, contract_staff):
    case = approved()
    low = firm("点数不足建設", points=650)
    with pytest.raises(ValidationFailed) as info:
        services.pick_firm(db_session, contract_staff, case, low, today=TODAY)
    message = info.value.errors["override"][0]
    assert "点数不足建設は参加資格の条件に該当しません（総合評定値（P）650 点が下限 700 点未満）" in message
    p = services.pick_firm(db_session, contract_staff, case, low, today=TODAY, override_reason="地元で唯一の施工実績")
    assert p.status == "picked" and p.ineligible_reasons and p.override_reason == "地元で唯一の施工実績"
    entry = history_of(db_session, "case_participants", p.id)[-1]
    assert "条件に該当しないが選定" in entry.summary and "地元で唯一の施工実績" in entry.summary


def test_the_rule_may_require_a_reason_for_every_pick(db_session, approved, firm, contract_staff, admin):
    from core.rules import get_rule
    from core.rules.services import add_rule_version

    values = get_rule(db_session, "bidding.nomination", date(2026, 4, 1))
    add_rule_version(db_session, admin, "bidding.nomination", date(2026, 4, 1), {**values, "reason_required": True},
                note="理由を必須にする")
    case = approved()
    with pytest.raises(ValidationFailed) as info:
        services.pick_firm(db_session, contract_staff, case, firm(), today=TODAY)
    assert "理由を入力" in info.value.errors["reason"][0]


def test_pick_notify_and_the_case_becomes_nominated(db_session, approved, firm, contract_staff, make_case):
    draft = make_case()
    with pytest.raises(ValidationFailed, match="決裁済み"):
        services.pick_firm(db_session, contract_staff, draft, firm(), today=TODAY)
    case = approved()
    with pytest.raises(ValidationFailed, match="選ばれていません"):
        services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
    firms = [firm(f"指名{i}建設") for i in range(6)]
    for f in firms:
        services.pick_firm(db_session, contract_staff, case, f, today=TODAY, reason="施工実績")
    with pytest.raises(ValidationFailed, match="選定済み"):
        services.pick_firm(db_session, contract_staff, case, firms[0], today=TODAY)
    services.unpick_firm(db_session, contract_staff, participants(db_session, case.id)[0], today=TODAY)
    with pytest.raises(ValidationFailed):
        services.notify_nominations(db_session, contract_staff, case, notice_on=date(2026, 5, 16))
    notified = services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
    assert len(notified) == 5 and case.state == "nominated"
    assert {p.status for p in participants(db_session, case.id)} == {"nominated", "cancelled"}
    rows = {r.contractor_id: r for r in eligibility_rows(db_session, approved(), TODAY)}
    assert rows[firms[1].id].nominated_this_year == 1 and rows[firms[1].id].last_nominated_on == case.notice_on
    assert rows[firms[0].id].nominated_this_year == 0


def test_a_department_user_cannot_nominate(db_session, approved, firm, doboku_staff):
    with pytest.raises(PermissionDenied):
        services.pick_firm(db_session, doboku_staff, approved(), firm(), today=TODAY)


def test_a_suspension_after_nomination_cancels_it_with_a_warning(db_session, approved, firm, contract_staff):
    case = approved()
    keep, drop = firm("継続建設"), firm("停止予定建設")
    for f in (keep, drop):
        services.pick_firm(db_session, contract_staff, case, f, today=TODAY)
    services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
    _suspend(db_session, drop, date(2026, 5, 20), date(2026, 7, 19))
    warnings = suspension_warnings(db_session, case, participants(db_session, case.id), date(2026, 5, 18))
    assert any("停止予定建設" in w and "指名停止の予定" in w for w in warnings)
    assert services.cancel_suspended(db_session, None, date(2026, 5, 19)) == []
    cancelled = services.cancel_suspended(db_session, None, date(2026, 5, 20))
    assert [p.contractor_id for p in cancelled] == [drop.id]
    assert cancelled[0].cancelled_for_suspension and "指名停止" in cancelled[0].cancel_reason
    warnings = suspension_warnings(db_session, case, participants(db_session, case.id), date(2026, 5, 20))
    assert any("停止予定建設" in w and "取消" in w for w in warnings)
    assert "nomination.cancel" in [h.operation for h in history_of(db_session, "case_participants", cancelled[0].id)]


def test_open_tender_applications_are_checked_and_reviewed(db_session, approved, firm, contract_staff):
    case = approved(method="open_post_review")
    good, low = firm("申請A建設"), firm("申請B建設", points=600)
    with pytest.raises(ValidationFailed, match="公告中"):
        services.record_application(db_session, contract_staff, case, good, applied_on=TODAY, today=TODAY)
    with pytest.raises(ValidationFailed, match="参加申請を受け付けます"):
        services.pick_firm(db_session, contract_staff, case, good, today=TODAY)
    case_services.publish_case(db_session, contract_staff, case)
    a = services.record_application(db_session, contract_staff, case, good, applied_on=TODAY, today=TODAY)
    b = services.record_application(db_session, contract_staff, case, low, applied_on=TODAY, today=TODAY)
    assert a.ineligible_reasons is None and "下限 700 点未満" in b.ineligible_reasons
    services.review_application(db_session, contract_staff, a, admit=True, today=TODAY)
    with pytest.raises(ValidationFailed):
        services.review_application(db_session, contract_staff, b, admit=True, today=TODAY)
    services.review_application(db_session, contract_staff, b, admit=False, today=TODAY)
    assert a.status == "admitted" and b.status == "refused" and "下限" in b.refusal_reason
    with pytest.raises(ValidationFailed, match="理由を入力"):
        services.review_application(db_session, contract_staff, a, admit=False, today=TODAY)


def test_notify_refuses_a_case_of_an_open_method(db_session, approved, contract_staff):
    case = approved(method="open_restricted")
    with pytest.raises((ValidationFailed, InvalidTransition)):
        services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
