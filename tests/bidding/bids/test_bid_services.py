"""Bids: recording with every refusal, the opening's statuses, the 電子くじ with a hand-computed vector, 低入札価格調査,
再度入札 and 不調, award with tax and 落札率, 事後審査, and undoing an award."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bidding.bids import award, lots, services
from bidding.bids.outcome import round_outcome
from bidding.cases import services as case_services
from bidding.nominations import services as nomination_services
from core.errors import PermissionDenied, ValidationFailed
from registry.suspensions.models import Suspension

OPENING = datetime(2026, 5, 29, 10, 0)
TODAY = date(2026, 5, 10)


def received(second: int, ms: int = 0) -> datetime:
    return datetime(2026, 5, 28, 9, 0, second, ms * 1000)


@pytest.fixture
def nominated(db_session, make_case, contract_staff, firm):
    """A 指名競争 case (予定価格 30,000,000, 最低制限価格 26,000,000) with six nominated firms."""

    def _make(**overrides):
        case = make_case(**overrides)
        case_services.approve_case(db_session, contract_staff, case)
        firms = [firm(f"入札{i}建設") for i in range(6)]
        for f in firms:
            nomination_services.pick_firm(db_session, contract_staff, case, f, today=TODAY)
        nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
        return case, firms

    return _make


@pytest.fixture
def approved_case(db_session, make_case, contract_staff):
    def _make():
        case = make_case()
        case_services.approve_case(db_session, contract_staff, case)
        return case

    return _make


def test_the_lot_vector_worked_by_hand():
    entries = [lots.LotEntry(1, "A", "123", 456), lots.LotEntry(2, "B", "900", 200), lots.LotEntry(3, "C", "050", 999)]
    # くじ番号: 123+456 = 579; 900+200 = 1100 → 100; 50+999 = 1049 → 049.
    # 1st: (579 + 100 + 49) = 728, 728 mod 3 = 2 → C.  2nd: (579 + 100) = 679, 679 mod 2 = 1 → B.  Then A.
    steps = lots.draw(entries)
    assert [(s.total, s.count, s.index, s.winner) for s in steps] == [(728, 3, 2, 3), (679, 2, 1, 2)]
    assert lots.ranking(steps) == [3, 2, 1]
    assert steps[0].formula == "（579 + 100 + 049） = 728、728 ÷ 3 の余り = 2"


def test_six_bids_open_lot_and_award(db_session, nominated, contract_staff):
    case, firms = nominated()
    amounts = [None, 25_000_000, 27_500_000, 27_500_000, 28_000_000, 31_000_000]
    for i, (f, amount) in enumerate(zip(firms, amounts, strict=True)):
        services.record_bid(db_session, contract_staff, case, f, amount=amount, declined=amount is None,
                            received_at=received(i, ms=100 * i), lot_input=f"{i}{i}{i}")
    with pytest.raises(ValidationFailed, match="開札日時"):
        services.open_round(db_session, contract_staff, case, now=datetime(2026, 5, 29, 9, 59))
    bid_round = services.open_round(db_session, contract_staff, case, now=OPENING)
    assert case.state == "opened"
    assert [b.status for b in bid_round.bids] == ["declined", "below_minimum", "valid", "valid", "valid",
                                                   "over_planned"]
    outcome = round_outcome(db_session, case)
    assert outcome.needs_lot and len(outcome.tied) == 2
    with pytest.raises(ValidationFailed, match="くじを引いて"):
        award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    draw = award.draw_lot(db_session, contract_staff, case)
    # Receipt milliseconds are the system values: 200 and 300; inputs 222 and 333 → くじ番号 422 and 633.
    # (422 + 633) = 1055, 1055 mod 2 = 1 → the second in receipt order (入札3建設) wins.
    assert [e["lot_number"] for e in draw.entries] == [422, 633] and draw.steps[0]["index"] == 1
    record = award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    assert record.contractor == firms[3] and record.amount == 27_500_000
    assert record.amount_with_tax == 30_250_000 and record.rate == Decimal("91.67")  # 27.5 ÷ 30 = 91.666…
    assert case.state == "awarded"
    award.undo_award(db_session, contract_staff, record, reason="落札者の辞退", on=date(2026, 6, 1))
    assert case.state == "opened"
    again = award.award(db_session, contract_staff, case, decided_on=date(2026, 6, 2))
    assert again.contractor == firms[2]  # the withdrawn winner no longer competes: the lot's next place


@pytest.mark.parametrize("kwargs, field, words", [
    ({"amount": None, "declined": False}, "amount", "入札金額を入力"),
    ({"amount": -5, "declined": False}, "amount", "1 円以上"),
    ({"amount": 1_000, "declined": False, "lot_input": "12a"}, "lot_input", "3 桁"),
    ({"amount": 1_000, "declined": False, "invalid_reason": "unknown"}, "invalid_reason", "一覧から"),
])
def test_bad_bids_name_the_field(db_session, nominated, contract_staff, kwargs, field, words):
    case, firms = nominated()
    with pytest.raises(ValidationFailed) as info:
        services.record_bid(db_session, contract_staff, case, firms[0], received_at=received(1), **kwargs)
    assert words in " ".join(info.value.errors[field])


def test_only_bidders_not_suspended_on_the_opening_day(db_session, nominated, contract_staff, firm):
    case, firms = nominated()
    stranger = firm("部外建設")
    with pytest.raises(ValidationFailed, match="指名業者・参加資格のある業者ではありません"):
        services.record_bid(db_session, contract_staff, case, stranger, amount=1_000, declined=False,
                            received_at=received(1))
    db_session.add(Suspension(contractor_id=firms[1].id, cause_code="breach", decided_on=date(2026, 5, 25),
                              starts_on=date(2026, 5, 27), ends_on=date(2026, 6, 30), period_text="1か月", facts="x"))
    db_session.flush()
    with pytest.raises(ValidationFailed, match="指名停止中"):
        services.record_bid(db_session, contract_staff, case, firms[1], amount=1_000, declined=False,
                            received_at=received(1))


def test_rebid_must_be_lower_then_failed_after_the_last_round(db_session, nominated, contract_staff):
    case, firms = nominated()
    services.record_bid(db_session, contract_staff, case, firms[0], amount=32_000_000, declined=False,
                        received_at=received(1))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    with pytest.raises(ValidationFailed, match="再度入札するか"):
        award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    award.start_rebid(db_session, contract_staff, case)
    with pytest.raises(ValidationFailed, match="前回の入札額（32,000,000 円）より低く"):
        services.record_bid(db_session, contract_staff, case, firms[0], amount=32_000_000, declined=False,
                            received_at=received(2))
    services.record_bid(db_session, contract_staff, case, firms[0], amount=31_000_000, declined=False,
                        received_at=received(2))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    award.start_rebid(db_session, contract_staff, case)
    services.record_bid(db_session, contract_staff, case, firms[0], amount=30_500_000, declined=False,
                        received_at=received(3))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    with pytest.raises(ValidationFailed, match="3 回まで"):
        award.start_rebid(db_session, contract_staff, case)
    award.declare_failed(db_session, contract_staff, case)
    assert case.state == "failed"


def test_low_bid_survey_holds_the_award_until_decided(db_session, nominated, contract_staff):
    case, firms = nominated(floor_kind="survey")
    services.record_bid(db_session, contract_staff, case, firms[0], amount=24_000_000, declined=False,
                        received_at=received(1))
    services.record_bid(db_session, contract_staff, case, firms[1], amount=27_000_000, declined=False,
                        received_at=received(2))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    low = case_bids = [b for b in services.current_round(db_session, case).bids if b.amount == 24_000_000][0]
    assert low.status == "survey" and case_bids.survey_decision == "pending"
    with pytest.raises(ValidationFailed, match="低入札価格調査中"):
        award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    with pytest.raises(ValidationFailed):
        award.decide_survey(db_session, contract_staff, low, acceptable=False, decided_on=date(2026, 6, 5), note="")
    award.decide_survey(db_session, contract_staff, low, acceptable=False, decided_on=date(2026, 6, 5),
                           note="人件費の積算が不足")
    record = award.award(db_session, contract_staff, case, decided_on=date(2026, 6, 5))
    assert record.contractor == firms[1] and low.status == "excluded"


def test_post_review_names_a_candidate_first(db_session, make_case, contract_staff, firm):
    case = make_case(method="open_post_review")
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    f = firm("事後審査建設")
    p = nomination_services.record_application(db_session, contract_staff, case, f, applied_on=TODAY, today=TODAY)
    nomination_services.review_application(db_session, contract_staff, p, admit=True, today=TODAY)
    services.record_bid(db_session, contract_staff, case, f, amount=28_000_000, declined=False, received_at=received(1))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    record = award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    assert record.state == "candidate" and case.state == "opened"
    award.confirm_award(db_session, contract_staff, record, decided_on=date(2026, 6, 3))
    assert record.state == "decided" and case.state == "awarded"


def test_department_staff_cannot_record_bids(db_session, nominated, doboku_staff):
    case, firms = nominated()
    with pytest.raises(PermissionDenied):
        services.record_bid(db_session, doboku_staff, case, firms[0], amount=1, declined=False,
                            received_at=received(1))


def test_technical_points_only_on_value_cases_and_checked(db_session, nominated, make_case, contract_staff, firm):
    case = make_case(method="value_special", evaluation_method="division")
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    applicant = firm("総合評価建設")
    p = nomination_services.record_application(db_session, contract_staff, case, applicant, applied_on=TODAY,
                                               today=TODAY)
    nomination_services.review_application(db_session, contract_staff, p, admit=True, today=TODAY)
    bid = services.record_bid(db_session, contract_staff, case, applicant, amount=27_000_000, declined=False,
                              received_at=received(1))
    with pytest.raises(ValidationFailed) as info:
        services.set_tech_scores(db_session, contract_staff, bid, standard="100", added="-1", structure="abc")
    assert set(info.value.errors) == {"tech_added", "tech_structure"}
    services.set_tech_scores(db_session, contract_staff, bid, standard="100", added="12.5", structure="8")
    assert bid.tech_added == Decimal("12.5")
    plain, plain_firms = nominated()
    other = services.record_bid(db_session, contract_staff, plain, plain_firms[0], amount=27_000_000, declined=False,
                                received_at=received(1))
    with pytest.raises(ValidationFailed, match="技術評価点はありません"):
        services.set_tech_scores(db_session, contract_staff, other, standard="100", added="1", structure="1")


def test_value_case_ranks_by_the_division_method(db_session, make_case, contract_staff, firm):
    case = make_case(method="value_simple", evaluation_method="division")
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    firms = [firm(f"総合評価{i}建設") for i in range(3)]
    plans = [(27_000_000, "10", "5"), (28_000_000, "20", "8"), (26_500_000, "5", "0")]
    for i, (f, (amount, added, structure)) in enumerate(zip(firms, plans, strict=True)):
        p = nomination_services.record_application(db_session, contract_staff, case, f, applied_on=TODAY, today=TODAY)
        nomination_services.review_application(db_session, contract_staff, p, admit=True, today=TODAY)
        bid = services.record_bid(db_session, contract_staff, case, f, amount=amount, declined=False,
                                  received_at=received(i))
        services.set_tech_scores(db_session, contract_staff, bid, standard="100", added=added, structure=structure)
    services.open_round(db_session, contract_staff, case, now=OPENING)
    outcome = round_outcome(db_session, case)
    # 評価値 = (100 + 加算点 + 施工体制評価点) ÷ 入札価格 × 10^8, cut at 4 decimals:
    # A 115 ÷ 27,000,000 × 10^8 = 425.9259…; B 128 ÷ 28,000,000 × 10^8 = 457.1428…; C 105 ÷ 26,500,000 × 10^8 = 396.2264…
    scores = {row.label: row.score for row in outcome.evaluation.rows}
    assert scores == {"総合評価0建設": Decimal("425.9259"), "総合評価1建設": Decimal("457.1428"),
                      "総合評価2建設": Decimal("396.2264")}
    assert outcome.winner.contractor == firms[1]  # the best evaluation, not the lowest price
    record = award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    assert record.amount == 28_000_000


def test_value_case_waits_for_the_technical_points(db_session, make_case, contract_staff, firm):
    case = make_case(method="value_simple", evaluation_method="division")
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    f = firm("点数なし建設")
    p = nomination_services.record_application(db_session, contract_staff, case, f, applied_on=TODAY, today=TODAY)
    nomination_services.review_application(db_session, contract_staff, p, admit=True, today=TODAY)
    services.record_bid(db_session, contract_staff, case, f, amount=27_000_000, declined=False, received_at=received(1))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    with pytest.raises(ValidationFailed, match="技術評価点が未入力"):
        award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))


def test_the_random_coefficient_is_drawn_at_opening_and_recorded(db_session, make_case, contract_staff, admin, firm):
    import random

    from bidding.cases.pricing import set_breakdown
    from core.rules import get_rule
    from core.rules.services import add_rule_version

    values = get_rule(db_session, "prices.random_coefficient", date(2026, 4, 1))
    add_rule_version(db_session, admin, "prices.random_coefficient", date(2026, 4, 1), {**values, "enabled": True},
                     note="入札時ランダム係数を使う")
    case = make_case(floor_price=None)
    set_breakdown(db_session, contract_staff, case, "works",
                  {"direct_cost": 20_000_000, "common_temporary": 2_000_000, "site_management": 4_000_000,
                   "general_admin": 4_000_000})
    case_services.approve_case(db_session, contract_staff, case)
    bidder = firm("係数建設")
    nomination_services.pick_firm(db_session, contract_staff, case, bidder, today=TODAY)
    nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
    services.record_bid(db_session, contract_staff, case, bidder, amount=27_000_000, declined=False,
                        received_at=received(1))
    bid_round = services.open_round(db_session, contract_staff, case, now=OPENING, rng=random.Random(7))
    assert bid_round.floor_coefficient is not None
    assert Decimal("0.9950") <= bid_round.floor_coefficient <= Decimal("1.0049")
    from bidding.prices import compute_minimum

    again = compute_minimum(db_session, on=case.price_date, category="works", planned=30_000_000,
                            breakdown=case.cost_breakdown, coefficient=bid_round.floor_coefficient)
    assert again.result == bid_round.floor_price  # anyone can recompute it from the recorded coefficient


def test_awards_appear_in_the_nomination_fairness_columns(db_session, nominated, contract_staff, approved_case):
    from bidding.nominations.eligibility import eligibility_rows

    case, firms = nominated()
    services.record_bid(db_session, contract_staff, case, firms[2], amount=27_000_000, declined=False,
                        received_at=received(1))
    services.open_round(db_session, contract_staff, case, now=OPENING)
    award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    rows = {r.contractor_id: r for r in eligibility_rows(db_session, approved_case(), TODAY)}
    assert rows[firms[2].id].awarded_this_year == 1 and rows[firms[0].id].awarded_this_year == 0
    assert rows[firms[2].id].nominated_this_year == 1
