"""The 格付 tab of a firm (registrations per period with their 業種, points and ranks) and the rank review
(格付の見直し) across all firms of a category and period."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.db import db
from core.formtools import JapaneseForm, choices
from core.pagination import Page, parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import transaction
from registry.codes import work_type_options, work_types
from registry.contractors.models import CATEGORIES, Contractor
from registry.contractors.tabs import get_contractor, render_tab
from registry.permissions import EDIT_ROLES, VIEW_ROLES

from ..models import RegisteredWorkType, Registration
from . import periods, services
from .forms import PeriodForm, ReasonForm, RegistrationForm, ReviewFilterForm, SubjectiveForm, WorkTypeForm
from .queries import proposals_digest, propose_ranks

bp = Blueprint("ranks", __name__)
TAB = "registry.ranks.contractor_ranks"
view_roles = roles_required(*VIEW_ROLES)
edit_roles = roles_required(*EDIT_ROLES)
#: Rows of the rank review per page: a page the thin clients render in well under a second.
REVIEW_PAGE_SIZE = 200
STALE = "表示した後に点数や基準が変わった行があります。案を表示し直してから確定してください。"


def _code_choices(category: str):
    return choices([("", "選んでください")] + work_type_options(db.session, category))


def _ranks_page(contractor: Contractor, reg_form: RegistrationForm | None = None, general=(), status: int = 200,
                wt_errors: dict | None = None):
    reg_form = reg_form or RegistrationForm(formdata=None)
    reg_form.category.choices = choices(CATEGORIES.items())
    reg_form.start_year.choices = choices(periods.period_choices(db.session))
    if reg_form.start_year.data is None:
        reg_form.start_year.data = reg_form.start_year.choices[1].value
    labels = {r.id: periods.period_label(db.session, r.period_start, r.period_end) for r in contractor.registrations}
    wt_forms, period_forms = {}, {}
    for r in contractor.registrations:
        f = WorkTypeForm(formdata=None, prefix=f"r{r.id}")
        f.work_type_code.choices = _code_choices(r.category)
        wt_forms[r.id] = f
        pf = PeriodForm(formdata=None, prefix=f"p{r.id}", start_year=r.period_start.year)
        pf.start_year.choices = choices(periods.period_choices(db.session, r.period_start))
        period_forms[r.id] = pf
    return render_tab("registry/qualifications/ranks/tab.html", contractor, TAB, status,
                      registrations=list(reversed(contractor.registrations)), periods=labels, reg_form=reg_form,
                      wt_forms=wt_forms, wt_errors=wt_errors or {}, general_errors=list(general),
                      period_forms=period_forms, today=today())


def _done(message: str, contractor: Contractor):
    flash(message, "success")
    return redirect(url_for(TAB, contractor_id=contractor.id))


def _registration(contractor: Contractor, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.contractor_id != contractor.id:
        abort(404)
    return registration


def _work_type(contractor: Contractor, row_id: int) -> RegisteredWorkType:
    row = db.session.get(RegisteredWorkType, row_id)
    if row is None or row.registration.contractor_id != contractor.id:
        abort(404)
    return row


@bp.route("/contractors/<int:contractor_id>/ranks")
@view_roles
def contractor_ranks(contractor_id: int):
    """The 格付 tab: registrations per period with their 業種, 客観点, 主観点 and ranks."""
    return _ranks_page(get_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/registrations/add", methods=["POST"])
@edit_roles
def contractor_registration_add(contractor_id: int):
    contractor = get_contractor(contractor_id)
    form = RegistrationForm()
    if not form.validate_on_submit():
        return _ranks_page(contractor, form, status=422)
    with transaction(form) as tx:
        services.create_registration(db.session, current_user, contractor, category=form.category.data,
                                     start_year=form.start_year.data)
    if not tx.ok:
        return _ranks_page(contractor, form, tx.general, 422)
    return _done("資格を登録しました。続けて業種を追加してください。", contractor)


@bp.route("/contractors/<int:contractor_id>/registrations/<int:registration_id>/period", methods=["POST"])
@edit_roles
def contractor_registration_period(contractor_id: int, registration_id: int):
    """Move a registration to another qualification period (e.g. a period entered wrongly)."""
    contractor = get_contractor(contractor_id)
    registration = _registration(contractor, registration_id)
    form = PeriodForm(prefix=f"p{registration.id}")
    if not form.validate_on_submit():
        flash("有効期間を選んでください。", "error")
        return redirect(url_for(TAB, contractor_id=contractor.id))
    with transaction(flash_errors=True) as tx:
        services.update_registration(db.session, current_user, registration, start_year=form.start_year.data)
    if not tx.ok:
        return redirect(url_for(TAB, contractor_id=contractor.id))
    return _done("資格の有効期間を変更しました（変更前は履歴に残っています）。", contractor)


@bp.route("/contractors/<int:contractor_id>/registrations/<int:registration_id>/work-types", methods=["POST"])
@edit_roles
def contractor_work_type_add(contractor_id: int, registration_id: int):
    contractor = get_contractor(contractor_id)
    registration = _registration(contractor, registration_id)
    form = WorkTypeForm(prefix=f"r{registration.id}")
    if not form.validate_on_submit():
        return _ranks_page(contractor, general=["入力内容を確認してください。"], status=422)
    with transaction() as tx:
        services.add_work_type(db.session, current_user, registration, work_type_code=form.work_type_code.data,
                               rank=form.rank.data or None)
    if not tx.ok:
        return _ranks_page(contractor, general=tx.general, status=422, wt_errors={registration.id: tx.general})
    return _done("業種を追加しました。", contractor)


@bp.route("/contractors/<int:contractor_id>/work-types/<int:row_id>/subjective", methods=["POST"])
@edit_roles
def contractor_subjective_save(contractor_id: int, row_id: int):
    contractor = get_contractor(contractor_id)
    row = _work_type(contractor, row_id)
    form = SubjectiveForm()
    if not form.validate_on_submit():
        return _ranks_page(contractor, general=[f"主観点: {m}" for m in form.subjective_points.errors] or
                           ["入力内容を確認してください。"], status=422)
    code = row.work_type_code
    with transaction() as tx:
        services.set_subjective_points(db.session, current_user, row, form.subjective_points.data)
    if not tx.ok:
        return _ranks_page(contractor, general=tx.general, status=422)
    return _done(f"{code} の主観点を保存しました。", contractor)


def _remove_page(contractor: Contractor, row: RegisteredWorkType, form: ReasonForm, status: int = 200):
    registration = row.registration
    return render_tab("registry/qualifications/ranks/work_type_remove.html", contractor, TAB, status, row=row,
                      form=form, period=periods.period_label(db.session, registration.period_start,
                                                             registration.period_end))


@bp.route("/contractors/<int:contractor_id>/work-types/<int:row_id>/remove")
@edit_roles
def contractor_work_type_remove_confirm(contractor_id: int, row_id: int):
    """Ask for the reason before a 業種 is removed from a registration."""
    contractor = get_contractor(contractor_id)
    return _remove_page(contractor, _work_type(contractor, row_id), ReasonForm(formdata=None))


@bp.route("/contractors/<int:contractor_id>/work-types/<int:row_id>/remove", methods=["POST"])
@edit_roles
def contractor_work_type_remove(contractor_id: int, row_id: int):
    contractor = get_contractor(contractor_id)
    row = _work_type(contractor, row_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _remove_page(contractor, row, form, 422)
    code = row.work_type_code
    with transaction(form) as tx:
        services.remove_work_type(db.session, current_user, row, reason=form.reason.data)
    if not tx.ok:
        return _remove_page(contractor, _work_type(contractor, row_id), form, 422)
    return _done(f"業種 {code} を登録から外しました。", contractor)


# --- 格付の見直し ------------------------------------------------------------------------------------------

def _review_filters(source) -> ReviewFilterForm:
    """The review's category, period and 業種, falling back to construction and the current period."""
    form = ReviewFilterForm(source)
    if form.category.data not in CATEGORIES:
        form.category.data = "construction"
    options = periods.period_choices(db.session)
    form.validate()  # a start year that is no number in range keeps its message; the current period is shown
    start_year = form.start_year.data if not form.start_year.errors and form.start_year.data else options[1][0]
    if start_year not in [y for y, _ in options]:
        options.append((start_year, periods.period_label(db.session,
                                                         *periods.qualification_period(db.session, start_year))))
    form.start_year.choices = choices([(str(y), label.split("（")[0]) for y, label in options])
    form.start_year.data = str(start_year)
    form.category.choices = choices(CATEGORIES.items())
    known = work_types(db.session)
    codes = [(c, label) for c, label in work_type_options(db.session, form.category.data) if known[c].graded]
    form.work_type.choices = choices(codes + [("", "すべての業種（時間がかかります）")])
    if form.work_type.data not in dict(codes) and not (form.work_type.data == "" and "work_type" in source):
        # One 業種 at a time by default: all of them is every registration of the period (15,000 rows).
        form.work_type.data = codes[0][0] if codes else ""
    return form


