"""The 年度 choices of the list filters (``bidding.cases.queries.fiscal_years``): every year with a case, newest first,
each once, skipping years without one."""

from __future__ import annotations

from bidding.cases.queries import fiscal_years


def test_years_with_cases_newest_first(db_session, make_case, kenchiku):
    assert fiscal_years(db_session) == []
    make_case(charge=False)  # drafted in 年度 2026
    for year, department in ((2023, None), (2023, kenchiku), (2020, None)):
        make_case(charge=False, department=department).fiscal_year = year
    db_session.flush()
    assert fiscal_years(db_session) == [2026, 2023, 2020]
