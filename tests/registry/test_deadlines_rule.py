"""「業者登録の期限」(``registry.deadlines``): the start of a 指名停止 counted from its decision date."""

from datetime import date

import pytest

from core.auth.roles import Role
from core.rules import deadline_for, get_rule
from core.rules import services as rules
from core.rules.catalogue import get_definition
from registry.suspensions.services import register_suspension
from tests.helpers import page_text

THU = date(2026, 6, 4)


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF)


def _register(db_session, staff, contractor, decided):
    return register_suspension(db_session, staff, contractor, "breach", decided, 2, "months", "市発注の建設工事",
                               "契約書第10条に違反した。")


def test_suspension_starts_the_day_after_next(db_session):
    assert deadline_for(db_session, "suspension_start", date(2026, 5, 1), rule_key="registry.deadlines") == \
        date(2026, 5, 3)
    item = get_rule(db_session, "registry.deadlines", date(2026, 5, 1))["items"]["suspension_start"]
    assert item == {"label": "指名停止の始期（停止の決定日から）", "days": 2, "business_days": False,
                    "count_from": "next_day", "extend_if_closed": False}
    definition = get_definition("registry.deadlines")
    assert definition.title == "業者登録の期限" and "椎葉村" in definition.basis and "説明請求" not in definition.basis


def test_registering_a_suspension_follows_the_registry_rule(db_session, admin, staff, create_contractor):
    firm = create_contractor()
    assert _register(db_session, staff, firm, THU).starts_on == date(2026, 6, 6)  # Saturday: calendar days
    values = get_rule(db_session, "registry.deadlines", THU)
    values["items"]["suspension_start"]["extend_if_closed"] = True
    rules.add_rule_version(db_session, admin, "registry.deadlines", date(2026, 6, 1), values, "要綱改正（テスト）")
    assert _register(db_session, staff, firm, THU).starts_on == date(2026, 6, 8)  # extended to Monday


def test_the_core_closure_decides_the_year_end(db_session, admin):
    values = get_rule(db_session, "registry.deadlines", date(2026, 12, 1))
    values["items"]["suspension_start"]["extend_if_closed"] = True
    rules.add_rule_version(db_session, admin, "registry.deadlines", date(2026, 12, 1), values, "延長あり（テスト）")
    assert deadline_for(db_session, "suspension_start", date(2026, 12, 27), rule_key="registry.deadlines") == \
        date(2027, 1, 4)
    rules.add_rule_version(db_session, admin, "deadlines", date(2026, 12, 1), {"year_end_closure": False}, "条例改正")
    assert deadline_for(db_session, "suspension_start", date(2026, 12, 27), rule_key="registry.deadlines") == \
        date(2026, 12, 29)


def test_the_rules_screens_list_and_count_it(admin_client):
    html = page_text(admin_client.get("/admin/rules/"))
    assert "業者登録の期限" in html and "閉庁日と期限の数え方" in html
    html = page_text(admin_client.get("/admin/rules/registry.deadlines?on=2026-05-01"))
    assert "指名停止の始期" in html and "令和8年5月3日（日）" in html
