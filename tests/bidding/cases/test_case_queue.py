"""The home page's case queue: each count is the count of the list it links to, within the user's department."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bidding.cases import services
from core.timefmt import today
from tests.helpers import page_text


def _make(make_case, contract_staff, db_session, department=None, *, approve=False, opening=None):
    day = today()
    case = make_case(department=department, drafted_on=day - timedelta(days=3), notice_on=None, questions_until=None,
                     bids_from=None, bids_until=None, opening_at=opening)
    if approve:
        case.notice_on = day - timedelta(days=1)
        services.approve_case(db_session, contract_staff, case)
    return case


def test_counts_follow_the_list_and_the_department(login_as, make_case, contract_staff, doboku_staff, kenchiku,
                                                   db_session):
    opening = datetime.combine(today(), time(10, 0))
    _make(make_case, contract_staff, db_session)
    _make(make_case, contract_staff, db_session, approve=True, opening=opening)
    _make(make_case, contract_staff, db_session, kenchiku)
    contract = page_text(login_as(contract_staff).get("/"))
    assert "決裁待ち（起案中）" in contract and "今週の開札" in contract
    staff_client = login_as(doboku_staff)
    html = page_text(staff_client.get("/"))
    assert "入札案件" in html
    # 土木課 sees one draft awaiting approval (建築課's is not counted) and one approved draft opening this week.
    listed = page_text(staff_client.get("/bidding/cases?state=awaiting_approval"))
    assert listed.count("/bidding/cases/") - listed.count("/bidding/cases/new") == 1
    from bidding.cases.queries import queue_counts

    assert queue_counts(db_session, doboku_staff, today()) == {"awaiting_approval": 1, "approved_draft": 1,
                                                               "opening_this_week": 1}
    assert queue_counts(db_session, contract_staff, today())["awaiting_approval"] == 2
