"""Budget reads: totals per level (会計 → 款 → 項 → 目 → 節) over the lines in scope, the list's subtotal rows,
and what tender cases call (``line_choices``, ``lines_by_ids``)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bidding.budget import queries
from bidding.budget.listing import export_level_rows, level_page_rows, line_page_rows
from bidding.budget.models import BudgetLine
from bidding.budget.queries import Filters
from core.auth.roles import Role
from tests.bidding.budget.conftest import make_line, sample_lines

YEAR = Filters(fiscal_year=2025)


def _sample_sums(width: int, department: str | None = None, column: int = 11) -> dict[tuple, int]:
    """予算現額 (``column`` 12: 執行済額) per group of the sample, the group being the first ``width`` of
    款・項・目・節."""
    sums: dict[tuple, int] = defaultdict(int)
    for line in sample_lines()[1:]:
        cells = line.split(",")
        if department and cells[9] != department:
            continue
        sums[tuple(cells[c] for c in (3, 5, 6, 7)[:width])] += int(cells[column])
    return dict(sums)


def test_totals_per_level_add_up_the_sample(db_session, imported, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    for width, level in enumerate(("chapter", "section", "item", "subitem"), start=1):
        rows = list(db_session.execute(queries.level_totals(staff, YEAR, level)))
        assert {tuple(row[2:2 + width]): row.current_amount for row in rows} == _sample_sums(width), level
    chapter = next(r for r in db_session.execute(queries.level_totals(staff, YEAR, "chapter")) if r.chapter_code == "08")
    assert (chapter.chapter_name, chapter.lines) == ("土木費", 9)
    assert chapter.executed_amount == _sample_sums(1, column=12)[("08",)]
    total = queries.grand_total(db_session, staff, YEAR)
    assert total.current_amount == sum(_sample_sums(1).values()) and total.lines == 27
    assert type(total.current_amount) is int  # int yen on both engines (PostgreSQL sums bigint as numeric)
    assert total.current_amount - total.executed_amount == total.remaining_amount


def test_totals_are_those_of_the_lines_in_scope(db_session, imported, departments, create_user):
    own = create_user(Role.DEPARTMENT_STAFF, department=departments["110"])
    rows = list(db_session.execute(queries.level_totals(own, YEAR, "chapter")))
    assert {r.chapter_code: r.current_amount for r in rows} == {k[0]: v for k, v in _sample_sums(1, "110").items()}
    inspector = create_user(Role.INSPECTOR, department=departments["210"])
    assert queries.grand_total(db_session, inspector, YEAR).lines == 3
    nobody = create_user(Role.VIEWER)
    assert queries.grand_total(db_session, nobody, YEAR).lines == 27


def test_filters_narrow_the_totals(db_session, imported, departments, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    f = Filters(fiscal_year=2025, chapter_code="08", department_id=departments["310"].id)
    total = queries.grand_total(db_session, staff, f)
    assert total.current_amount == 531496000 + 821054000 + 468395000 + 772435000 + 719074000 + 430367000
    assert queries.grand_total(db_session, staff, Filters(fiscal_year=2025, q="工事請負")).lines == 27
    assert queries.grand_total(db_session, staff, Filters(fiscal_year=2024)).lines == 0


def test_page_rows_put_each_group_total_before_its_lines(db_session, imported, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    stmt, _ = queries.line_list(staff, YEAR)
    lines = list(db_session.scalars(stmt))
    rows = line_page_rows(db_session, staff, YEAR, lines, None)
    labels = [(r.label, r.totals.current_amount) if r.is_group else r.line.id for r in rows[:6]]
    chapter06 = _sample_sums(1)[("06",)]
    assert labels[:5] == [("会計 01 一般会計", sum(_sample_sums(1).values())), ("款 06 農林水産業費", chapter06),
                          ("項 01", _sample_sums(2)[("06", "01")]), ("目 01", 451332000), lines[0].id]
    # A 節 holding one line is its own total: no 節 row in the sample.
    assert not any(r.is_group and r.level == "subitem" for r in rows)
    assert sum(1 for r in rows if not r.is_group) == 27


def test_a_page_starting_inside_a_group_says_it_continues(db_session, imported, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    stmt, _ = queries.line_list(staff, YEAR)
    lines = list(db_session.scalars(stmt))
    rows = line_page_rows(db_session, staff, YEAR, lines[4:8], lines[3])
    heads = [(r.label, r.continued) for r in rows if r.is_group]
    assert heads[:4] == [("会計 01 一般会計", True), ("款 06 農林水産業費", True), ("項 02", True), ("目 02", False)]
    # The continued rows still carry the whole group's totals.
    assert rows[1].totals.current_amount == _sample_sums(1)[("06",)]


def test_a_section_with_several_lines_gets_its_row(db_session, departments, create_user):
    make_line(db_session, departments["110"], current_amount=100, executed_amount=0, remaining_amount=100)
    make_line(db_session, departments["120"], current_amount=200, executed_amount=50, remaining_amount=150)
    staff = create_user(Role.CONTRACT_STAFF)
    stmt, _ = queries.line_list(staff, YEAR)
    rows = line_page_rows(db_session, staff, YEAR, list(db_session.scalars(stmt)), None)
    subitem = next(r for r in rows if r.is_group and r.level == "subitem")
    assert (subitem.label, subitem.totals.current_amount, subitem.totals.remaining_amount) == ("節 14 工事請負費", 300, 250)


def test_level_rows_and_the_excel_summary(db_session, imported, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    groups = list(db_session.execute(queries.level_totals(staff, YEAR, "section")))
    rows = level_page_rows(db_session, staff, YEAR, "section", groups, None)
    assert [r.level for r in rows[:4]] == ["account", "chapter", "section", "section"]
    flat = list(export_level_rows(db_session, staff, YEAR))
    assert flat[0][:3] == ["会計", 2025, "01"] and flat[1][0] == "款" and flat[2][0] == "項"
    assert sum(1 for r in flat if r[0] == "節") == 27 and flat[1][3] == "06" and flat[1][8] == _sample_sums(1)[("06",)]


def test_line_choices_label_scope_and_absent_lines(db_session, imported, departments, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    choices = dict(queries.line_choices(db_session, staff, 2025))
    assert len(choices) == 27
    assert "2025 一般会計 08土木費-03-01 14工事請負費（土木課）残 675,140,000 円" in choices.values()
    own = create_user(Role.DEPARTMENT_STAFF, department=departments["110"])
    assert len(queries.line_choices(db_session, own, 2025)) == 3
    assert len(queries.line_choices(db_session, staff, 2025, departments["120"].id)) == 3
    assert queries.line_choices(db_session, staff, 2026) == []
    line = db_session.scalars(select(BudgetLine).where(BudgetLine.department_id == departments["120"].id)).first()
    line.absent_since = line.created_at.date()
    db_session.flush()
    assert line.id not in dict(queries.line_choices(db_session, staff, 2025, departments["120"].id))


def test_lines_by_ids_in_the_classification_order(db_session, imported):
    ids = list(db_session.scalars(select(BudgetLine.id).order_by(BudgetLine.id.desc())))
    lines = queries.lines_by_ids(db_session, ids[:5] + [10**9])
    assert len(lines) == 5 and lines == sorted(lines, key=queries.hierarchy_key)
    assert queries.lines_by_ids(db_session, []) == []


def test_get_line_answers_none_outside_the_scope(db_session, departments, create_user):
    line = make_line(db_session, departments["110"])
    assert queries.get_line(db_session, create_user(Role.DEPARTMENT_STAFF, department=departments["120"]), line.id) is None
    assert queries.get_line(db_session, create_user(Role.INSPECTOR, department=departments["110"]), line.id) is line
