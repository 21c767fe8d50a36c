"""Fixtures of the budget tests: the sample's departments, the import kind, a runner and line factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.importing import profiles
from core.importing.kinds import get_kind
from core.importing.runner import run_import

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "budget_2025.csv"
#: The sample's 所管課 (code → name).
SAMPLE_DEPARTMENTS = {"110": "土木課", "120": "道路課", "130": "河川港湾課", "210": "建築課", "310": "上下水道局工務課",
                      "410": "教育総務課", "510": "農林漁港整備課"}


def sample_text() -> str:
    return SAMPLE.read_bytes().decode("cp932")


def sample_lines() -> list[str]:
    """The sample's lines; [0] is the header (spreadsheet row 1), [n - 1] is row n."""
    return sample_text().splitlines()


def encode(lines: list[str], encoding: str = "cp932") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def replace_cell(line: str, column: int, value: str) -> str:
    cells = line.split(",")
    cells[column] = value
    return ",".join(cells)


@pytest.fixture
def departments(db_session, create_department) -> dict:
    """The sample's departments by code."""
    return {code: create_department(code=code, name=name) for code, name in SAMPLE_DEPARTMENTS.items()}


@pytest.fixture
def kind(app):
    return get_kind("budget")


@pytest.fixture
def run(db_session, kind):
    """``run(data, actor=None, dry_run=False, skip_rejected=False, file_name=...)`` → the import report."""

    def _run(data: bytes, actor=None, *, dry_run=False, skip_rejected=False, file_name="budget_2025.csv"):
        name, settings = profiles.get_settings(db_session, kind, None)
        return run_import(db_session, actor, kind, data=data, file_name=file_name, profile_name=name,
                          settings=settings, dry_run=dry_run, skip_rejected=skip_rejected)

    return _run


@pytest.fixture
def imported(departments, run):
    """The sample imported once (27 lines)."""
    report = run(SAMPLE.read_bytes())
    assert report.committed and report.new == 27, report.rejected
    return report


def make_line(session, department, **fields):
    """A budget line inserted directly (the import is tested on its own): 2025 01-08-01-01-14 by default."""
    from bidding.budget.models import BudgetLine

    values = {"fiscal_year": 2025, "account_code": "01", "account_name": "一般会計", "chapter_code": "08",
              "chapter_name": "土木費", "section_code": "01", "item_code": "01", "project_code": "", "subitem_code": "14",
              "subitem_name": "工事請負費", "detail_code": "", "current_amount": 1000, "executed_amount": 400,
              "remaining_amount": 600, **fields}
    line = BudgetLine(department_id=department.id, **values)
    session.add(line)
    session.flush()
    return line
