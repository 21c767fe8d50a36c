"""The 経審 tab of a firm: scores per 業種 and 審査基準日, P mismatches and expiry warnings; correction."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from core.db import db
from core.formtools import choices
from core.permissions import roles_required
from core.rules import get_rule
from core.timefmt import today
from core.transaction import general_errors, transaction
from registry.codes import work_type_options
from registry.contractors.models import Contractor
from registry.contractors.tabs import get_contractor, render_tab
from registry.permissions import EDIT_ROLES, VIEW_ROLES

from ..models import KeishinScore
from . import services
from .forms import KeishinCorrectionForm, KeishinForm
from .formula import RANGES
from .queries import keishin_status

bp = Blueprint("keishin", __name__)
TAB = "registry.keishin.contractor_keishin"


def _construction_choices():
    return choices([("", "選んでください")] + work_type_options(db.session, "construction"))


def _keishin_page(contractor: Contractor, form: KeishinForm | None = None, general=(), status: int = 200):
    form = form or KeishinForm(formdata=None)
    form.work_type_code.choices = _construction_choices()
    latest_ids, seen = set(), set()
    for score in contractor.keishin:  # newest first
        if score.work_type_code not in seen:
            seen.add(score.work_type_code)
            latest_ids.add(score.id)
    rows = [(s, keishin_status(db.session, s), s.id in latest_ids) for s in contractor.keishin]
    rule = get_rule(db.session, "registry.qualification", today())
    return render_tab("registry/qualifications/keishin/tab.html", contractor, TAB, status, rows=rows,
                      form=form, general_errors=list(general), ranges=RANGES, rule=rule)


@bp.route("/contractors/<int:contractor_id>/keishin")
@roles_required(*VIEW_ROLES)
def contractor_keishin(contractor_id: int):
    """The 経審 tab: scores per 業種 and 審査基準日, P mismatches and expiry warnings."""
    return _keishin_page(get_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/keishin/add", methods=["POST"])
@roles_required(*EDIT_ROLES)
def contractor_keishin_add(contractor_id: int):
    contractor = get_contractor(contractor_id)
    form = KeishinForm()
    if not form.validate_on_submit():
        return _keishin_page(contractor, form, status=422)
    with transaction(form) as tx:
        score = services.add_keishin(db.session, current_user, contractor, work_type_code=form.work_type_code.data,
                                     **form.scores())
    if not tx.ok:
        return _keishin_page(contractor, form, tx.general, 422)
    if score.p_mismatch:
        flash(f"経審を登録しました。通知書の P（{score.p_entered:,}）と計算値（{score.p_computed:,}）が一致しません。"
              "通知書を確認してください。", "warning")
    else:
        flash(f"経審を登録しました（P = {score.p_computed:,}）。", "success")
    return redirect(url_for(TAB, contractor_id=contractor.id))


@bp.route("/contractors/<int:contractor_id>/keishin/<int:score_id>/correct", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def contractor_keishin_correct(contractor_id: int, score_id: int):
    """Correct a mis-entered 経審 with a reason (the history keeps the figures before)."""
    contractor = get_contractor(contractor_id)
    score = db.session.get(KeishinScore, score_id)
    if score is None or score.contractor_id != contractor.id:
        abort(404)
    form = KeishinCorrectionForm(obj=score) if request.method == "GET" else KeishinCorrectionForm()
    form.work_type_code.choices = _construction_choices()
    form.work_type_code.data = score.work_type_code  # the 業種 is not corrected here
    if request.method == "POST" and form.validate_on_submit():
        with transaction(form) as tx:
            services.correct_keishin(db.session, current_user, score, reason=form.reason.data, **form.scores())
        if tx.ok:
            flash(f"経審を訂正しました（P = {score.p_computed:,}）。変更前の値は履歴に残っています。", "success")
            return redirect(url_for(TAB, contractor_id=contractor.id))
    return render_tab("registry/qualifications/keishin/correct.html", contractor, TAB,
                      422 if request.method == "POST" else 200, form=form, score=score, ranges=RANGES,
                      general_errors=general_errors())
