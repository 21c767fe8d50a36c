"""Contractor screens (SPEC CM1): list with filters, sort, pagination and CSV/Excel export; registration, detail,
edit, area override and status change; the 履歴 tab. The registry is city-wide: every VIEW_ROLES user sees
every firm; only EDIT_ROLES see (and may use) the buttons that change it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.queries import TARGET_LABELS
from core.audit.services import record_export
from core.db import db
from core.formtools import choices
from core.history_views import describe_changes, render_history
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction
from registry.codes import derive_area, work_type_choices, work_types
from registry.permissions import EDIT_ROLES, VIEW_ROLES, can_edit_registry
from registry.qualifications.jvs.queries import jvs_of

from . import queries, services
from .exports import export_response, page_summaries
from .forms import AreaForm, ContractorFilterForm, ContractorForm, StatusForm
from .models import AREAS, CATEGORIES, STATUSES, Contractor
from .numbering import preview_contractor_number
from .services import contractor_snapshot
from .tabs import contractor_tabs, get_contractor

bp = Blueprint("contractors", __name__)
view_roles = roles_required(*VIEW_ROLES)
edit_roles = roles_required(*EDIT_ROLES)


# --- list ------------------------------------------------------------------------------------------

CATEGORY_CHOICES = choices([("", "すべて")] + list(CATEGORIES.items()))


def _filter_choices(form: ContractorFilterForm) -> dict:
    codes = work_types(db.session)
    form.category.choices = CATEGORY_CHOICES
    form.work_type.choices = work_type_choices(db.session, form.category.data or None)
    return codes


def _filters(form: ContractorFilterForm, valid: bool) -> dict:
    """The list's filters as ``queries.search_contractors`` takes them."""
    status = form.status.data or "active"
    kind = form.expiring.data if form.expiring.data in queries.EXPIRING else None
    expiring = (kind, queries.expiring_days(db.session, kind, today())) if kind else None
    return dict(
        expiring=expiring, q=form.q.data, category=form.category.data or None,
        work_type_code=form.work_type.data or None, rank=form.rank.data or None, area=form.area.data or None,
        status=None if status == "all" else status, suspended=form.suspended.data or "any",
        period=form.period.data if valid else None, sort=request.args.get("sort"))


@bp.route("/contractors")
@view_roles
def contractor_list():
    """Firms with filters (category, 業種, rank, area, status, suspension, period, name/kana), sort, pagination,
    CSV and Excel export of the filtered list."""
    form = ContractorFilterForm(request.args)
    codes = _filter_choices(form)
    valid = form.validate()
    filters = _filters(form, valid)
    day = (form.period.data if valid else None) or today()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        with transaction():
            record_export(db.session, current_user, "業者一覧", request.args.to_dict(),
                          file_format="Excel" if fmt == "xlsx" else "CSV")
        return export_response(db.session, queries.search_contractors(eager=False, **filters), codes, day, today(),
                               fmt)
    kept, values = queries.kept_list(eager=False, **filters)
    page = paginate(db.session, kept.select, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"],
                    scalars=False, params=values, statements=(kept.count, kept.page))
    page.items = queries.list_rows(page.items)
    # tuples: each row is rendered once per process for its values (``fragment``)
    summaries = {i: tuple(items) for i, items in page_summaries(db.session, [c.id for c in page.items], codes,
                                                               day).items()}
    expiring_days = {k: queries.expiring_days(db.session, k, today()) for k in queries.EXPIRING}
    return render_template("registry/contractors/list.html", page=page, filters=form, expiring_days=expiring_days,
                           sort=queries.sort_key(request.args.get("sort")), summaries=summaries,
                           can_edit=can_edit_registry(current_user))


# --- detail ----------------------------------------------------------------------------------------

@bp.route("/contractors/<int:contractor_id>")
@view_roles
def contractor_detail(contractor_id: int):
    """基本情報 tab: head office, 受任者, area (with the derived one when overridden), status, registrations."""
    return _render_detail(get_contractor(contractor_id, detail=True))


def _render_detail(contractor: Contractor, area_form: AreaForm | None = None, status_form: StatusForm | None = None,
                   status=200):
    derived = derive_area(db.session, contractor.branch_address or contractor.address)
    status_form = status_form or StatusForm(formdata=None)
    status_form.status.choices = choices([(k, v) for k, v in STATUSES.items() if k != contractor.status])
    return render_template(
        "registry/contractors/detail.html", contractor=contractor, codes=work_types(db.session),
        derived_area=AREAS.get(derived, derived), can_edit=can_edit_registry(current_user),
        area_form=area_form or AreaForm(formdata=None), status_form=status_form, today_=today(),
        current_tab="registry.contractors.contractor_detail", member_of=jvs_of(db.session, contractor.id),
        ledger_url=_ledger_url(contractor)), status