def _proposals(form: ReviewFilterForm):
    period_start, _ = periods.qualification_period(db.session, int(form.start_year.data))
    proposals = propose_ranks(db.session, form.category.data, period_start, work_type_code=form.work_type.data or None)
    shown = proposals if form.changed.data == "all" else [p for p in proposals if p.changed]
    return proposals, shown


def _review_page(form: ReviewFilterForm, page_number: int = 1, general=(), status: int = 200):
    proposals, shown = _proposals(form)
    page = Page.of_list(shown, page_number, REVIEW_PAGE_SIZE)
    titles = {code: wt.title for code, wt in work_types(db.session).items()}
    return render_template("registry/qualifications/ranks/review.html", filters=form, page=page,
                           work_type_titles=titles,
                           total=len(proposals), changed=sum(p.changed for p in proposals),
                           digest=proposals_digest(shown), general_errors=list(general)), status


@bp.route("/ranks/review")
@edit_roles
def rank_review():
    """格付の見直し: current and proposed ranks of a category, period and 業種; staff confirm the selected rows,
    or every row the filter shows (on every page) at once."""
    return _review_page(_review_filters(request.args), parse_page(request.args.get("page")))


@bp.route("/ranks/review", methods=["POST"])
@edit_roles
def rank_review_confirm():
    form = _review_filters(request.form)
    if not JapaneseForm().validate_on_submit():
        abort(400)
    _all, shown = _proposals(form)
    by_id = {p.work_type_id: p for p in shown}
    if request.form.get("scope") == "all":
        if request.form.get("digest") != proposals_digest(shown):
            return _review_page(form, general=[STALE],
                                status=409)
        chosen = shown
    else:
        selected = {}
        for value in request.form.getlist("confirm"):
            row_id, _, rank = value.partition(":")
            if row_id.isdigit():
                selected[int(row_id)] = rank
        if not selected:
            return _review_page(form, general=["確定する行を選んでください。"], status=422)
        if any(i not in by_id or by_id[i].proposed != rank for i, rank in selected.items()):
            return _review_page(form, general=[STALE],
                                status=409)
        chosen = [by_id[i] for i in selected]
    with transaction(flash_errors=True) as tx:
        count = services.confirm_ranks(db.session, current_user, chosen)
    if tx.ok:
        flash(f"{count} 件の格付を確定しました。", "success")
    return redirect(url_for("registry.ranks.rank_review", category=form.category.data,
                            start_year=form.start_year.data, work_type=form.work_type.data, changed=form.changed.data))
