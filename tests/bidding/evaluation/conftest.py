"""Helpers of the 総合評価 tests: bidders by name and new rule versions a city would add."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.evaluation import Bidder, evaluate
from core.rules.queries import get_rule
from core.rules.services import add_rule_version

DAY = date(2026, 5, 29)


def bidder(key: str, amount: int, added, structure=0, **kw) -> Bidder:
    return Bidder(key=key, amount=amount, added=added, structure=structure, **kw)


def division(session, bidders, on=DAY, planned: int = 30_000_000):
    return evaluate(session, on=on, method="division", planned=planned, design_amount=None, survey_price=None,
                    bidders=bidders)


def addition(session, bidders, on=DAY, planned: int = 20_000_000, design: int | None = 18_000_000,
             survey: int | None = 17_000_000):
    return evaluate(session, on=on, method="addition", planned=planned, design_amount=design, survey_price=survey,
                    bidders=bidders)


def by_key(result) -> dict:
    return {row.key: row for row in result.rows}


@pytest.fixture
def add_version(db_session, admin):
    """``add_version(key, day, **changes)``: store a version of ``key`` from ``day`` = the one in force then, changed."""

    def _add(key: str, day, note: str = "テストのための改正", **changes):
        values = {**get_rule(db_session, key, day), **changes}
        return add_rule_version(db_session, admin, key, day, values, note)

    return _add
