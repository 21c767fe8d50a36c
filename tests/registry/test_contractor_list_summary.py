"""The 業種・等級 column of the contractor list: the registrations in force on the list's day, else the firm's
latest, in period and code order (``registry.contractors.exports.page_summaries``)."""

from datetime import date

from registry.codes import work_types
from registry.contractors.exports import page_summaries
from registry.qualifications.models import RegisteredWorkType, Registration

DAY = date(2026, 6, 1)


def _register(db_session, firm, category, start, end, ranks):
    registration = Registration(category=category, period_start=start, period_end=end)
    registration.work_types.extend(RegisteredWorkType(work_type_code=code, rank=rank) for code, rank in ranks.items())
    firm.registrations.append(registration)
    db_session.flush()


def test_current_registrations_else_the_latest(db_session, create_contractor):
    codes = work_types(db_session, DAY)
    current = create_contractor(work_types={"020": "B", "010": "A"})  # 2025-04-01〜2027-03-31
    _register(db_session, current, "construction", date(2021, 4, 1), date(2023, 3, 31), {"030": "C"})
    two_categories = create_contractor(work_types={"010": None})
    _register(db_session, two_categories, "consulting", date(2025, 4, 1), date(2027, 3, 31), {"100": None})
    lapsed = create_contractor(work_types={})
    lapsed.registrations.clear()
    db_session.flush()
    _register(db_session, lapsed, "construction", date(2019, 4, 1), date(2021, 3, 31), {"010": "C"})
    _register(db_session, lapsed, "construction", date(2021, 4, 1), date(2023, 3, 31), {"020": "B"})
    bare = create_contractor(work_types={})
    bare.registrations.clear()
    db_session.flush()

    ids = [current.id, two_categories.id, lapsed.id, bare.id]
    summaries = page_summaries(db_session, ids, codes, DAY)

    assert summaries[current.id] == [("010", codes["010"].title, "A"), ("020", codes["020"].title, "B")]
    assert [code for code, _, _ in summaries[two_categories.id]] == ["010", "100"]
    assert summaries[lapsed.id] == [("020", codes["020"].title, "B")]  # the latest period, not every one
    assert summaries[bare.id] == []
