"""Budget services called directly: the amount rule's one owner, the permission checks, and the database backing
the key and the amount rule."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bidding.budget.models import BudgetLine
from bidding.budget.services import check_amounts, flag_absent_lines, import_budget_line, record_line_imports
from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.history import BulkWriter
from core.importing.models import ImportBatch
from core.timefmt import today
from tests.bidding.budget.conftest import make_line

VALUES = {"fiscal_year": 2025, "account_code": "01", "chapter_code": "08", "section_code": "01", "item_code": "01",
          "project_code": "", "subitem_code": "14", "detail_code": "", "chapter_name": "土木費",
          "current_amount": 1000, "executed_amount": 300, "remaining_amount": 700}


def test_check_amounts():
    assert check_amounts(1000, 300, 700) == {}
    assert check_amounts(1000, 1200, -200) == {}  # an overrun the finance system reports is kept as it is
    [message] = check_amounts(1000, 300, 600)["remaining_amount"]
    assert "執行残額 600 円" in message and "1,000 − 300 = 700 円" in message
    assert set(check_amounts(-1, 0, -1)) == {"current_amount"}
    assert set(check_amounts(10, 0, 10, allotted=-5)) == {"allotted_amount"}


def test_import_budget_line_creates_then_updates_by_key(db_session, departments):
    writer = BulkWriter(db_session, None)
    line = import_budget_line(writer, departments["110"], dict(VALUES))
    writer.write()
    again = BulkWriter(db_session, None)
    again.load(BudgetLine, {line.key: db_session.get(BudgetLine, line.id)})
    same = import_budget_line(again, departments["110"], {**VALUES, "chapter_name": None, "executed_amount": 400,
                                                          "remaining_amount": 600})
    again.write()
    assert same.id == line.id and (same.chapter_name, same.executed_amount) == ("土木費", 400)


def test_import_budget_line_refuses_amounts_and_other_roles(db_session, departments, create_user):
    with pytest.raises(ValidationFailed) as caught:
        import_budget_line(BulkWriter(db_session, None), departments["110"], {**VALUES, "remaining_amount": 1})
    assert "remaining_amount" in caught.value.errors
    viewer = create_user(Role.VIEWER)
    with pytest.raises(PermissionDenied):
        import_budget_line(BulkWriter(db_session, viewer), departments["110"], dict(VALUES))


def test_flag_absent_lines_keeps_the_first_day(db_session, departments, create_user):
    line = make_line(db_session, departments["110"])
    batch = ImportBatch(kind="budget", profile_name="財務会計（標準）", file_name="b.csv", file_sha256="0" * 64)
    db_session.add(batch)
    db_session.flush()
    assert flag_absent_lines(db_session, None, batch, [line], today()) == 1
    assert flag_absent_lines(db_session, None, batch, [line], today().replace(year=today().year + 1)) == 0
    assert line.absent_since == today() and line.absent_batch_id == batch.id
    staff = create_user(Role.DEPARTMENT_STAFF)
    with pytest.raises(PermissionDenied):
        flag_absent_lines(db_session, staff, batch, [line], today())
    with pytest.raises(PermissionDenied):
        record_line_imports(db_session, staff, batch, [])


def test_the_database_backs_the_key_and_the_amount_rule(db_session, departments):
    make_line(db_session, departments["110"])
    with pytest.raises(IntegrityError), db_session.begin_nested():
        make_line(db_session, departments["110"])
    make_line(db_session, departments["110"], detail_code="01")  # another 細節 is another line
    with pytest.raises(IntegrityError), db_session.begin_nested():
        make_line(db_session, departments["120"], remaining_amount=1)


def test_who_may_view_a_line_and_import(db_session, departments, create_user):
    from bidding.budget.permissions import can_import_budget, can_view_budget_line

    line = make_line(db_session, departments["110"])
    assert can_view_budget_line(create_user(Role.CONTRACT_STAFF), line)
    assert can_view_budget_line(create_user(Role.VIEWER), line)
    assert can_view_budget_line(create_user(Role.INSPECTOR, department=departments["110"]), line)
    assert not can_view_budget_line(create_user(Role.INSPECTOR, department=departments["120"]), line)
    assert not can_view_budget_line(create_user(Role.DEPARTMENT_STAFF, department=departments["120"]), line)
    assert not can_view_budget_line(create_user(Role.APPLICANT), line)
    assert can_import_budget(None) and can_import_budget(create_user(Role.SYSTEM_ADMIN))
    assert not can_import_budget(create_user(Role.INSPECTOR, department=departments["110"]))
