"""The contractor list's statements are built once per combination of filters and run with each request's values
(``registry.contractors.queries.kept_list``): another value of the same filters must find what a statement built
for it finds, and no value may be built into a kept statement."""

from __future__ import annotations

from datetime import date

import pytest

from core.pagination import paginate
from registry.contractors import queries
from registry.contractors.models import Contractor

#: Filters, in pairs of the same combination with other values, and the test firms each finds.
FILTERS = [
    ({"work_type_code": "010", "rank": "A"}, {"8801"}),
    ({"work_type_code": "010", "rank": "C"}, {"8803"}),
    ({"work_type_code": "020", "rank": "B", "status": "active"}, {"8801"}),
    ({"work_type_code": "020", "rank": "B", "status": "lapsed"}, {"8802"}),
    ({"q": "見本建設"}, {"8801"}),
    ({"q": "別建設"}, {"8803"}),
    ({"q": "見本"}, {"8801", "8802"}),
    ({"q": "別"}, {"8803"}),
    ({"q": "8801"}, {"8801"}),
    ({"q": "8803"}, {"8803"}),
    ({"area": "near", "status": "lapsed"}, {"8802"}),
    ({"area": "city", "status": "lapsed"}, set()),
    ({"category": "construction", "period": date(2026, 1, 10), "sort": "-name"}, {"8801", "8802", "8803"}),
    ({"category": "construction", "period": date(2020, 1, 10), "sort": "-name"}, set()),
    ({"suspended": "no", "status": "active", "sort": "area"}, {"8801", "8803"}),
    ({"suspended": "no", "status": "lapsed", "sort": "area"}, {"8802"}),
]


@pytest.fixture
def firms(create_contractor):
    # registered 2025-04-01〜2027-03-31
    return [create_contractor("見本建設株式会社", number="8801", work_types={"010": "A", "020": "B"}),
            create_contractor("株式会社見本", number="8802", area="near", status="lapsed", work_types={"020": "B"}),
            create_contractor("別建設", number="8803", work_types={"010": "C"})]


def _fresh_ids(db_session, filters: dict) -> list[int]:
    return list(db_session.scalars(queries.search_contractors(eager=False, **filters)
                                   .with_only_columns(Contractor.id)))


def test_a_kept_statement_finds_what_a_fresh_one_finds(db_session, firms):
    for filters, numbers in FILTERS:
        kept, values = queries.kept_list(eager=False, **filters)
        page = paginate(db_session, kept.select, 1, 500, scalars=False, params=values,
                        statements=(kept.count, kept.page))
        assert [row.id for row in page.items] == _fresh_ids(db_session, filters), filters
        assert {row.number for row in page.items} & {"8801", "8802", "8803"} == numbers, filters


def test_the_same_filters_with_other_values_share_one_statement():
    first, values = queries.kept_list(eager=False, work_type_code="010", rank="A")
    second, other = queries.kept_list(eager=False, work_type_code="130", rank="C")
    assert second is first
    assert (values["work_type_code"], other["work_type_code"]) == ("010", "130")
    assert queries.kept_list(eager=False, work_type_code="010")[0] is not first  # another combination


def test_a_value_built_into_a_kept_statement_is_refused(monkeypatch):
    build = queries._build

    def with_a_literal(q, filters, values):
        return build(q, filters, values).where(Contractor.number != "0000")

    monkeypatch.setattr(queries, "_build", with_a_literal)
    monkeypatch.setattr(queries, "_kept", {})
    with pytest.raises(RuntimeError, match="value outside the kept values"):
        queries.kept_list(eager=False, area="city")

