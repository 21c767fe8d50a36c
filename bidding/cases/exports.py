"""The case list's CSV and Excel exports: the filtered cases with their amounts as numbers and dates as dates."""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session

from core.csvexport import csv_response

# The streaming writer is a renderer with no feature knowledge; importing it points no rule upward.
from exports.render.xlsx_stream import xlsx_response
from registry.codes import work_types

EXPORT_HEADER = ["案件番号", "年度", "件名", "担当課", "区分", "業種", "入札方式", "工事場所", "設計金額", "予定価格（税抜）",
                 "最低制限価格等の種類", "最低制限価格等", "予定価格の公表", "起案日", "公告日・指名通知日", "開札日時",
                 "工期（日数）", "工期（開始）", "工期（終了）", "状態", "決裁"]
WIDTHS = {1: 16, 3: 40, 4: 20, 6: 20, 7: 26, 8: 30, 16: 18}


def case_row(case, titles: dict, for_csv: bool) -> list:
    """One case as the columns of ``EXPORT_HEADER`` (also the 入札案件一覧 report's rows)."""

    def day(value):
        if value is None:
            return ""
        return value.isoformat() if for_csv else value

    opening = case.opening_at.strftime("%Y-%m-%d %H:%M") if case.opening_at else ""
    return [case.number, case.fiscal_year, case.name, case.department.name, case.category_label,
            f"{case.work_type_code} {titles.get(case.work_type_code, '')}".strip(), case.method_label, case.place or "",
            case.design_amount, case.planned_price, case.floor_label, case.floor_price, case.disclosure_label,
            day(case.drafted_on), day(case.notice_on), opening, case.work_days, day(case.work_from),
            day(case.work_to), case.state_label, case.approval_label]


def export_response(session: Session, stmt, fmt: str) -> Response:
    """The filtered cases (``stmt`` of ``queries.case_list``) as a CSV or Excel download."""
    titles = {code: wt.title for code, wt in work_types(session).items()}
    # Read now: the download streams after the request's session has closed.
    cases = list(session.scalars(stmt).unique())
    if fmt == "csv":
        return csv_response("入札案件一覧", EXPORT_HEADER, (case_row(c, titles, True) for c in cases))
    return xlsx_response([("入札案件一覧", EXPORT_HEADER, WIDTHS, (case_row(c, titles, False) for c in cases))],
                         "入札案件一覧")
