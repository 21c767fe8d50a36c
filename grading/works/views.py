"""Grading screens (SPEC GR1, GR3, GR6): the grader's 評定の入力 page, the progress board (filters, sort, pages,
CSV/Excel), and a work's record — its graders and their assignment, 法令遵守等, settling, returning a sheet,
revisions, the final breakdown and the 履歴 tab. The entry screen of a sheet is in ``sheet_views``.

Every route admits the grading roles, then checks the object: a work out of the user's reach is 404 (as a missing
one); a step the user may not take on a work they see is 403 (the services refuse it).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.auth.roles import Role
from core.db import db
from core.errors import PermissionDenied
from core.formtools import choices
from core.history_views import render_history
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.rules import get_rule
from core.scope import in_scope
from core.timefmt import today
from core.transaction import general_errors, transaction
from registry.codes import work_types

from ..notices.permissions import can_view_notice
from ..rules import DEDUCTIONS_KEY
from . import permissions, queries, services
from .exports import export_response
from .forms import AssignForm, BoardFilterForm, DeductionForm, ReturnForm, StepForm
from .models import ROLES, GradeDeduction, GradedWork
from .permissions import GRADING_ROLES

bp = Blueprint("works", __name__)
SUPERVISORS = ("chief", "general")


def get_work(work_id: int) -> GradedWork:
    work = queries.get_work(db.session, current_user, work_id)
    if work is None:
        abort(404)
    return work


def work_tabs(work: GradedWork, current: str) -> list[tuple[str, str, bool]]:
    """概要, and 履歴 for those who may see every grader's score (the history holds them)."""
    tabs = [("概要", "grading.works.work_detail")]
    if permissions.can_view_scores(current_user, work, queries.settled_by(db.session, work)):
        tabs.append(("履歴", "grading.works.work_history"))
    return [(label, url_for(endpoint, work_id=work.id), endpoint == current) for label, endpoint in tabs]


# --- 評定の入力 (the grader's page) ---------------------------------------------------------------------

@bp.route("/")
@roles_required(*GRADING_ROLES)
def index():
    """The user's sheets to enter, their department's works waiting for supervisors, works to settle."""
    session = db.session
    return render_template("grading/works/index.html", sheets=list(session.scalars(queries.open_sheets(current_user))),
                           unassigned=list(session.scalars(queries.awaiting_supervisors(current_user)).unique()),
                           to_settle=queries.awaiting_settlement(session, current_user), today=today(),
                           is_late=queries.is_late)


# --- 評定の進捗 (GR3) ------------------------------------------------------------------------------------

def _filters(form: BoardFilterForm) -> queries.WorkFilters:
    form.validate()
    return queries.WorkFilters(
        fiscal_year=form.fiscal_year.data or None if not form.fiscal_year.errors else None,
        department_id=form.department_id.data or None if not form.department_id.errors else None,
        state=form.state.data or None, late_only=bool(form.late.data), q=(form.q.data or "").strip() or None,
        sort=queries.sort_key(request.args.get("sort")))


@bp.route("/board")
@roles_required(*GRADING_ROLES)
def board():
    """Works by state and grader with days since completion and what is late; the contract section filters by
    department, department staff see theirs, graders the works assigned to them."""
    form = BoardFilterForm(request.args)
    form.fiscal_year.choices = choices([(0, "すべて")] + [(y, f"{y} 年度") for y in queries.fiscal_years(db.session)])
    by_department = permissions.sees_every_work(current_user)
    form.department_id.choices = choices([(0, "すべて")] + (queries.department_choices(db.session) if by_department
                                                           else []))
    filters = _filters(form)
    if not by_department:
        filters.department_id = None
    day = today()
    stmt = queries.board(current_user, filters, day)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        with transaction():
            record_export(db.session, current_user, "評定の進捗", request.args.to_dict(),
                          file_format="Excel" if fmt == "xlsx" else "CSV")
        return export_response(db.session, stmt, fmt, day)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("grading/works/board.html", page=page, filters=form, sort=filters.sort, today=day,
                           counts=queries.state_counts(db.session, current_user, filters, day),
                           by_department=by_department, is_late=queries.is_late, graders=queries.graders,
                           role_labels=ROLES,
                           is_department=current_user.has_role(Role.DEPARTMENT_STAFF))


