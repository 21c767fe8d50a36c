"""Helpers of the past-grades tests: the sample file, small hand-made files and a runner for the ``grades`` kind."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from core.importing import profiles
from core.importing.kinds import get_kind
from core.importing.runner import run_import

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "past_grades.csv"
HEADER = ["契約番号", "工事名", "業者番号", "評定点", "完成日", "業種コード", "担当課コード", "最終契約金額"]


def grades_file(rows: list[dict], header: list[str] = HEADER, encoding: str = "cp932") -> bytes:
    """A file of the export's layout; each row a dict by header (missing cells empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def grade_row(number: str = "K2020-101110", **cells) -> dict:
    """A valid row of the legacy registry's firm 100017 (土木一式), 土木課."""
    row = {"契約番号": number, "工事名": "中関地区道路改良工事", "業者番号": "100017", "評定点": "78",
           "完成日": "令和2年12月10日", "業種コード": "010", "担当課コード": "110", "最終契約金額": "33,000,000"}
    row.update(cells)
    return row


def run_grades(session, data: bytes, *, actor=None, dry_run=False, skip_rejected=False, profile=None,
               file_name="past_grades.csv"):
    kind = get_kind("grades")
    name, settings = profiles.get_settings(session, kind, profile)
    return run_import(session, actor, kind, data=data, file_name=file_name, profile_name=name, settings=settings,
                      dry_run=dry_run, skip_rejected=skip_rejected)
