"""The published results' rows: 事後公表 (a case appears only once opened), each column's definition (入札者数,
the floor, the winner and 落札率, 結果) and department scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bidding.bids import award
from bidding.bids import services as bid_services
from bidding.cases import services as case_services
from bidding.results import queries
from bidding.results.queries import ResultFilters


def rows(session, user=None, **filters) -> dict:
    return {r.number: r for r in queries.result_rows(session, user, ResultFilters(**filters))}


@pytest.fixture
def world(db_session, tender, contract_staff, kenchiku):
    """Cases in every position around the opening (see each name)."""
    awarded, firms = tender([None, ("invalid", 27_000_000), 25_000_000, 27_500_000, 27_500_000, 31_000_000])
    award.draw_lot(db_session, contract_staff, awarded)
    award.award(db_session, contract_staff, awarded, decided_on=date(2026, 5, 29))
    surveyed, _ = tender([24_000_000, 28_000_000], days=3, floor_kind="survey")
    failed, _ = tender([32_000_000], days=5)
    award.declare_failed(db_session, contract_staff, failed)
    cancelled, _ = tender([32_000_000], days=6)
    case_services.cancel_case(db_session, contract_staff, cancelled, "設計の見直し")
    sealed, _ = tender([27_000_000], opened=False, days=1)
    announced, _ = tender([27_000_000], opened=False, days=1, disclosure="before")
    withdrawn, _ = tender([27_000_000], opened=False, days=2)
    case_services.cancel_case(db_session, contract_staff, withdrawn, "入札前に中止")
    other, _ = tender([28_035_000], days=10, department=kenchiku, floor_kind="none", floor_price=None)
    award.award(db_session, contract_staff, other, decided_on=date(2026, 6, 8))
    return {"awarded": awarded, "winner": firms[4], "surveyed": surveyed, "failed": failed, "cancelled": cancelled,
            "sealed": sealed, "announced": announced, "withdrawn": withdrawn, "other": other}


def test_only_opened_cases_are_published(db_session, world):
    found = rows(db_session)
    for name in ("awarded", "surveyed", "failed", "cancelled", "other"):
        assert world[name].number in found, name
    for name in ("sealed", "announced", "withdrawn"):  # not opened (事前公表 or not), cancelled before the opening
        assert world[name].number not in found, name
    results = {name: found[world[name].number].result_label for name in ("awarded", "surveyed", "failed", "cancelled")}
    assert results == {"awarded": "落札", "surveyed": "審査中", "failed": "不調", "cancelled": "中止"}


def test_the_columns_of_an_awarded_case(db_session, world):
    row = rows(db_session)[world["awarded"].number]
    winner = world["winner"]
    assert (row.department, row.method_label, row.opened_on) == ("土木課", "指名競争入札", date(2026, 5, 29))
    assert (row.planned_price, row.floor_price) == (30_000_000, 26_000_000)
    # Six nominated firms: one 辞退 (not counted); the 無効, the one under the floor and the one over 予定価格 count.
    assert row.bidders == 5
    # The lot between the two bids of 27,500,000 went to the later one (see test_bid_forms for its arithmetic).
    assert (row.winner_number, row.winner_name, row.amount) == (winner.number, winner.name, 27_500_000)
    assert row.amount_with_tax == 30_250_000 and row.rate == Decimal("91.67") and row.rate_text == "91.67"
    other = rows(db_session)[world["other"].number]
    assert other.rate_text == "93.45" and other.floor_price is None and other.department == "建築課"


def test_undecided_failed_and_cancelled_have_no_winner(db_session, world):
    found = rows(db_session)
    for name in ("surveyed", "failed", "cancelled"):
        row = found[world[name].number]
        assert (row.winner_number, row.amount, row.rate_text) == (None, None, ""), name
    surveyed = found[world["surveyed"].number]
    assert surveyed.floor_kind == "survey" and surveyed.floor_price == 26_000_000 and surveyed.bidders == 2


def test_bidders_count_round_one_only(db_session, tender, contract_staff):
    from tests.bidding.results.conftest import record_round

    case, firms = tender([31_000_000, 32_000_000, None])
    award.start_rebid(db_session, contract_staff, case)
    record_round(db_session, contract_staff, case, firms, [29_000_000, "skip", "skip"])
    bid_services.open_round(db_session, contract_staff, case, now=case.opening_at)
    award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    row = rows(db_session)[case.number]
    assert row.bidders == 2 and row.amount == 29_000_000 and row.result_label == "落札"


def test_filters(db_session, world):
    june = rows(db_session, opening_from=date(2026, 6, 1), opening_to=date(2026, 6, 30))
    assert world["awarded"].number not in june and world["surveyed"].number in june
    assert set(rows(db_session, result="failed")) == {world["failed"].number}
    assert set(rows(db_session, result="pending")) == {world["surveyed"].number}
    assert rows(db_session, fiscal_year=2025) == {}
    assert set(rows(db_session, q=world["other"].number)) == {world["other"].number}
    ordered = [r.number for r in queries.result_rows(db_session, None, ResultFilters(sort="opening"))]
    assert ordered == [world[n].number for n in ("awarded", "surveyed", "failed", "cancelled", "other")]


def test_department_staff_see_their_own_departments_results(db_session, world, doboku_staff, kenchiku_staff,
                                                           contract_staff):
    assert world["other"].number not in rows(db_session, doboku_staff)
    assert set(rows(db_session, kenchiku_staff)) == {world["other"].number}
    assert world["other"].number in rows(db_session, contract_staff) and world["awarded"].number in rows(
        db_session, contract_staff)
