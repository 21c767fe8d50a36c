"""Counting deadlines (SPEC CM13): the core closed-day rule and a deadline table, with a rule defined here only.

The deadlines of the features live in their packages' rules (``registry.deadlines``, ``grading.deadlines``);
core counts any table built with ``deadline_table`` under the closed days of the core ``deadlines`` rule.
"""

import json
from datetime import date

import pytest

from core.errors import ValidationFailed
from core.rules import deadline_for, get_rule
from core.rules import services as rules
from core.rules.builtin import deadline_table
from core.rules.calendar import BusinessCalendar, DeadlineNotDefined, HolidaysMissing, compute_deadline
from core.rules.catalogue import _RULES, RuleDefinition, SeedVersion, define_rule, get_definition
from core.rules.models import RuleVersion
from core.rules.queries import rule_in_force
from tests.helpers import page_text, rule_form_data

KEY = "test_only.deadlines"
ROWS = {
    "notice": {"label": "通知から（暦日）", "days": 14, "business_days": False, "count_from": "same_day",
               "extend_if_closed": False},
    "answer": {"label": "回答から（開庁日）", "days": 10, "business_days": True, "count_from": "next_day",
               "extend_if_closed": False},
}


@pytest.fixture
def local_rule():
    """A deadline rule of a package that does not exist: core must count it like any other."""
    definition = define_rule(RuleDefinition(
        key=KEY, title="テスト用の期限", category="期限・暦", description="テスト用の期限です。", basis="テスト用。",
        fields=(deadline_table(),), seeds=(SeedVersion(date(2000, 1, 1), {"items": ROWS}, "テスト用の初期値。"),)))
    yield definition
    _RULES.pop(KEY)


def _local(name, start, session):
    return deadline_for(session, name, start, rule_key=KEY)


def test_the_core_rule_holds_the_closed_days_only(db_session):
    definition = get_definition("deadlines")
    assert [f.name for f in definition.fields] == ["year_end_closure"]
    assert definition.title == "閉庁日と期限の数え方"
    assert get_rule(db_session, "deadlines", date(2026, 4, 1)) == {"year_end_closure": True}


def test_deadline_for_needs_the_callers_rule(db_session, local_rule):
    with pytest.raises(TypeError):
        deadline_for(db_session, "notice", date(2026, 4, 1))  # no default list of some feature's deadlines


def test_counting_across_year_end_and_a_holiday(db_session, local_rule):
    # 10 business days from Fri 2026-12-25: 12/28, (12/29–1/3 closed) 1/4–1/8, (1/9–1/11 weekend + 成人の日) 1/12–1/15
    assert _local("answer", date(2026, 12, 25), db_session) == date(2027, 1, 15)
    # 14 calendar days counted from the day itself: holidays included
    assert _local("notice", date(2026, 4, 1), db_session) == date(2026, 4, 14)


def test_the_core_closure_applies_to_a_package_rule(db_session, admin, local_rule):
    rules.add_rule_version(db_session, admin, "deadlines", date(2026, 12, 1), {"year_end_closure": False},
                           "条例改正（テスト）")
    values = get_rule(db_session, KEY, date(2026, 12, 1))
    values["items"]["notice"]["extend_if_closed"] = True
    rules.add_rule_version(db_session, admin, KEY, date(2026, 12, 1), values, "延長あり（テスト）")
    # no year-end closure: 12/29 counts as a business day
    assert _local("answer", date(2026, 12, 25), db_session) == date(2027, 1, 12)
    # 14 days from 12-06 end on Sat 12-19 → extended to Mon 12-21
    assert _local("notice", date(2026, 12, 6), db_session) == date(2026, 12, 21)
    # the older versions still apply to earlier start days
    assert _local("notice", date(2026, 11, 7), db_session) == date(2026, 11, 20)


