"""The 予算科目 list's CSV and Excel exports: the filtered lines in the import's own column names (so a file can be
compared with, or imported back from, the export), and in Excel a second sheet with the totals of every level."""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session

from core.csvexport import csv_response

# The streaming writer is a renderer with no feature knowledge; importing it points no rule upward.
from exports.render.xlsx_stream import xlsx_response

from . import queries
from .listing import export_level_rows
from .queries import Filters

HEADER = ["年度", "会計", "会計名", "款", "款名", "項", "項名", "目", "目名", "事業", "事業名", "節", "節名", "細節", "細節名",
          "所管課コード", "所管課名", "予算現額", "配当額", "執行済額", "執行残額", "最新の取込になし（その取込の日）"]
LEVEL_HEADER = ["区分", "年度", "会計", "款", "項", "目", "節", "名称", "予算現額", "配当額", "執行済額", "執行残額", "科目数"]


def _rows(session: Session, user, f: Filters):
    stmt, _ = queries.line_list(user, f)
    for line in session.scalars(stmt.execution_options(yield_per=500)):
        yield [line.fiscal_year, line.account_code, line.account_name, line.chapter_code, line.chapter_name,
               line.section_code, line.section_name, line.item_code, line.item_name, line.project_code,
               line.project_name, line.subitem_code, line.subitem_name, line.detail_code, line.detail_name,
               line.department.code, line.department.name, line.current_amount, line.allotted_amount,
               line.executed_amount, line.remaining_amount, line.absent_since]


def export_response(session: Session, user, f: Filters, fmt: str) -> Response:
    """The lines ``user`` may read matching ``f`` as CSV (dates ISO) or Excel (amounts as numbers)."""
    if fmt == "csv":
        return csv_response("予算科目一覧", HEADER, (
            [*row[:-1], row[-1].isoformat() if row[-1] else ""] for row in _rows(session, user, f)))
    return xlsx_response([
        ("予算科目", HEADER, {3: 14, 5: 20, 7: 20, 9: 20, 11: 20, 13: 20, 15: 20, 17: 18, 18: 16, 19: 16, 20: 16, 21: 16,
                          22: 18}, _rows(session, user, f)),
        ("集計", LEVEL_HEADER, {8: 24, 9: 16, 10: 16, 11: 16, 12: 16}, export_level_rows(session, user, f)),
    ], "予算科目一覧")
