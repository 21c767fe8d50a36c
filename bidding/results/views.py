"""The results page (入札結果): the opened cases of a 年度 and period as the city publishes them, with filters,
sort, pages, and the published CSV (UTF-8 with BOM or CP932), Excel and the printed 入札結果一覧 of the same
filters. The rows, the 事後公表 rule and the CSV are ``queries`` and ``export``'s (the command line uses them too).

Scope: as the case list — department staff see their own department's results, other roles the whole city's.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from bidding.cases.permissions import VIEW_ROLES
from bidding.cases.queries import department_choices
from bidding.cases.queries import fiscal_years as case_years  # every 年度 with cases (an index read)
from core.audit.services import record_export
from core.auth.models import Department
from core.db import db
from core.formtools import choices
from core.jp import fiscal_year, fiscal_year_label
from core.pagination import parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import transaction
from exports.download import content_disposition
from exports.render.xlsx_stream import xlsx_response  # a renderer without feature knowledge (as the case list's)

from . import queries
from .export import ENCODING_LABELS, ENCODINGS, HEADER, csv_chunks, typed_record
from .forms import ResultFilterForm

bp = Blueprint("results", __name__)
TITLE = "入札結果"
WIDTHS = {1: 16, 2: 40, 3: 16, 4: 24, 5: 12, 6: 14, 7: 14, 8: 9, 9: 14, 10: 30, 11: 14, 12: 9, 13: 8}


def _form() -> ResultFilterForm:
    args = request.args.copy()
    if "fiscal_year" not in args:  # opened without a 年度: this 年度's results
        args["fiscal_year"] = str(fiscal_year(today()))
    form = ResultFilterForm(args)
    years = sorted(set(case_years(db.session)) | {fiscal_year(today())}, reverse=True)
    form.fiscal_year.choices = choices([(0, "すべて")] + [(y, f"{y} 年度（{fiscal_year_label(y)}）") for y in years])
    form.department_id.choices = choices([(0, "すべて")] + department_choices(db.session, current_user))
    return form


def _filters(form: ResultFilterForm) -> queries.ResultFilters:
    form.validate()
    first, last = form.opening_from.data, form.opening_to.data
    if first and last and last < first and not form.opening_to.errors:
        form.opening_to.errors = [*form.opening_to.errors, "開札日（まで）は開札日（から）以降の日付にしてください。"]

    def ok(field):
        return field.data if not field.errors else None

    return queries.ResultFilters(
        fiscal_year=ok(form.fiscal_year) or None, opening_from=ok(form.opening_from), opening_to=ok(form.opening_to),
        department_id=ok(form.department_id) or None, method=form.method.data or None,
        result=form.result.data or None, q=(form.q.data or "").strip() or None,
        sort=queries.sort_key(request.args.get("sort")))


@bp.route("/results")
@roles_required(*VIEW_ROLES)
def result_list():
    """Opened cases with their results; ``format=csv`` (``encoding=cp932`` for Shift_JIS) or ``format=xlsx``
    downloads the filtered rows in the published columns."""
    form = _form()
    filters = _filters(form)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _download(filters, fmt)
    page = queries.result_page(db.session, current_user, filters, parse_page(request.args.get("page")),
                               current_app.config["PAGE_SIZE"])
    report_args = {k: v for k, v in (
        ("fiscal_year", filters.fiscal_year), ("opening_from", filters.opening_from),
        ("opening_to", filters.opening_to), ("result", filters.result)) if v}
    department = db.session.get(Department, filters.department_id) if filters.department_id else None
    if department is not None:
        report_args["department"] = department.code
    return render_template("bidding/results/list.html", page=page, filters=form, sort=filters.sort,
                           report_args=report_args, encodings=ENCODING_LABELS)


def _download(filters: queries.ResultFilters, fmt: str) -> Response:
    encoding = request.args.get("encoding") if request.args.get("encoding") in ENCODINGS else "utf-8"
    filters.sort = "opening"  # the published order: by 開札日
    label = "Excel" if fmt == "xlsx" else f"CSV（{ENCODING_LABELS[encoding]}）"
    with transaction():
        record_export(db.session, current_user, TITLE, request.args.to_dict(), file_format=label)
    # Read now: the download streams after the request's session has closed.
    rows = list(queries.result_rows(db.session, current_user, filters))
    if fmt == "xlsx":
        return xlsx_response([(TITLE, HEADER, WIDTHS, (typed_record(r) for r in rows))], TITLE)
    charset = "utf-8" if encoding == "utf-8" else "shift_jis"
    response = Response(stream_with_context(csv_chunks(rows, encoding)), content_type=f"text/csv; charset={charset}")
    response.headers["Content-Disposition"] = content_disposition(TITLE, "csv")
    return response
