"""Helpers of the price tests: breakdowns by name and new rule versions a city would add."""

from __future__ import annotations

import pytest

from core.rules.queries import get_rule
from core.rules.services import add_rule_version


def works(direct: int, common: int, site: int, general: int) -> dict[str, int]:
    return {"direct_cost": direct, "common_temporary": common, "site_management": site, "general_admin": general}


@pytest.fixture
def add_version(db_session, admin):
    """``add_version(key, day, **changes)``: store a version of ``key`` from ``day`` = the one in force then, changed."""

    def _add(key: str, day, note: str = "テストのための改正", **changes):
        values = {**get_rule(db_session, key, day), **changes}
        return add_rule_version(db_session, admin, key, day, values, note)

    return _add
