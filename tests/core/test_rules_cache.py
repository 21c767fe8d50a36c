"""Rules are read once per transaction (core.rules.queries.cached_in_transaction) and, while no process stores a
version, once per process (``cached_for_rules``: one small stamp query per transaction tells); a version stored
in the same session, or by another process, is seen at once."""

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, insert

from core.db import utcnow
from core.rules import get_rule, rule_in_force
from core.rules.models import RuleVersion
from core.rules.queries import shared_rule
from core.rules.services import add_rule_version
from registry.codes import work_type_options, work_types

DAY = date(2026, 11, 20)


@pytest.fixture
def rule_reads(db_session):
    """The number of SELECTs of rule versions (not the stamp) run through the test's connection so far."""
    engine = db_session.get_bind().engine
    count = [0]

    def _count(_conn, _cursor, statement, *_args):
        if "FROM rule_versions" in statement and "count(" not in statement:
            count[0] += 1

    event.listen(engine, "before_cursor_execute", _count)
    yield count
    event.remove(engine, "before_cursor_execute", _count)


def test_a_rule_is_read_once_per_transaction(db_session, rule_reads):
    db_session.info["core.rules.wrote"] = True  # this session's reads are its own: the per-transaction cache only
    first = get_rule(db_session, "min_price.works", DAY)
    for _ in range(20):
        assert get_rule(db_session, "min_price.works", DAY) == first
    work_types(db_session, DAY)
    work_type_options(db_session, "construction", DAY)
    work_type_options(db_session, None, DAY)
    assert work_types(db_session, DAY)["010"].title == "土木一式工事"
    assert rule_reads[0] == 2  # min_price.works and registry.work_types, once each
    shared = shared_rule(db_session, "min_price.works", DAY)
    assert shared == first and shared is shared_rule(db_session, "min_price.works", DAY)  # no copy for readers
    get_rule(db_session, "min_price.works", date(2027, 4, 1))
    assert rule_reads[0] == 2  # another day picks from the versions read already (one read per key)


def test_resolved_rules_outlive_the_transaction_while_no_version_is_stored(db_session, rule_reads):
    first = shared_rule(db_session, "min_price.works", DAY)
    work_types(db_session, DAY)
    db_session.commit()  # the test's outer transaction stays; the session's own one ends
    reads = rule_reads[0]
    assert shared_rule(db_session, "min_price.works", DAY) is first
    assert work_types(db_session, DAY)["010"].title == "土木一式工事"
    assert rule_reads[0] == reads  # only the stamp was asked


def test_a_version_stored_by_another_process_is_seen_in_the_next_transaction(db_session, admin):
    assert get_rule(db_session, "min_price.works", DAY)["general_admin_rate"] == Decimal("68")
    db_session.commit()
    values = {**get_rule(db_session, "min_price.works", DAY), "general_admin_rate": "71"}
    values = {k: str(v) for k, v in values.items()}
    # Written as another process would: no ORM event of this process sees it, only the table changes.
    db_session.execute(insert(RuleVersion).values(
        key="min_price.works", effective_from=DAY, revision=1, value=json.dumps(values), note="別のサーバーで登録",
        created_at=utcnow(), login_id="other"))
    db_session.commit()
    assert get_rule(db_session, "min_price.works", DAY)["general_admin_rate"] == Decimal("71")


def test_callers_get_their_own_copies(db_session):
    values = get_rule(db_session, "min_price.works", DAY)
    values["general_admin_rate"] = Decimal("1")
    assert get_rule(db_session, "min_price.works", DAY)["general_admin_rate"] == Decimal("68")
    codes = work_types(db_session, DAY)
    codes.pop("010")
    assert "010" in work_types(db_session, DAY)
    options = work_type_options(db_session, None, DAY)
    options.clear()
    assert work_type_options(db_session, None, DAY)


def test_a_version_stored_in_the_session_is_read_at_once(db_session, admin):
    assert get_rule(db_session, "min_price.works", date(2027, 4, 1))["general_admin_rate"] == Decimal("68")
    values = get_rule(db_session, "min_price.works", DAY)
    values["general_admin_rate"] = Decimal("70")
    add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1), values, "令和9年度の改正")
    assert get_rule(db_session, "min_price.works", date(2027, 4, 1))["general_admin_rate"] == Decimal("70")
    assert rule_in_force(db_session, "min_price.works", date(2027, 4, 1)).revision == 1

    items = get_rule(db_session, "registry.work_types", DAY)["items"]
    assert work_types(db_session, DAY)["010"].title == "土木一式工事"
    first = next(key for key, row in items.items() if row["code"] == "010")
    items[first]["title"] = "土木一式工事（改）"
    add_rule_version(db_session, admin, "registry.work_types", DAY, {"items": items}, "名称の変更")
    assert work_types(db_session, DAY)["010"].title == "土木一式工事（改）"
    assert ("010", "010 土木一式工事（改）") in work_type_options(db_session, "construction", DAY)


def test_the_transaction_cache_ends_with_the_transaction(db_session, rule_reads):
    db_session.info["core.rules.wrote"] = True  # the per-transaction cache only
    get_rule(db_session, "min_price.works", DAY)
    db_session.commit()  # the test's outer transaction stays; the session's own one ends
    get_rule(db_session, "min_price.works", DAY)
    assert rule_reads[0] == 2
    with db_session.begin_nested():
        get_rule(db_session, "min_price.works", DAY)
        get_rule(db_session, "min_price.works", DAY)
    assert rule_reads[0] == 3


def test_a_version_added_but_not_flushed_is_never_shared(db_session, admin):
    from core.rules import queries

    db_session.commit()
    values = {k: str(v) for k, v in get_rule(db_session, "min_price.works", DAY).items()}
    values["general_admin_rate"] = "72"
    db_session.add(RuleVersion(key="min_price.works", effective_from=date(2028, 4, 1), revision=1,
                               value=json.dumps(values), note="未確定", created_at=utcnow(), login_id="x"))
    assert get_rule(db_session, "min_price.works", date(2028, 4, 1))["general_admin_rate"] == Decimal("72")
    shared = [v for entries in queries._shared.values() for v in entries.values()]
    assert not any(isinstance(v, queries.ResolvedVersion) and v.values.get("general_admin_rate") == Decimal("72")
                   for v in shared)


def test_a_full_cache_starts_again(db_session, monkeypatch):
    from core.rules import queries

    monkeypatch.setattr(queries, "_SHARED_LIMIT", 1)
    monkeypatch.setattr(queries, "_shared", {})
    db_session.commit()
    shared_rule(db_session, "min_price.works", DAY)
    db_session.commit()
    shared_rule(db_session, "min_price.works", date(2027, 4, 1))  # the second key: the entries start again
    db_session.commit()
    assert shared_rule(db_session, "min_price.works", date(2027, 4, 1))["general_admin_rate"] == Decimal("68")
    assert list(queries._shared[queries._stamp(db_session)]) == [("rule", "min_price.works", date(2027, 4, 1))]


def test_shared_built_in_values_are_not_the_definitions_own(db_session):
    from core.rules.catalogue import get_definition

    db_session.commit()
    seed_values = get_definition("min_price.works").parsed_seeds[-1][1]
    assert shared_rule(db_session, "min_price.works", DAY) is not seed_values
