"""The 入札 tab over HTTP: record bids, open, draw the lot, award; who may do what. Rules are tested on the
services."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock

import pytest

from bidding.bids.models import Award, Bid
from bidding.cases import services as case_services
from bidding.nominations import services as nomination_services
from core.auth.roles import Role
from tests.helpers import page_text


@pytest.fixture
def case_with_firms(db_session, make_case, contract_staff, firm):
    case = make_case()
    case_services.approve_case(db_session, contract_staff, case)
    firms = [firm(f"画面入札{i}建設") for i in range(3)]
    for f in firms:
        nomination_services.pick_firm(db_session, contract_staff, case, f, today=date(2026, 5, 10))
    nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
    return case, firms


def test_bids_open_lot_and_award_over_http(login_as, contract_staff, case_with_firms, db_session):
    case, firms = case_with_firms
    client = login_as(contract_staff)
    url = f"/bidding/cases/{case.id}/bids"
    assert "まだ入札はありません" in page_text(client.get(url))
    response = client.post(url + "/record", data={"contractor_id": str(firms[0].id), "amount": "二千万",
                                                  "received_at": "2026-05-28T09:00:00"})
    assert response.status_code == 422 and "入札金額（税抜）は円単位の整数" in page_text(response)
    for i, (f, amount) in enumerate(zip(firms, ("27,000,000", "27,000,000", "28,000,000"), strict=True)):
        response = client.post(url + "/record", data={"contractor_id": str(f.id), "amount": amount,
                                                      "received_at": f"2026-05-28T09:00:0{i}.{i}00",
                                                      "lot_input": f"{i}{i}{i}"})
        assert response.status_code == 302, page_text(response)
    with mock.patch("bidding.bids.views.now_local", return_value=datetime(2026, 5, 29, 10, 1)):
        assert client.post(url + "/open").status_code == 302
    html = page_text(client.get(url))
    assert "電子くじを引いてください" in html and "電子くじを引く" in html
    assert client.post(url + "/lot").status_code == 302
    html = page_text(client.get(url))
    assert "くじ番号（下 3 桁）" in html and "÷ 2 の余り" in html
    assert client.post(url + "/award", data={"decided_on": "2026-05-29"}).status_code == 302
    award = db_session.query(Award).one()
    assert award.amount == 27_000_000 and award.state == "decided"
    assert "落札決定" in page_text(client.get(url))


def test_department_staff_and_viewers_read_only(login_as, doboku_staff, create_user, case_with_firms, db_session):
    case, firms = case_with_firms
    staff = login_as(doboku_staff)
    url = f"/bidding/cases/{case.id}/bids"
    html = page_text(staff.get(url))
    assert "入札を記録する" not in html
    response = staff.post(url + "/record", data={"contractor_id": str(firms[0].id), "amount": "1"})
    assert response.status_code == 403 and db_session.query(Bid).count() == 0
    viewer = login_as(create_user(Role.VIEWER))
    assert viewer.get(url).status_code == 200 and viewer.post(url + "/open").status_code == 403


def test_the_value_ranking_is_shown_with_each_figure(login_as, contract_staff, db_session, make_case, firm):
    from bidding.bids import services

    case = make_case(method="value_simple", evaluation_method="division")
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    f = firm("画面総合評価建設")
    p = nomination_services.record_application(db_session, contract_staff, case, f, applied_on=date(2026, 5, 16),
                                               today=date(2026, 5, 16))
    nomination_services.review_application(db_session, contract_staff, p, admit=True, today=date(2026, 5, 16))
    bid = services.record_bid(db_session, contract_staff, case, f, amount=27_000_000, declined=False,
                              received_at=datetime(2026, 5, 28, 9, 0))
    client = login_as(contract_staff)
    url = f"/bidding/cases/{case.id}/bids"
    response = client.post(f"{url}/{bid.id}/tech", data={"tech_standard": "100", "tech_added": "12.5",
                                                        "tech_structure": "8"})
    assert response.status_code == 302
    services.open_round(db_session, contract_staff, case, now=datetime(2026, 5, 29, 10, 0))
    html = page_text(client.get(url))
    # (100 + 12.5 + 8) ÷ 27,000,000 × 10^8 = 446.29629… → 446.2962 (cut at 4 decimals)
    assert "総合評価の順位" in html and "(100 + 12.5 + 8) ÷ 27,000,000 × 10^8" in html and "446.2962" in html
