"""The 技術者 tab of a firm: 配置予定技術者 with their qualifications; add, change, deactivate, reactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from core.db import db
from core.formtools import JapaneseForm
from core.permissions import roles_required
from core.transaction import transaction
from registry.contractors.models import Contractor
from registry.contractors.tabs import get_contractor, render_tab
from registry.permissions import EDIT_ROLES, VIEW_ROLES

from ..models import Technician
from . import services
from .forms import TechnicianForm

bp = Blueprint("technicians", __name__)
TAB = "registry.technicians.contractor_technicians"
edit_roles = roles_required(*EDIT_ROLES)


def _technicians_page(contractor: Contractor, form: TechnicianForm | None = None, general=(), status: int = 200):
    return render_tab("registry/qualifications/technicians/tab.html", contractor, TAB, status,
                      form=form or TechnicianForm(formdata=None), general_errors=list(general),
                      technicians=sorted(contractor.technicians, key=lambda t: (not t.is_active, t.name)))


def _technician(contractor: Contractor, technician_id: int) -> Technician:
    technician = db.session.get(Technician, technician_id)
    if technician is None or technician.contractor_id != contractor.id:
        abort(404)
    return technician


def _form_page(contractor, technician, form, general=(), status=200):
    return render_tab("registry/qualifications/technicians/form.html", contractor, TAB, status,
                      technician=technician, form=form, general_errors=list(general))


def _done(message: str, contractor: Contractor):
    flash(message, "success")
    return redirect(url_for(TAB, contractor_id=contractor.id))


@bp.route("/contractors/<int:contractor_id>/technicians")
@roles_required(*VIEW_ROLES)
def contractor_technicians(contractor_id: int):
    """The 技術者 tab: 配置予定技術者 with their qualifications, and the form to add one."""
    return _technicians_page(get_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/technicians/add", methods=["POST"])
@edit_roles
def contractor_technician_add(contractor_id: int):
    contractor = get_contractor(contractor_id)
    form = TechnicianForm()
    if not form.validate_on_submit():
        return _technicians_page(contractor, form, status=422)
    with transaction(form) as tx:
        technician = services.add_technician(db.session, current_user, contractor, **form.values())
    if not tx.ok:
        return _technicians_page(contractor, form, tx.general, 422)
    return _done(f"技術者 {technician.name} を登録しました。", contractor)


@bp.route("/contractors/<int:contractor_id>/technicians/<int:technician_id>/edit")
@edit_roles
def contractor_technician_edit(contractor_id: int, technician_id: int):
    contractor = get_contractor(contractor_id)
    technician = _technician(contractor, technician_id)
    form = TechnicianForm(formdata=None, obj=technician)
    form.qualifications.data = (technician.qualifications or "").replace("・", "\n")
    return _form_page(contractor, technician, form)


@bp.route("/contractors/<int:contractor_id>/technicians/<int:technician_id>/edit", methods=["POST"])
@edit_roles
def contractor_technician_update(contractor_id: int, technician_id: int):
    contractor = get_contractor(contractor_id)
    technician = _technician(contractor, technician_id)
    form = TechnicianForm()
    if not form.validate_on_submit():
        return _form_page(contractor, technician, form, status=422)
    with transaction(form) as tx:
        services.update_technician(db.session, current_user, technician, **form.values())
    if not tx.ok:
        return _form_page(contractor, technician, form, tx.general, 422)
    return _done(f"技術者 {technician.name} を変更しました。", contractor)


@bp.route("/contractors/<int:contractor_id>/technicians/<int:technician_id>/active", methods=["POST"])
@edit_roles
def contractor_technician_active(contractor_id: int, technician_id: int):
    """Deactivate (``active=0``) or reactivate (``active=1``) a technician."""
    contractor = get_contractor(contractor_id)
    technician = _technician(contractor, technician_id)
    if not JapaneseForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    with transaction(flash_errors=True) as tx:
        services.set_technician_active(db.session, current_user, technician, active)
    if not tx.ok:
        return redirect(url_for(TAB, contractor_id=contractor.id))
    return _done(f"技術者 {technician.name} を{'有効に戻しました' if active else '無効にしました'}。", contractor)
