"""``RuleTimeline``: one rule's versions read once, giving on every day what ``get_rule`` gives (bulk work)."""

from datetime import date, timedelta

import pytest

from core.rules import RuleNotInForce, RuleTimeline, get_rule
from core.rules.services import add_rule_version


def test_every_day_as_get_rule_with_a_stored_version_and_a_revision(db_session, admin):
    base = get_rule(db_session, "contracts.terms", date(2026, 4, 1))
    add_rule_version(db_session, admin, "contracts.terms", date(2027, 4, 1), {**base, "document_threshold": 2_000_000},
                     "契約書の金額の改正")
    add_rule_version(db_session, admin, "contracts.terms", date(2027, 4, 1), {**base, "document_threshold": 2_500_000},
                     "同じ日の版の訂正", correction=True)
    timeline = RuleTimeline(db_session, "contracts.terms")
    for day in [date(2000, 1, 1), date(2027, 3, 31), date(2027, 4, 1), date(2040, 1, 1)] + [
            date(2026, 12, 1) + timedelta(days=n * 37) for n in range(20)]:
        assert timeline.values(day) == get_rule(db_session, "contracts.terms", day), day
    assert timeline.values(date(2027, 4, 1))["document_threshold"] == 2_500_000


def test_a_day_before_every_version_is_refused_as_get_rule_does(db_session):
    timeline = RuleTimeline(db_session, "contracts.terms")
    with pytest.raises(RuleNotInForce):
        timeline.values(date(1999, 12, 31))
