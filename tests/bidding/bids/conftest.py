"""Fixtures of the e-bid import tests: the sample file, its departments and firms, the kind and a runner."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.importing import profiles
from core.importing.kinds import get_kind
from core.importing.runner import run_import

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "ebid_results.csv"
#: The departments named by the sample's 案件番号 (2025-310-0001 → 310).
DEPARTMENTS = {"110": "土木課", "120": "道路課", "130": "河川港湾課", "210": "建築課", "310": "上下水道局工務課",
               "410": "教育総務課", "510": "農林漁港整備課"}
# Columns of the sample: 案件番号,案件名称,入札方式,開札日,予定価格,最低制限価格,業者番号,業者名称,入札回数,入札金額,結果
NUMBER, NAME, METHOD, OPENING, PLANNED, FLOOR, FIRM, FIRM_NAME, ROUND, AMOUNT, RESULT = range(11)


def sample_rows() -> list[list[str]]:
    """The sample's rows as cells; [0] is the header (spreadsheet row 1), [n - 1] is row n."""
    return list(csv.reader(io.StringIO(SAMPLE.read_bytes().decode("cp932"))))


def encode(rows: list[list[str]], encoding: str = "cp932") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def rows_of(rows: list[list[str]], number: str) -> list[int]:
    """Indexes in ``rows`` of the case ``number``'s rows."""
    return [i for i, cells in enumerate(rows) if cells[NUMBER] == number]


@pytest.fixture
def departments(db_session, create_department, doboku) -> dict:
    """The sample's departments by code (110 is the bidding tests' 土木課)."""
    return {code: doboku if code == "110" else create_department(code=code, name=name)
            for code, name in DEPARTMENTS.items()}


@pytest.fixture
def firms(db_session, create_contractor) -> dict:
    """The sample's firms by 業者番号, each with a 法人番号 made from its number."""
    made = {}
    for cells in sample_rows()[1:]:
        number, name = cells[FIRM], cells[FIRM_NAME]
        if number not in made:
            made[number] = create_contractor(name, number=number, corporate_number=f"1{number}000000")
    return made


@pytest.fixture
def kind(app):
    return get_kind("ebid_results")


@pytest.fixture
def run(db_session, kind):
    """``run(data, actor=None, dry_run=False, create=False, skip_rejected=False, profile=None)`` → the report."""

    def _run(data: bytes, actor=None, *, dry_run=False, create=False, skip_rejected=False, profile=None,
             file_name="ebid_results.csv"):
        name, settings = profiles.get_settings(db_session, kind, profile)
        return run_import(db_session, actor, kind, data=data, file_name=file_name, profile_name=name,
                          settings=settings, dry_run=dry_run, skip_rejected=skip_rejected,
                          options={"create_missing_cases": create})

    return _run


@pytest.fixture
def imported(departments, firms, run):
    """The sample imported once, its 20 cases registered from the file."""
    report = run(SAMPLE.read_bytes(), create=True)
    assert report.committed and report.new == 99, report.rejected[:5]
    return report
