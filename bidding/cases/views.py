"""Tender case screens: the list (filters, sort, pages, CSV/Excel), drafting and editing, the record's tabs
(概要, 価格, 履歴) and the steps (決裁, 公告, 締切, 中止, 再入札). Views parse, authorize, call a service and
render; writes go through ``core.transaction``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bidding.prices import tax_included
from core.audit.services import record_export
from core.db import db
from core.errors import PermissionDenied
from core.formtools import choices
from core.history_views import render_history
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction
from registry.codes import work_type_options, work_types

from . import queries, services
from .exports import export_response
from .forms import CaseFilterForm, CaseForm, ReasonForm, RetenderForm, StepForm
from .models import TenderCase
from .permissions import DRAFT_ROLES, VIEW_ROLES, can_create_case, can_edit_case, can_manage_case
from .tabs import case_tabs

bp = Blueprint("cases", __name__)


def get_case(case_id: int) -> TenderCase:
    """The case of a page, or 404 (missing, or another department's)."""
    case = queries.get_case(db.session, current_user, case_id)
    if case is None:
        abort(404)
    return case


# --- list ----------------------------------------------------------------------------------------------

def _filters(form: CaseFilterForm) -> queries.CaseFilters:
    valid = form.validate()
    ok = (lambda f: not f.errors) if not valid else (lambda f: True)
    return queries.CaseFilters(
        fiscal_year=form.fiscal_year.data or None if ok(form.fiscal_year) else None,
        department_id=form.department_id.data or None if ok(form.department_id) else None,
        method=form.method.data or None, category=form.category.data or None,
        work_type_code=form.work_type.data or None, state=form.state.data or None,
        opening_from=form.opening_from.data if ok(form.opening_from) else None,
        opening_to=form.opening_to.data if ok(form.opening_to) else None,
        price_min=form.price_min.data if ok(form.price_min) else None,
        price_max=form.price_max.data if ok(form.price_max) else None,
        q=(form.q.data or "").strip() or None, sort=queries.sort_key(request.args.get("sort")))


def _filter_choices(form: CaseFilterForm) -> None:
    years = queries.fiscal_years(db.session)
    form.fiscal_year.choices = choices([(0, "すべて")] + [(y, f"{y} 年度") for y in years])
    form.department_id.choices = choices([(0, "すべて")] + queries.department_choices(db.session, current_user))
    form.work_type.choices = choices([("", "すべて")] + work_type_options(db.session))


@bp.route("/cases")
@roles_required(*VIEW_ROLES)
def case_list():
    """Cases in the user's scope with filters (年度, 課, 方式, 区分, 業種, 状態, 開札日, 予定価格, 件名), sort,
    pages and CSV/Excel export of the filtered list."""
    form = CaseFilterForm(request.args)
    _filter_choices(form)
    filters = _filters(form)
    stmt = queries.case_list(current_user, filters)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        with transaction():
            record_export(db.session, current_user, "入札案件一覧", request.args.to_dict(),
                          file_format="Excel" if fmt == "xlsx" else "CSV")
        return export_response(db.session, stmt, fmt)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    titles = {code: wt.title for code, wt in work_types(db.session).items()}
    return render_template("bidding/cases/list.html", page=page, filters=form, titles=titles, sort=filters.sort,
                           can_create=can_create_case(current_user))


# --- draft and edit ------------------------------------------------------------------------------------

def _form_choices(form: CaseForm) -> None:
    form.department_id.choices = choices(queries.department_choices(db.session, current_user))
    form.work_type_code.choices = choices([("", "選んでください")] + work_type_options(db.session))


def _render_form(form: CaseForm, case: TenderCase | None, status: int = 200):
    return render_template("bidding/cases/form.html", form=form, case=case, general_errors=general_errors()), status


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required(*DRAFT_ROLES)
def case_new():
    """起案: a new case of a department the user may draft for; the 案件番号 is given on saving."""
    form = CaseForm()
    _form_choices(form)
    if request.method == "GET":
        form.drafted_on.data = today()
        if current_user.department_id and not form.department_id.data:
            form.department_id.data = current_user.department_id
    if form.validate_on_submit():
        with transaction(form) as tx:
            case = services.create_case(db.session, current_user, form.values(), fiscal_year=form.fiscal_year.data)
        if tx.ok:
            flash(f"案件を起案しました（案件番号 {case.number}）。続けて価格の欄で積算内訳を入力してください。", "success")
            return redirect(url_for("bidding.cases.case_detail", case_id=case.id))
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@roles_required(*DRAFT_ROLES)
def case_edit(case_id: int):
    """Change a draft before 決裁 (its department's staff or the contract section)."""
    case = get_case(case_id)
    if not can_edit_case(current_user, case):
        raise PermissionDenied("この案件は変更できません（決裁前の起案中の案件を、担当課か契約課が変更できます）。")
    form = CaseForm(obj=case)
    _form_choices(form)
    if request.method == "GET":
        form.allowed_ranks.data, form.allowed_areas.data = case.rank_list, case.area_list
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.update_case(db.session, current_user, case, form.values())
        if tx.ok:
            flash("案件を保存しました。", "success")
            return redirect(url_for("bidding.cases.case_detail", case_id=case.id))
    return _render_form(form, case, 422 if request.method == "POST" else 200)


# --- the record ----------------------------------------------------------------------------------------

def _render_detail(case: TenderCase, status: int = 200, **forms):
    work_type = work_types(db.session, case.drafted_on).get(case.work_type_code)
    planned_with_tax = tax_included(db.session, case.planned_price, case.price_date) \
        if case.planned_price is not None else None
    return render_template(
        "bidding/cases/detail.html", case=case, tabs=case_tabs(case.id, "bidding.cases.case_detail"),
        work_type_title=work_type.title if work_type else case.work_type_code,
        planned_with_tax=planned_with_tax, retenders=queries.retenders_of(db.session, case.id),
        can_edit=can_edit_case(current_user, case),
        can_manage=can_manage_case(current_user, case), step_form=forms.get("step_form") or StepForm(),
        cancel_form=forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        withdraw_form=forms.get("withdraw_form") or ReasonForm(prefix="withdraw"),
        retender_form=forms.get("retender_form") or RetenderForm(prefix="retender", drafted_on=today()),
        general_errors=general_errors()), status


@bp.route("/cases/<int:case_id>")
@roles_required(*VIEW_ROLES)
def case_detail(case_id: int):
    """概要 tab: the case's fields, state, 決裁 and the steps the user may take."""
    return _render_detail(get_case(case_id))


def _manage(case_id: int) -> TenderCase:
    case = get_case(case_id)
    if not can_manage_case(current_user, case):
        raise PermissionDenied("この操作は契約課の職員が行います。")
    return case


def _step(case_id: int, service, done: str):
    case = _manage(case_id)
    form = StepForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            service(db.session, current_user, case)
        if tx.ok:
            flash(done, "success")
            return redirect(url_for("bidding.cases.case_detail", case_id=case.id))
    return _render_detail(case, 422, step_form=form)


@bp.route("/cases/<int:case_id>/approve", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_approve(case_id: int):
    """決裁を記録: the case must be complete; what it lacks is listed."""
    return _step(case_id, services.approve_case, "決裁を記録しました。")


@bp.route("/cases/<int:case_id>/publish", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_publish(case_id: int):
    return _step(case_id, services.publish_case, "公告しました。")


@bp.route("/cases/<int:case_id>/close", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_close(case_id: int):
    return _step(case_id, services.close_bidding, "入札を締め切りました。")


def _with_reason(case_id: int, prefix: str, service, done: str):
    case = _manage(case_id)
    form = ReasonForm(prefix=prefix)
    if form.validate_on_submit():
        with transaction(form) as tx:
            service(db.session, current_user, case, form.reason.data)
        if tx.ok:
            flash(done, "success")
            return redirect(url_for("bidding.cases.case_detail", case_id=case.id))
    return _render_detail(case, 422, **{f"{prefix}_form": form})


@bp.route("/cases/<int:case_id>/withdraw-approval", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_withdraw_approval(case_id: int):
    return _with_reason(case_id, "withdraw", services.withdraw_approval, "決裁を取り消しました。案件を修正できます。")


@bp.route("/cases/<int:case_id>/cancel", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_cancel(case_id: int):
    return _with_reason(case_id, "cancel", services.cancel_case, "案件を中止しました。")


@bp.route("/cases/<int:case_id>/retender", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_retender(case_id: int):
    """再入札: a new draft linked to this 不調 case."""
    case = _manage(case_id)
    form = RetenderForm(prefix="retender")
    if form.validate_on_submit():
        with transaction(form) as tx:
            new = services.retender_case(db.session, current_user, case, drafted_on=form.drafted_on.data or today())
        if tx.ok:
            flash(f"再入札の案件を起案しました（案件番号 {new.number}）。", "success")
            return redirect(url_for("bidding.cases.case_detail", case_id=new.id))
    return _render_detail(case, 422, retender_form=form)


@bp.route("/cases/<int:case_id>/history")
@roles_required(*VIEW_ROLES)
def case_history(case_id: int):
    """履歴 tab: every change of the case with who and when, and its state on a chosen date."""
    case = get_case(case_id)
    return render_history(
        db.session, table="tender_cases", record_id=case.id, current=services.case_snapshot(case),
        title=f"{case.name}（案件番号 {case.number}）", tabs=case_tabs(case.id, "bidding.cases.case_history"),
        breadcrumb=[("入札案件", url_for("bidding.cases.case_list")),
                    (case.name, url_for("bidding.cases.case_detail", case_id=case.id)), ("履歴", None)])