# --- the work ------------------------------------------------------------------------------------------

def render_detail(work: GradedWork, status: int = 200, **forms):
    session, user = db.session, current_user
    settler = queries.settled_by(session, work)
    may_assign = permissions.can_assign_graders(user, work)
    assign_forms = {}
    if may_assign:
        staff = choices([(0, "選んでください")] + queries.supervisor_choices(session, work))
        for role in SUPERVISORS:
            form = forms.get(f"{role}_form")
            if form is None:
                current = work.assignment(role)
                form = AssignForm(formdata=None, prefix=role, user_id=current.user_id if current else 0)
            form.user_id.choices = staff
            assign_forms[role] = form
    may_deduct = permissions.can_record_deduction(user, work) and work.source == "system"
    deduction_form = forms.get("deduction_form") or DeductionForm(formdata=None, decided_on=today())
    table = get_rule(session, DEDUCTIONS_KEY, work.completed_on)["items"]
    deduction_form.kind.choices = choices([("", "選んでください")] + [
        (kind, f"{row['label']}（{'上限 ' if row['discretionary'] else '−'}{row['points']} 点）")
        for kind, row in table.items()])
    is_settler = permissions.is_settler(user, work, settler) and not work.is_settled
    submitted = [a for a in work.assignments if a.state == "submitted"]
    return_form = forms.get("return_form") or ReturnForm(formdata=None)
    return_form.assignment_id.choices = choices([(0, "選んでください")] + [
        (a.id, f"{a.role_label}（{a.user.name}）") for a in submitted])
    case = work.contract.case if work.contract is not None else None
    work_type = work_types(session, work.completed_on).get(work.work_type_code)
    # The breakdown of a work graded here (a past grade imported has its score only, no sheets).
    result = queries.score_work(session, work) if work.is_settled and work.source == "system" else None
    return render_template(
        "grading/works/detail.html", work=work, tabs=work_tabs(work, "grading.works.work_detail"), today=today(),
        late=queries.is_late(work, today()), role_labels=ROLES, graders=queries.graders(work),
        case=case, case_visible=case is not None and in_scope(user, case.department_id),
        work_type_title=work_type.title if work_type else "", result=result,
        sheet_access={a.id: (permissions.can_grade(user, a), permissions.can_view_sheet(user, a),
                             permissions.can_correct(user, work)) for a in work.assignments},
        assign_forms=assign_forms, may_deduct=may_deduct, deduction_form=deduction_form, deduction_table=table,
        may_remove=may_deduct and not work.is_settled, step_form=forms.get("step_form") or StepForm(),
        is_settler=is_settler, blockers=queries.settle_blockers(work) if is_settler else [],
        may_return=is_settler and bool(submitted), return_form=return_form,
        sees_scores=permissions.can_view_scores(user, work, settler), sees_notice=can_view_notice(user, work),
        revisers=_names({r.revised_by_id for r in work.revisions} | {work.settled_by_id}),
        general_errors=general_errors()), status


def _names(ids: set) -> dict[int, str]:
    from core.auth.models import User

    ids = {i for i in ids if i}
    return {u.id: u.name for u in db.session.query(User).filter(User.id.in_(ids))} if ids else {}


@bp.route("/works/<int:work_id>")
@roles_required(*GRADING_ROLES)
def work_detail(work_id: int):
    return render_detail(get_work(work_id))


@bp.route("/works/<int:work_id>/history")
@roles_required(*GRADING_ROLES)
def work_history(work_id: int):
    """履歴 tab: every change of the work (graders, sheets' states and scores, deductions, settling, revisions)."""
    work = get_work(work_id)
    if not permissions.can_view_scores(current_user, work, queries.settled_by(db.session, work)):
        raise PermissionDenied("評定の履歴は契約課の職員と評定を確定する者が見られます（各評定者の評定点を含むため）。")
    return render_history(
        db.session, table="graded_works", record_id=work.id, current=services.work_snapshot(work),
        title=f"{work.name}（契約番号 {work.contract_number}）", tabs=work_tabs(work, "grading.works.work_history"),
        breadcrumb=[("評定の進捗", url_for("grading.works.board")),
                    (work.name, url_for("grading.works.work_detail", work_id=work.id)), ("履歴", None)])


