"""予算科目 screens (SPEC CM7): the list by 年度・会計・款・所管課 with subtotals per 款・項・目・節 (or one level's
totals), CSV/Excel export; a line's detail with its import history, and its 履歴 tab. Lines come from the finance
system's file only (「データ取込」, kind ``budget``): nothing here changes them.

Other aggregates add a section to a line's detail (a tender case: the cases charged to the line) with
``register_detail_section(app, template, context)`` from their ``init_app``; the detail page renders each
registered template after the amounts, with what ``context(session, user, line)`` returns.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.auth.roles import Role
from core.db import db
from core.formtools import choices
from core.history_views import render_history
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.transaction import transaction

from . import queries
from .exports import export_response
from .forms import LEVEL_CHOICES, LineFilterForm
from .listing import LineRow, level_page_rows, line_page_rows
from .models import EVENT_LABELS, BudgetLine
from .permissions import VIEW_ROLES
from .services import line_snapshot

bp = Blueprint("budget", __name__)
view_roles = roles_required(*VIEW_ROLES)
SECTIONS = "keiyaku_budget_line_sections"


def register_detail_section(app, template: str, context) -> None:
    """Show ``template`` on every line's detail page, after the amounts, with ``context(session, user, line)``
    (a dict) as its variables."""
    app.extensions.setdefault(SECTIONS, []).append((template, context))


# --- list ------------------------------------------------------------------------------------------

def _filters(form: LineFilterForm) -> tuple[queries.Filters, list[int]]:
    """The filters of the request with the choices the user may pick; the 年度 defaults to the latest one."""
    years = queries.fiscal_years(db.session, current_user)
    form.fiscal_year.choices = choices((y, queries.year_label(y)) for y in years)
    year = form.fiscal_year.data if form.fiscal_year.data in years else (years[0] if years else None)
    form.fiscal_year.data = year
    accounts = queries.accounts(db.session, current_user, year)
    form.account.choices = choices([("", "すべて")] + accounts)
    account = form.account.data if form.account.data in dict(accounts) else ""
    chapters = queries.chapters(db.session, current_user, year, account or None)
    form.chapter.choices = choices([("", "すべて")] + chapters)
    chapter = form.chapter.data if form.chapter.data in dict(chapters) else ""
    departments = queries.departments(db.session, current_user)
    form.department.choices = choices([("", "すべて")] + departments)
    department = form.department.data if form.department.data in dict(departments) else None
    absent = form.absent.data if form.absent.data in queries.ABSENT_STATES else ""
    q = (form.q.data or "").strip()[:100] or None
    return queries.Filters(year, account or None, chapter or None, department, q, absent), years


@bp.route("/budget")
@view_roles
def line_list():
    """予算科目 of a 年度 with filters (会計, 款, 所管課, 科目名, 取込の状況): lines in the classification's order
    with subtotal rows per 会計・款・項・目・節, or sorted by an amount, or the totals of one level; pagination;
    CSV and Excel export of the filtered lines (and, in Excel, the totals of every level)."""
    form = LineFilterForm(request.args)
    form.validate()
    f, years = _filters(form)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx") and years:
        with transaction():
            record_export(db.session, current_user, "予算科目一覧", request.args.to_dict(),
                          file_format="Excel" if fmt == "xlsx" else "CSV")
        return export_response(db.session, current_user, f, fmt)
    level = form.level.data if form.level.data in dict(LEVEL_CHOICES) else "line"
    per_page = current_app.config["PAGE_SIZE"]
    number = parse_page(request.args.get("page"))
    sort = ""
    if level == "line":
        stmt, sort = queries.line_list(current_user, f, request.args.get("sort"))
        page = paginate(db.session, stmt, number, per_page)
        if sort:  # sorted by an amount: groups are not together, so no subtotal rows
            rows = [LineRow(line) for line in page.items]
        else:
            rows = line_page_rows(db.session, current_user, f, page.items, _previous(stmt, page, scalars=True))
    else:
        stmt = queries.level_totals(current_user, f, level)
        page = paginate(db.session, stmt, number, per_page, scalars=False)
        rows = level_page_rows(db.session, current_user, f, level, page.items, _previous(stmt, page, scalars=False))
    total = queries.grand_total(db.session, current_user, f) if years else None
    # The import screens are the system administrator's (core.importing.views).
    can_upload = "imports.upload" in current_app.view_functions and current_user.has_role(Role.SYSTEM_ADMIN)
    return render_template("bidding/budget/list.html", filters=form, f=f, page=page, rows=rows, level=level,
                           sort=sort or "", total=total, years=years, can_upload=can_upload,
                           level_label=dict(LEVEL_CHOICES)[level],
                           year_title=queries.year_label(f.fiscal_year) if f.fiscal_year else "")


def _previous(stmt, page, *, scalars: bool):
    """The row just before the page (its groups continue on the page), or None on the first page."""
    if page.page == 1 or not page.items:
        return None
    result = db.session.execute(stmt.offset(page.first_index - 2).limit(1))
    return result.scalars().first() if scalars else result.first()


# --- one line --------------------------------------------------------------------------------------

def _line_or_404(line_id: int) -> BudgetLine:
    line = queries.get_line(db.session, current_user, line_id)
    if line is None:
        abort(404)
    return line


def _tabs(line: BudgetLine, current: str) -> list[tuple[str, str, bool]]:
    return [(label, url_for(endpoint, line_id=line.id), endpoint == current)
            for label, endpoint in (("基本情報", "bidding.budget.line_detail"), ("履歴", "bidding.budget.line_history"))]


def _breadcrumb(line: BudgetLine, here: str | None = None) -> list:
    crumbs = [("予算科目", url_for("bidding.budget.line_list", fiscal_year=line.fiscal_year)),
              (line.title, url_for("bidding.budget.line_detail", line_id=line.id) if here else None)]
    return crumbs + ([(here, None)] if here else [])


@bp.route("/budget/<int:line_id>")
@view_roles
def line_detail(line_id: int):
    """One line: classification, amounts, whether the latest import held it, what each import did to it, and
    the sections other aggregates add (``register_detail_section``)."""
    line = _line_or_404(line_id)
    sections = [(template, context(db.session, current_user, line))
                for template, context in current_app.extensions.get(SECTIONS, [])]
    return render_template("bidding/budget/detail.html", line=line, tabs=_tabs(line, "bidding.budget.line_detail"),
                           breadcrumb=_breadcrumb(line), history=queries.import_history(db.session, line.id),
                           events=EVENT_LABELS, sections=sections, year_label=queries.year_label(line.fiscal_year))


@bp.route("/budget/<int:line_id>/history")
@view_roles
def line_history(line_id: int):
    """The 履歴 tab: every change of the line (imports and flags), and its state on a chosen day."""
    line = _line_or_404(line_id)
    return render_history(db.session, table="budget_lines", record_id=line.id, current=line_snapshot(line),
                          title=f"{queries.year_label(line.fiscal_year)} {line.title}（{line.department.name}）",
                          tabs=_tabs(line, "bidding.budget.line_history"), breadcrumb=_breadcrumb(line, "履歴"))
