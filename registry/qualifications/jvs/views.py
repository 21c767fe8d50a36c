"""Registration of a 共同企業体 from its member firms and their shares."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.db import db
from core.permissions import roles_required
from core.transaction import transaction
from registry.contractors.queries import find_by_number
from registry.permissions import EDIT_ROLES

from . import services
from .forms import JVForm, member_rows

bp = Blueprint("jvs", __name__)


def _jv_page(form: JVForm, rows: list[dict], general=(), status: int = 200):
    return render_template("registry/qualifications/jvs/form.html", form=form, rows=rows,
                           general_errors=list(general)), status


@bp.route("/jvs/new")
@roles_required(*EDIT_ROLES)
def jv_new():
    """Register a 共同企業体 from its member firms and their shares."""
    return _jv_page(JVForm(formdata=None), member_rows({}))


@bp.route("/jvs/new", methods=["POST"])
@roles_required(*EDIT_ROLES)
def jv_create():
    form = JVForm()
    rows = member_rows(request.form)
    if not form.validate_on_submit():
        return _jv_page(form, rows, status=422)
    members, errors = [], []
    for row in rows:
        if not row["number"] and not row["share"]:
            continue
        # The 業者番号 as typed (全角, spaces) is normalised like everywhere else.
        firm = find_by_number(db.session, row["number"]) if row["number"] else None
        if firm is None:
            errors.append(f"{row['index'] + 1} 行目: 業者番号「{row['number']}」の業者は登録されていません。")
            continue
        members.append(services.MemberShare(firm.id, row["share"] or "0", row["representative"]))
    if errors:
        return _jv_page(form, rows, errors, 422)
    with transaction(form) as tx:
        jv = services.create_jv(db.session, current_user, name=form.name.data, number=form.number.data,
                                members=members, note=form.note.data)
    if not tx.ok:
        return _jv_page(form, rows, tx.general, 422)
    flash(f"共同企業体 {jv.name}（{jv.number}）を登録しました。", "success")
    return redirect(url_for("registry.contractors.contractor_detail", contractor_id=jv.id))