def _done(work: GradedWork, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("grading.works.work_detail", work_id=work.id) + anchor)


@bp.route("/works/<int:work_id>/assign/<role>", methods=["POST"])
@roles_required(*GRADING_ROLES)
def work_assign(work_id: int, role: str):
    """主任監督員・総括監督員 of the work (the works department or the contract section)."""
    work = get_work(work_id)
    if role not in SUPERVISORS:
        abort(404)
    if not permissions.can_assign_graders(current_user, work):
        raise PermissionDenied("この工事の評定者は指定できません（工事の担当課か契約課が、確定の前に指定します）。")
    form = AssignForm(prefix=role)
    if form.validate_on_submit():
        from core.auth.models import User

        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        with transaction(form) as tx:
            assignment = services.assign_grader(db.session, current_user, work, role, user)
        if tx.ok:
            return _done(work, f"{assignment.role_label}に{assignment.user.name}さんを指定しました。", "#graders")
    return render_detail(work, 422, **{f"{role}_form": form})


@bp.route("/works/<int:work_id>/deductions", methods=["POST"])
@roles_required(*GRADING_ROLES)
def deduction_add(work_id: int):
    """法令遵守等: a deduction from the rule's table (after settling, a correction with its reason)."""
    work = get_work(work_id)
    if not permissions.can_record_deduction(current_user, work):
        raise PermissionDenied("この工事の法令遵守等は記録できません（総括監督員と契約課が記録します）。")
    form = DeductionForm()
    form.kind.choices = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            deduction = services.add_deduction(db.session, current_user, work, kind=form.kind.data,
                                               points=form.points.data, reason=form.reason.data,
                                               decided_on=form.decided_on.data, now=today())
        if tx.ok:
            return _done(work, f"法令遵守等の減点（{deduction.label} −{deduction.points} 点）を記録しました。", "#deductions")
    return render_detail(work, 422, deduction_form=form)


@bp.route("/works/<int:work_id>/deductions/<int:deduction_id>/remove", methods=["POST"])
@roles_required(*GRADING_ROLES)
def deduction_remove(work_id: int, deduction_id: int):
    work = get_work(work_id)
    deduction = db.session.get(GradeDeduction, deduction_id)
    if deduction is None or deduction.work_id != work.id:
        abort(404)
    form = StepForm()
    if form.validate_on_submit():
        label = deduction.label
        with transaction(form, flash_errors=True) as tx:
            services.remove_deduction(db.session, current_user, deduction)
        if tx.ok:
            return _done(work, f"法令遵守等の減点（{label}）を取り消しました。", "#deductions")
    return render_detail(work, 422, step_form=form)


@bp.route("/works/<int:work_id>/settle", methods=["POST"])
@roles_required(*GRADING_ROLES)
def work_settle(work_id: int):
    """確定: every grader submitted; the score is recorded with the rules of the 完成検査."""
    work = get_work(work_id)
    form = StepForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.settle_work(db.session, current_user, work)
        if tx.ok:
            return _done(work, f"評定を確定しました（評定点 {queries.score_text(work.final_score)} 点）。")
    return render_detail(work, 422, step_form=form)


@bp.route("/works/<int:work_id>/return", methods=["POST"])
@roles_required(*GRADING_ROLES)
def sheet_return(work_id: int):
    """The settler sends a submitted sheet back to its grader with the reason."""
    work = get_work(work_id)
    form = ReturnForm()
    form.assignment_id.choices = []
    if form.validate_on_submit():
        assignment = next((a for a in work.assignments if a.id == form.assignment_id.data), None)
        if assignment is None:
            form.assignment_id.errors = ["差し戻す評定を選んでください。"]
        else:
            with transaction(form) as tx:
                services.return_sheet(db.session, current_user, assignment, form.reason.data)
            if tx.ok:
                return _done(work, f"{assignment.role_label}（{assignment.user.name}）の評定を差し戻しました。", "#graders")
    return render_detail(work, 422, return_form=form)
