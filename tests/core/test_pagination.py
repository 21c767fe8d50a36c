"""Pagination reads the page first and counts only when the page cannot tell the total (full, or past the end)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from core.auth.models import Department
from core.pagination import page_statements, paginate


@pytest.fixture
def departments(db_session, create_department):
    """Seven departments whose names start with 頁 (the other tests' departments are left out by the filter)."""
    made = [create_department(name=f"頁{i}課") for i in range(7)]
    return sorted(d.id for d in made)


@pytest.fixture
def counts(db_session):
    """How many COUNT statements ran (the page statements are the others)."""
    seen = []
    engine = db_session.get_bind()

    def _before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT COUNT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    yield seen
    event.remove(engine, "before_cursor_execute", _before)


def _stmt():
    return select(Department).where(Department.name.like("頁%")).order_by(Department.id)


@pytest.mark.parametrize("number, ids, total, counted", [
    (1, slice(0, 3), 7, True),     # full page: the count says how many there are
    (2, slice(3, 6), 7, True),
    (3, slice(6, 7), 7, False),    # the last, short page: the rows before it and on it are all
    (9, slice(6, 7), 7, True),     # past the end: counted, then the last page is shown
    (0, slice(0, 3), 7, True),     # below 1: the first page
])
def test_page_total_and_when_the_count_runs(db_session, departments, counts, number, ids, total, counted):
    page = paginate(db_session, _stmt(), number, 3)
    assert [d.id for d in page.items] == departments[ids]
    assert (page.total, page.pages) == (total, 3)
    assert page.page == min(max(1, number), 3)
    assert bool(counts) is counted


def test_a_short_first_page_and_an_empty_list_need_no_count(db_session, departments, counts):
    page = paginate(db_session, _stmt(), 1, 50)
    assert (len(page.items), page.total, page.pages) == (7, 7, 1)
    empty = paginate(db_session, _stmt().where(Department.name == "無い課"), 1, 50)
    assert (empty.items, empty.total, empty.page, empty.pages) == ([], 0, 1, 1)
    assert counts == []
    past = paginate(db_session, _stmt().where(Department.name == "無い課"), 4, 50)
    assert (past.items, past.total, past.page) == ([], 0, 1) and len(counts) == 1


def test_kept_statements_run_with_the_values_given(db_session, departments):
    """A statement built once with a named parameter pages through other values (as the contractor list)."""
    from sqlalchemy import bindparam

    stmt = select(Department.id).where(Department.name.like(bindparam("prefix", "頁%"))).order_by(Department.id)
    kept = page_statements(stmt)
    first = paginate(db_session, stmt, 1, 5, scalars=False, params={"prefix": "頁%"}, statements=kept)
    assert [r.id for r in first.items] == departments[:5] and first.total == 7
    none = paginate(db_session, stmt, 1, 5, scalars=False, params={"prefix": "無%"}, statements=kept)
    assert (none.items, none.total) == ([], 0)
