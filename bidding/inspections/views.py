"""Inspections: the 検査員's worklist, one inspection with its result form (only the assigned 検査員 records), and
the assignment from the contract's 契約 tab (the contract section)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from bidding.cases.permissions import DRAFT_ROLES
from bidding.cases.views import get_case
from bidding.contracts.queries import contract_of_case
from core.auth.models import User, UserRole
from core.auth.roles import Role
from core.db import db
from core.errors import NotFound, PermissionDenied
from core.formtools import AmountField, DateInputField, IntegerSelectField, JapaneseForm, choices
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction

from . import services
from .models import KINDS, RESULTS, Inspection
from .permissions import can_assign_inspection, can_record_inspection, can_view_inspection

bp = Blueprint("inspections", __name__)
ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.INSPECTOR)


class AssignForm(JapaneseForm):
    kind = SelectField("検査の種類", choices=choices(KINDS.items()), validate_choice=False)
    inspector_id = IntegerSelectField("検査員", default=0)
    scheduled_on = DateInputField("検査予定日", validators=[Optional()])
    reinspection_of = IntegerSelectField("手直しの再検査（元の検査）", default=0)


class ResultForm(JapaneseForm):
    inspected_on = DateInputField("検査日", validators=[Optional()])
    result = SelectField("結果", choices=choices(RESULTS.items()), validate_choice=False)
    fix_deadline = DateInputField("手直しの期限", validators=[Optional()])
    recognised_amount = AmountField("既済部分の額（既済部分検査）")
    remarks = TextAreaField("所見", validators=[Optional(), Length(max=4000)])


def inspectors(session) -> list[tuple[int, str]]:
    stmt = (select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.INSPECTOR, User.is_active.is_(True)).order_by(User.name))
    return [(u.id, u.name) for u in session.scalars(stmt)]


def contract_inspections(session, contract_id: int) -> list[Inspection]:
    return list(session.scalars(select(Inspection).where(Inspection.contract_id == contract_id)
                                .order_by(Inspection.id)))


@bp.route("/inspections")
@roles_required(*ROLES)
def worklist():
    """Inspections to do: a 検査員's own; the contract section's, everyone's not yet recorded."""
    stmt = select(Inspection).order_by(Inspection.result.is_not(None), Inspection.scheduled_on, Inspection.id)
    if not can_assign_inspection(current_user):
        stmt = stmt.where(Inspection.inspector_id == current_user.id)
    else:
        stmt = stmt.where(Inspection.result.is_(None))
    return render_template("bidding/inspections/worklist.html", items=list(db.session.scalars(stmt.limit(500))))


def _inspection(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or not can_view_inspection(current_user, inspection):
        raise NotFound("指定された検査は存在しません。")  # another 検査員's inspection is not revealed either
    return inspection


def _render(inspection: Inspection, form: ResultForm | None = None, status: int = 200):
    may_record = can_record_inspection(current_user, inspection) and inspection.result is None
    if form is None and may_record:
        form = ResultForm(formdata=None, inspected_on=today())
    return render_template("bidding/inspections/detail.html", inspection=inspection, contract=inspection.contract,
                           form=form if may_record else None, general_errors=general_errors()), status


@bp.route("/inspections/<int:inspection_id>")
@roles_required(*ROLES)
def inspection_detail(inspection_id: int):
    return _render(_inspection(inspection_id))


@bp.route("/inspections/<int:inspection_id>/result", methods=["POST"])
@roles_required(*ROLES)
def inspection_result(inspection_id: int):
    inspection = _inspection(inspection_id)
    form = ResultForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.record_result(db.session, current_user, inspection, inspected_on=form.inspected_on.data,
                                   result=form.result.data, remarks=form.remarks.data,
                                   fix_deadline=form.fix_deadline.data,
                                   recognised_amount=form.recognised_amount.data)
        if tx.ok:
            flash(f"{inspection.kind_label}の結果（{inspection.result_label}）を記録しました。", "success")
            return redirect(url_for("bidding.inspections.inspection_detail", inspection_id=inspection.id))
    return _render(inspection, form, 422)


@bp.route("/cases/<int:case_id>/contract/inspections", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_inspection_assign(case_id: int):
    """Assign an inspection of the case's contract to an 検査員."""
    case = get_case(case_id)
    if not can_assign_inspection(current_user):
        raise PermissionDenied("検査員の指定は契約課の職員が行います。")
    contract = contract_of_case(db.session, case.id)
    if contract is None:
        raise NotFound("この案件の契約はまだありません。")
    form = AssignForm(prefix="assign")
    if form.validate_on_submit():
        inspector = db.session.get(User, form.inspector_id.data) if form.inspector_id.data else None
        first = db.session.get(Inspection, form.reinspection_of.data) if form.reinspection_of.data else None
        with transaction(form, flash_errors=True) as tx:
            services.assign_inspection(db.session, current_user, contract, kind=form.kind.data, inspector=inspector,
                                       scheduled_on=form.scheduled_on.data, reinspection_of=first)
        if tx.ok:
            flash("検査員を指定しました。", "success")
    return redirect(url_for("bidding.contracts.case_contract", case_id=case.id) + "#inspections")
