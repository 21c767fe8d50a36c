"""「工事成績評定の期限」(``grading.deadlines``): 説明請求 and 不服申立て counted from their notices."""

from datetime import date

import pytest

from core.rules import deadline_for, get_rule
from core.rules import services as rules
from core.rules.calendar import HolidaysMissing
from core.rules.catalogue import get_definition
from tests.helpers import page_text

KEY = "grading.deadlines"


def _deadline(db_session, name, start):
    return deadline_for(db_session, name, start, rule_key=KEY)


def test_seeded_items_and_basis(db_session):
    items = get_rule(db_session, KEY, date(2026, 4, 1))["items"]
    assert set(items) == {"grading_entry", "explanation_request", "answer", "re_request", "committee_answer",
                          "objection"}
    assert items["explanation_request"] == {"label": "説明請求（評定結果の通知から）", "days": 14, "business_days": False,
                                            "count_from": "same_day", "extend_if_closed": False}
    assert items["objection"] == {"label": "不服申立て（説明請求への回答から）", "days": 10, "business_days": True,
                                  "count_from": "next_day", "extend_if_closed": False}
    definition = get_definition(KEY)
    assert definition.title == "工事成績評定の期限"
    assert "国土交通省" in definition.basis and "鳥取県" in definition.basis and "指名停止" not in definition.basis


def test_counting_across_year_end_and_a_holiday(db_session):
    # 10 business days from Fri 2026-12-25: 12/28, (12/29–1/3 closed) 1/4–1/8, (1/9–1/11 weekend + 成人の日) 1/12–1/15
    assert _deadline(db_session, "objection", date(2026, 12, 25)) == date(2027, 1, 15)
    # 14 calendar days counted from the day of notification (MLIT): holidays included
    assert _deadline(db_session, "explanation_request", date(2026, 4, 1)) == date(2026, 4, 14)


def test_versions_change_the_count(db_session, admin):
    rules.add_rule_version(db_session, admin, "deadlines", date(2026, 12, 1), {"year_end_closure": False},
                           "条例改正（テスト）")
    values = get_rule(db_session, KEY, date(2027, 4, 1))
    values["items"]["explanation_request"]["extend_if_closed"] = True
    rules.add_rule_version(db_session, admin, KEY, date(2026, 12, 1), values, "要領改正（テスト）")
    # no year-end closure: 12/29 counts as a business day
    assert _deadline(db_session, "objection", date(2026, 12, 25)) == date(2027, 1, 12)
    # 14 days from 12-06 end on Sat 12-19 → extended to Mon 12-21
    assert _deadline(db_session, "explanation_request", date(2026, 12, 6)) == date(2026, 12, 21)
    # the older version still applies to earlier start days
    assert _deadline(db_session, "explanation_request", date(2026, 11, 7)) == date(2026, 11, 20)


def test_holidays_of_the_next_year_are_needed(db_session, admin):
    with pytest.raises(HolidaysMissing, match="2028年の休日が登録されていない"):
        _deadline(db_session, "objection", date(2027, 12, 24))
    rules.add_national_holidays(db_session, admin, year=2028, vernal_equinox=date(2028, 3, 20),
                                autumnal_equinox=date(2028, 9, 22))
    assert _deadline(db_session, "objection", date(2027, 12, 24)) == date(2028, 1, 14)


def test_the_rule_page_counts_from_the_chosen_day(admin_client):
    assert "工事成績評定の期限" in page_text(admin_client.get("/admin/rules/"))
    html = page_text(admin_client.get(f"/admin/rules/{KEY}?on=2026-12-25"))
    assert "令和9年1月15日（金）" in html and "不服申立て" in html
