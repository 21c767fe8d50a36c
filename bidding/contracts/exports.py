"""The contract list's CSV and Excel exports: the filtered contracts with amounts as numbers and dates as dates."""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session

from core.csvexport import csv_response

# The streaming writer is a renderer with no feature knowledge; importing it points no rule upward.
from exports.render.xlsx_stream import xlsx_response

from .queries import ContractFilters, ContractRow, contract_rows

#: Query-string names the list and the 契約一覧 form share (the form names the 担当課 by its code, not its id).
SHARED_ARGS = ("fiscal_year", "contractor", "date_from", "date_to", "amount_min", "amount_max", "state", "approval",
               "changes", "overdue", "q", "sort")

EXPORT_HEADER = ["契約番号", "案件番号", "件名", "担当課", "契約者", "契約日", "当初契約金額（税込）", "現契約金額（税込）",
                 "変更回数", "工期自", "工期至", "完成日", "決裁", "支払済額"]
WIDTHS = {1: 14, 2: 16, 3: 40, 4: 22, 5: 30, 13: 24}


def contract_row(row: ContractRow, for_csv: bool) -> list:
    """One contract as the columns of ``EXPORT_HEADER`` (the 契約一覧 form prints some of them)."""

    def day(value):
        if value is None:
            return ""
        return value.isoformat() if for_csv else value

    return [row.number, row.case_number, row.case_name, row.department, f"{row.contractor_number} {row.contractor_name}",
            day(row.contract_date), row.amount, row.current_amount, row.changes, day(row.work_from), day(row.work_to),
            day(row.completed_on), row.approval_label, row.paid]


def export_response(session: Session, stmt, fmt: str) -> Response:
    """The filtered contracts (``stmt`` of ``queries.contract_list``) as a CSV or Excel download."""
    # Read now: the download streams after the request's session has closed.
    rows = contract_rows(session, stmt)
    if fmt == "csv":
        return csv_response("契約一覧", EXPORT_HEADER, (contract_row(r, True) for r in rows))
    return xlsx_response([("契約一覧", EXPORT_HEADER, WIDTHS, (contract_row(r, False) for r in rows))], "契約一覧")


def report_args(session: Session, form, filters: ContractFilters) -> dict[str, str]:
    """The 契約一覧 form's parameters for the list's filters, so its PDF prints what the page lists; fields with an
    error are left out, as the list leaves them out."""
    from core.auth.models import Department

    args = {name: form[name].raw_data[0] for name in SHARED_ARGS
            if name in form and form[name].raw_data and form[name].raw_data[0] and not form[name].errors}
    if filters.fiscal_year is None:
        args.pop("fiscal_year", None)
    args["sort"] = filters.sort
    if filters.overdue:
        args["overdue"] = "y"
    if filters.department_id and (department := session.get(Department, filters.department_id)) is not None:
        args["department"] = department.code
    return args