def test_refuses_a_year_without_holidays_and_an_unknown_name(db_session, local_rule):
    with pytest.raises(HolidaysMissing, match="2028年の休日が登録されていない"):
        _local("answer", date(2027, 12, 24), db_session)
    with pytest.raises(DeadlineNotDefined, match="「テスト用の期限」に登録されていません"):
        _local("no_such_deadline", date(2027, 1, 4), db_session)
    with pytest.raises(DeadlineNotDefined, match="「閉庁日と期限の数え方」に登録されていません"):
        deadline_for(db_session, "notice", date(2027, 1, 4), rule_key="deadlines")  # the core rule has no table


def test_same_day_business_count():
    calendar = BusinessCalendar({})
    item = {"days": 1, "business_days": True, "count_from": "same_day", "extend_if_closed": False}
    assert compute_deadline(date(2026, 11, 20), item, calendar) == date(2026, 11, 20)
    assert compute_deadline(date(2026, 11, 21), item, calendar) == date(2026, 11, 23)


def test_deadline_table_rows_are_validated(db_session, admin, local_rule):
    values = {"items": [
        {"name": "notice", "label": "通知", "days": "14", "business_days": "n", "count_from": "next_day",
         "extend_if_closed": "n"},
        {"name": "notice", "label": "重複", "days": "0", "business_days": "n", "count_from": "next_day",
         "extend_if_closed": "n"},
        {"name": "", "label": "", "days": "", "business_days": "n", "count_from": "next_day", "extend_if_closed": "n"},
    ]}
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, KEY, date(2027, 4, 1), values, "x")
    assert "重複" in exc.value.errors["items-1-name"][0]
    assert "2 件目: 日数は 1〜365日の整数" in exc.value.errors["items-1-days"][0]
    assert "items-2-name" not in exc.value.errors  # a blank row is ignored


def test_an_old_shaped_stored_version_still_loads(db_session, admin_client):
    """A city that stored 「期限の日数と数え方」 before the items moved: its closure setting still applies, its
    items are ignored, and the screens show the version."""
    old = {"year_end_closure": False, "items": {"suspension_" + "start": {
        "label": "旧設定", "days": 5, "business_days": False, "count_from": "next_day", "extend_if_closed": False}}}
    db_session.add(RuleVersion(key="deadlines", effective_from=date(2026, 1, 1), revision=1,
                               value=json.dumps(old, ensure_ascii=False, sort_keys=True), note="旧版"))
    db_session.flush()
    shown = rule_in_force(db_session, "deadlines", date(2026, 12, 29))
    assert shown.values == {"year_end_closure": False} and shown.revision == 1
    from core.rules import is_business_day

    assert is_business_day(db_session, date(2026, 12, 29))
    assert admin_client.get("/admin/rules/").status_code == 200
    html = page_text(admin_client.get("/admin/rules/deadlines?on=2026-12-29"))
    assert "閉庁日として扱わない" in html and "旧版" in html
    assert admin_client.get("/admin/rules/deadlines/new").status_code == 200
    exported = admin_client.get("/admin/rules/deadlines?format=csv").get_data(as_text=True)
    assert "旧版" in exported and "旧設定" in exported  # the stored items stay readable for re-entering them


def test_deadline_table_through_the_form(admin_client, db_session, local_rule):
    values = get_rule(db_session, KEY, date(2026, 11, 20))
    data = rule_form_data(KEY, values, effective_from="2027-04-01", note="行を追加")
    rows = int(data["v-items-rows"])
    data.update({f"v-items-{rows - 1}-name": "re_notice", f"v-items-{rows - 1}-label": "再通知",
                 f"v-items-{rows - 1}-days": "10"})
    assert admin_client.post(f"/admin/rules/{KEY}/new", data=data).status_code == 302
    assert get_rule(db_session, KEY, date(2027, 4, 1))["items"]["re_notice"]["days"] == 10
    data[f"v-items-{rows - 1}-days"] = "400"
    html = page_text(admin_client.post(f"/admin/rules/{KEY}/new", data={**data, "effective_from": "2027-05-01"}))
    assert "日数は 1〜365日の整数で入力してください" in html


def test_the_rule_page_counts_each_deadline_from_the_chosen_day(admin_client, local_rule):
    html = page_text(admin_client.get(f"/admin/rules/{KEY}?on=2026-12-25"))
    assert "令和9年1月15日（金）" in html and "令和9年1月7日（木）" in html