LEDGER = "exports.report_preview"


def _ledger_url(contractor: Contractor) -> str | None:
    """The 業者台帳 preview of this firm, when the forms module runs in this deployment."""
    if LEDGER not in current_app.view_functions:
        return None
    return url_for(LEDGER, name="contractor_ledger", number=contractor.number)


@bp.route("/contractors/new", methods=["GET", "POST"])
@edit_roles
def contractor_new():
    """Register a firm (the 業者番号 is numbered automatically unless given)."""
    form = ContractorForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            contractor = services.create_contractor(
                db.session, current_user, number=form.number.data or None, number_category=form.number_category.data,
                **form.values(),
                area_override=form.area_override.data or None, area_override_reason=form.area_override_reason.data)
        if tx.ok:
            flash(f"業者「{contractor.name}」を登録しました（業者番号 {contractor.number}）。", "success")
            return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor.id))
    return render_template("registry/contractors/form.html", form=form, contractor=None,
                           general_errors=general_errors(), next_numbers={c: preview_contractor_number(db.session, c)
                                                                      for c in CATEGORIES})


@bp.route("/contractors/<int:contractor_id>/edit", methods=["GET", "POST"])
@edit_roles
def contractor_edit(contractor_id: int):
    """Change a firm's basic data (the area and the status have their own actions on the detail page)."""
    contractor = get_contractor(contractor_id)
    form = ContractorForm(obj=contractor)
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.update_contractor(db.session, current_user, contractor, **form.values())
        if tx.ok:
            flash(f"業者「{contractor.name}」を更新しました。", "success")
            return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor.id))
    return render_template("registry/contractors/form.html", form=form, contractor=contractor,
                           general_errors=general_errors())


@bp.route("/contractors/<int:contractor_id>/area", methods=["POST"])
@edit_roles
def contractor_area(contractor_id: int):
    """Override the 地域区分 with a reason, or go back to the one derived from the address."""
    contractor = get_contractor(contractor_id)
    form = AreaForm()
    if not form.validate_on_submit():
        flash("入力内容を確認してください。", "error")
        return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor_id))
    with transaction(form, flash_errors=True) as tx:
        if form.action.data == "clear":
            services.clear_area_override(db.session, current_user, contractor)
        else:
            services.override_area(db.session, current_user, contractor, form.area_override.data,
                                   form.area_override_reason.data)
    if not tx.ok:
        return _render_detail(get_contractor(contractor_id, detail=True), area_form=form, status=422)
    flash(f"地域区分を所在地からの判定（{contractor.area_label}）に戻しました。" if form.action.data == "clear"
          else f"地域区分を「{contractor.area_label}」に変更しました。", "success")
    return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor_id))


@bp.route("/contractors/<int:contractor_id>/status", methods=["POST"])
@edit_roles
def contractor_status(contractor_id: int):
    """有効 / 失効 / 取消 (a reason is required except back to 有効)."""
    contractor = get_contractor(contractor_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash("入力内容を確認してください。", "error")
        return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor_id))
    with transaction(form, flash_errors=True) as tx:
        services.change_status(db.session, current_user, contractor, form.status.data, form.reason.data)
    if not tx.ok:
        return _render_detail(get_contractor(contractor_id, detail=True), status_form=form, status=422)
    flash(f"業者「{contractor.name}」を「{contractor.status_label}」にしました。", "success")
    return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor_id))


RELATED_HISTORY_LIMIT = 200


@bp.route("/contractors/<int:contractor_id>/history")
@view_roles
def contractor_history(contractor_id: int):
    """履歴 tab: every change of the firm's basic data, its state on a chosen date, and below the latest
    changes of its registrations, 業種, permits, 経審, technicians, suspensions and JV membership."""
    contractor = get_contractor(contractor_id)
    return render_history(
        db.session, table="contractors", record_id=contractor.id, current=contractor_snapshot(contractor),
        title=f"{contractor.name}（業者番号 {contractor.number}）",
        tabs=contractor_tabs(contractor.id, "registry.contractors.contractor_history"),
        breadcrumb=[("業者一覧", url_for("registry.contractors.contractor_list")),
                    (contractor.name, url_for("registry.contractors.contractor_detail", contractor_id=contractor.id)),
                    ("履歴", None)],
        template="registry/contractors/history.html",
        related=describe_changes(queries.related_history(db.session, contractor, RELATED_HISTORY_LIMIT)),
        related_limit=RELATED_HISTORY_LIMIT, table_labels=TARGET_LABELS)
