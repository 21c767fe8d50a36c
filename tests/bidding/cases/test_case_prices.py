"""A case's prices: the breakdown gives the floor by the model in force on the case's date (figures worked out by
hand from reference/domain-japan.md §3.2), 予定価格 from 設計金額, 税込 figures, and the floor recomputed when its
inputs change."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bidding.cases import services
from bidding.cases.pricing import case_prices, set_breakdown
from core.errors import PermissionDenied, ValidationFailed
from tests.helpers import page_text

BREAKDOWN = {"direct_cost": 20_000_000, "common_temporary": 2_000_000, "site_management": 4_000_000,
             "general_admin": 4_000_000}  # adds up to 30,000,000


def test_the_2022_model_gives_the_floor_with_its_steps(db_session, make_case, contract_staff):
    case = make_case(floor_price=None)  # 指名通知日 2026-05-15: 97/90/90/68 %, 75–92 %, cut below 1,000 yen
    set_breakdown(db_session, contract_staff, case, "works", BREAKDOWN)
    # 20,000,000×0.97 + 2,000,000×0.90 + 4,000,000×0.90 + 4,000,000×0.68
    # = 19,400,000 + 1,800,000 + 3,600,000 + 2,720,000 = 27,520,000, inside 22,500,000–27,600,000.
    assert case.floor_price == 27_520_000 and case.price_category == "works"
    prices = case_prices(db_session, case)
    assert prices.result.result == 27_520_000 and len(prices.result.steps) >= 5
    assert prices.planned_with_tax == 33_000_000  # 10 % from 2019-10-01


def test_an_older_case_date_takes_the_older_model(db_session, make_case, contract_staff):
    case = make_case(drafted_on=date(2021, 5, 1), notice_on=date(2021, 6, 1), questions_until=None, bids_from=None,
                     bids_until=None, opening_at=datetime(2021, 6, 30, 10, 0), floor_price=None)
    set_breakdown(db_session, contract_staff, case, "works", BREAKDOWN)
    # 2020 model: general admin 55 %: 19,400,000 + 1,800,000 + 3,600,000 + 2,200,000 = 27,000,000 (≤ 92 %).
    assert case.floor_price == 27_000_000


def test_a_breakdown_that_does_not_add_up_is_refused(db_session, make_case, contract_staff):
    case = make_case(floor_price=None)
    with pytest.raises(ValidationFailed) as info:
        set_breakdown(db_session, contract_staff, case, "works", {**BREAKDOWN, "general_admin": 3_000_000})
    assert "breakdown" in info.value.errors
    assert case.floor_price is None and not case.cost_breakdown


def test_changing_the_planned_price_recomputes_or_clears_the_floor(db_session, make_case, contract_staff):
    case = make_case(floor_price=None)
    set_breakdown(db_session, contract_staff, case, "works", BREAKDOWN)
    services.update_case(db_session, contract_staff, case, {"notice_on": date(2026, 5, 14)})
    assert case.floor_price == 27_520_000
    services.update_case(db_session, contract_staff, case, {"planned_price": 31_000_000})
    assert case.floor_price is None  # the breakdown no longer adds up: 決裁 will ask for it again
    with pytest.raises(ValidationFailed) as info:
        services.approve_case(db_session, contract_staff, case)
    assert "floor_price" in info.value.errors


def test_planned_price_comes_from_the_design_amount_when_left_empty(db_session, make_case):
    case = make_case(design_amount=12_345_678, planned_price=None, floor_price=None)
    assert case.planned_price == 12_345_678  # default rule: equal to 設計金額


def test_only_an_editable_case_takes_a_breakdown(db_session, make_case, contract_staff, kenchiku_staff):
    case = make_case(floor_price=None)
    with pytest.raises(PermissionDenied):
        set_breakdown(db_session, kenchiku_staff, case, "works", BREAKDOWN)


def test_the_price_tab_saves_and_shows_the_steps(login_as, make_case, doboku_staff, db_session):
    case = make_case(actor=doboku_staff, floor_price=None)
    client = login_as(doboku_staff)
    html = page_text(client.get(f"/bidding/cases/{case.id}/prices"))
    assert "直接工事費" in html and "未算定" in html
    form = {"category": "works", **{k: f"{v:,}" for k, v in BREAKDOWN.items()}}
    response = client.post(f"/bidding/cases/{case.id}/prices", data={**form, "general_admin": "3,000,000"})
    assert response.status_code == 422 and "予定価格" in page_text(response)
    response = client.post(f"/bidding/cases/{case.id}/prices", data=form)
    assert response.status_code == 302
    html = page_text(client.get(f"/bidding/cases/{case.id}/prices"))
    assert "27,520,000円" in html and "計算過程" in html
    db_session.refresh(case)
    assert case.floor_price == 27_520_000
