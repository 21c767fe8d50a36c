"""The 説明請求 deadline over closed days (SPEC GR4): counted by the ``grading.deadlines`` rule in force on the notice —
the default follows MLIT (14 calendar days, the notice day counted, no extension); a city's version may count from
the next day, in business days, or extend a last day that falls on a closed day (年末年始, 国民の祝日)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import ValidationFailed
from core.rules import get_rule
from core.rules import services as rules
from grading.explanations import services
from grading.notices import services as notices
from grading.notices.queries import request_deadline
from grading.works import services as works
from tests.grading.test_works_services import _grade_all

KEY = "grading.deadlines"


@pytest.fixture
def settled_early(db_session, work, chief, general, inspector):
    """The work settled on 2026-12-23, the day after its 完成検査."""
    _grade_all(db_session, work, chief, general, inspector)
    works.settle_work(db_session, general, work, now=datetime(2026, 12, 23, 1, 0))
    return work


def _version(db_session, admin, **explanation_request):
    values = get_rule(db_session, KEY, date(2026, 12, 1))
    values["items"]["explanation_request"].update(explanation_request)
    rules.add_rule_version(db_session, admin, KEY, date(2026, 12, 1), values, "要領改正（テスト）")


def _notify(db_session, staff, work, day):
    notices.notify_work(db_session, staff, work, day, today=day)
    return request_deadline(db_session, work)


def _file(db_session, staff, work, day):
    return services.file_request(db_session, staff, work, content="説明を求めます。", channel="paper", filed_on=day,
                                 today=day)


def test_mlit_counts_the_closed_year_end_days(db_session, settled_early, contract_staff):
    # 14 calendar days from Fri 2026-12-25, the notice day counted: 12/29–1/3 count as days too
    assert _notify(db_session, contract_staff, settled_early, date(2026, 12, 25)) == date(2027, 1, 7)
    with pytest.raises(ValidationFailed, match=r"説明請求の期限（令和9年1月7日）を過ぎています"):
        _file(db_session, contract_staff, settled_early, date(2027, 1, 8))
    assert _file(db_session, contract_staff, settled_early, date(2027, 1, 7)).state == "received"


def test_mlit_does_not_extend_a_last_day_on_a_holiday(db_session, settled_early, contract_staff):
    # from Fri 2027-01-29 the 14th day is Thu 2027-02-11 (建国記念の日): the deadline stays there
    assert _notify(db_session, contract_staff, settled_early, date(2027, 1, 29)) == date(2027, 2, 11)
    with pytest.raises(ValidationFailed, match=r"令和9年2月11日"):
        _file(db_session, contract_staff, settled_early, date(2027, 2, 12))


def test_next_day_counting_extended_past_a_holiday(db_session, settled_early, contract_staff, admin):
    _version(db_session, admin, count_from="next_day", extend_if_closed=True)
    # from the day after Thu 2027-01-28: the 14th day is 2/11 (建国記念の日), extended to Fri 2/12
    assert _notify(db_session, contract_staff, settled_early, date(2027, 1, 28)) == date(2027, 2, 12)
    assert _file(db_session, contract_staff, settled_early, date(2027, 2, 12)).filed_on == date(2027, 2, 12)


def test_business_days_skip_the_year_end_and_a_holiday(db_session, settled_early, contract_staff, admin):
    _version(db_session, admin, days=10, business_days=True, count_from="next_day")
    # 10 business days from the day after Fri 2026-12-25: 12/28, (12/29–1/3 closed) 1/4–1/8, (weekend, 1/11 成人の日)
    # 1/12–1/15
    assert _notify(db_session, contract_staff, settled_early, date(2026, 12, 25)) == date(2027, 1, 15)
    with pytest.raises(ValidationFailed, match=r"説明請求の期限（令和9年1月15日）を過ぎています"):
        _file(db_session, contract_staff, settled_early, date(2027, 1, 18))
    assert _file(db_session, contract_staff, settled_early, date(2027, 1, 15)).state == "received"


def test_the_version_in_force_on_the_notice_day_applies(db_session, settled_early, contract_staff, admin):
    values = get_rule(db_session, KEY, date(2027, 2, 1))
    values["items"]["explanation_request"].update(days=10, count_from="next_day")
    rules.add_rule_version(db_session, admin, KEY, date(2027, 2, 1), values, "要領改正（テスト）")
    assert _notify(db_session, contract_staff, settled_early, date(2027, 1, 29)) == date(2027, 2, 11)  # the old one
