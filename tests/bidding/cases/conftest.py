"""Fixtures of the case tests: for the legacy case import (CM12), the sample's departments and firms, a runner and
row edits."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.importing import profiles
from core.importing.kinds import get_kind
from core.importing.runner import run_import

DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLE = DATA / "legacy_cases.csv"
CONTRACTORS = DATA / "legacy_contractors.csv"
LINES = SAMPLE.read_bytes().decode("cp932").splitlines()  # LINES[0] is the header = row 1; LINES[n - 1] is row n
HEADER = LINES[0].split(",")
DEPARTMENTS = {"110": "土木課", "120": "道路課", "130": "河川港湾課", "210": "建築課", "310": "上下水道局工務課",
               "410": "教育総務課", "510": "農林漁港整備課"}


def col(name: str) -> int:
    return HEADER.index(name)


def edit(line: str, **cells) -> str:
    """``line`` with the named columns (by header) replaced, quoted as CSV needs (``1,234`` → ``"1,234"``):
    ``edit(line, 契約金額="1")``."""
    values = next(csv.reader([line]))
    for name, value in cells.items():
        values[col(name)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def cell(line: str, name: str) -> str:
    return next(csv.reader([line]))[col(name)]


def encode(lines: list[str], encoding: str = "cp932") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(session, data: bytes, *, actor=None, dry_run=False, skip_rejected=False, kind_name="cases",
        file_name="legacy_cases.csv"):
    kind = get_kind(kind_name)
    name, settings = profiles.get_settings(session, kind, None)
    return run_import(session, actor, kind, data=data, file_name=file_name, profile_name=name, settings=settings,
                      dry_run=dry_run, skip_rejected=skip_rejected)


@pytest.fixture
def legacy_registry(db_session, create_department):
    """The sample's departments and the legacy firms (imported by the ``contractors`` kind first, as the city does)."""
    departments = {code: create_department(code=code, name=name) for code, name in DEPARTMENTS.items()}
    report = run(db_session, CONTRACTORS.read_bytes(), kind_name="contractors", file_name="legacy_contractors.csv")
    assert report.committed and not report.rejected_rows, report.rejected[:3]
    return departments


@pytest.fixture
def imported(db_session, legacy_registry):
    """The sample migrated once (60 cases)."""
    report = run(db_session, SAMPLE.read_bytes())
    assert report.committed and report.new == 60, report.rejected[:3]
    return report


def case_of(session, number: str):
    from sqlalchemy import select

    from bidding.cases.models import TenderCase

    return session.scalar(select(TenderCase).where(TenderCase.number == number))


def row(number: str) -> str:
    """The sample's line of a case."""
    return next(line for line in LINES if line.startswith(number + ","))
