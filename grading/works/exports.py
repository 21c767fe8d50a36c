"""The progress board's CSV and Excel exports: the filtered works with each grader's sheet state, days since the
完成検査 and what is late (the final score of settled works only, as the board shows it)."""

from __future__ import annotations

from datetime import date

from flask import Response
from sqlalchemy.orm import Session

from core.csvexport import csv_response

# The streaming writer is a renderer with no feature knowledge; importing it points no rule upward.
from exports.render.xlsx_stream import xlsx_response
from registry.codes import work_types

from .models import ROLES, GradedWork
from .queries import graders, is_late

EXPORT_HEADER = ["契約番号", "年度", "工事名", "担当課", "受注者", "業種", "評定表", "最終契約金額", "完成検査日",
                 "完成からの日数", "入力期限", "期限切れ", "状態", *ROLES.values(), "評定点", "通知日"]
WIDTHS = {1: 16, 3: 40, 4: 20, 5: 30, 6: 20, 14: 24, 15: 24, 16: 24, 17: 24}


def _graders(work: GradedWork, role: str, day: date) -> str:
    parts = []
    for a in (a for a in graders(work) if a.role == role):
        late = "・期限切れ" if is_late(work, day) and a.state != "submitted" else ""
        parts.append(f"{a.user.name}（{a.state_label}{late}）")
    return "、".join(parts)


def work_row(work: GradedWork, titles: dict, day: date, for_csv: bool) -> list:
    def when(value):
        if value is None:
            return ""
        return value.isoformat() if for_csv else value

    return [work.contract_number, work.fiscal_year, work.name, work.department.name, work.contractor.name,
            f"{work.work_type_code} {titles.get(work.work_type_code, '')}".strip(), work.table_label,
            work.contract_amount, when(work.completed_on), (day - work.completed_on).days, when(work.due_on),
            "期限切れ" if is_late(work, day) else "", work.state_label, *(_graders(work, r, day) for r in ROLES),
            float(work.final_score) if work.final_score is not None and work.is_settled else "",
            when(work.notified_on)]


def export_response(session: Session, stmt, fmt: str, day: date) -> Response:
    """The filtered works (``queries.board``) as a CSV or Excel download."""
    titles = {code: wt.title for code, wt in work_types(session).items()}
    works = list(session.scalars(stmt).unique())  # read now: the download streams after the session closes
    if fmt == "csv":
        return csv_response("評定の進捗", EXPORT_HEADER, (work_row(w, titles, day, True) for w in works))
    return xlsx_response([("評定の進捗", EXPORT_HEADER, WIDTHS, (work_row(w, titles, day, False) for w in works))],
                         "評定の進捗")
