"""The 許可 tab of a firm: 建設業許可 per 業種 with expiry warnings, and the form to register one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from core.db import db
from core.formtools import choices
from core.permissions import roles_required
from core.transaction import transaction
from registry.codes import work_type_options
from registry.contractors.models import Contractor
from registry.contractors.tabs import get_contractor, render_tab
from registry.permissions import EDIT_ROLES, VIEW_ROLES

from . import services
from .forms import PermitForm
from .numbers import format_permit

bp = Blueprint("permits", __name__)
TAB = "registry.permits.contractor_permits"


def _permits_page(contractor: Contractor, form: PermitForm | None = None, general=(), status: int = 200):
    form = form or PermitForm(formdata=None)
    form.work_type_code.choices = choices([("", "選んでください")] + work_type_options(db.session, "construction"))
    rows = [(p, services.permit_status(db.session, p), format_permit(p)) for p in contractor.permits]
    return render_tab("registry/qualifications/permits/tab.html", contractor, TAB, status,
                      rows=rows, form=form, general_errors=list(general))


@bp.route("/contractors/<int:contractor_id>/permits")
@roles_required(*VIEW_ROLES)
def contractor_permits(contractor_id: int):
    """The 許可 tab: 建設業許可 per 業種 with expiry warnings, and the form to register one."""
    return _permits_page(get_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/permits/save", methods=["POST"])
@roles_required(*EDIT_ROLES)
def contractor_permit_save(contractor_id: int):
    contractor = get_contractor(contractor_id)
    form = PermitForm()
    if not form.validate_on_submit():
        return _permits_page(contractor, form, status=422)
    with transaction(form) as tx:
        permit = services.save_permit(db.session, current_user, contractor, work_type_code=form.work_type_code.data,
                                      text=form.text.data, granted_on=form.granted_on.data)
    if not tx.ok:
        return _permits_page(contractor, form, tx.general, 422)
    flash(f"建設業許可（{format_permit(permit)}）を登録しました。", "success")
    return redirect(url_for(TAB, contractor_id=contractor.id))
