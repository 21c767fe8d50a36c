"""The 予算 section of a case (on its 概要 tab): charge the case to budget lines and take charges off, while the
case is an editable draft; and the cases charged to a budget line, on the line's detail page."""

from __future__ import annotations

from flask import Flask, flash, redirect, url_for
from flask_login import current_user

from core.db import db
from core.errors import NotFound
from core.formtools import JapaneseForm
from core.permissions import roles_required
from core.scope import in_scope
from core.transaction import transaction

from . import charges
from .forms import ChargeForm
from .models import CaseBudgetCharge
from .permissions import DRAFT_ROLES
from .views import bp, get_case, render_detail

ANCHOR = "#budget"


@bp.route("/cases/<int:case_id>/charges", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_charge_add(case_id: int):
    """Charge the case to a budget line (a warning, not a refusal, when the line's balance is exceeded)."""
    case = get_case(case_id)
    form = ChargeForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            charges.add_charge(db.session, current_user, case, form.line_id.data or None, form.amount.data)
        if tx.ok:
            flash("予算科目を充当しました。", "success")
            for warning in charges.over_balance_warnings(db.session, case):
                flash(warning, "warning")
            return redirect(url_for("bidding.cases.case_detail", case_id=case.id) + ANCHOR)
    return render_detail(case, 422, charge_form=form)


@bp.route("/cases/<int:case_id>/charges/<int:charge_id>/remove", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_charge_remove(case_id: int, charge_id: int):
    case = get_case(case_id)
    charge = db.session.get(CaseBudgetCharge, charge_id)
    if charge is None or charge.case_id != case.id:
        raise NotFound("指定された充当は存在しません。")
    form = JapaneseForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            charges.remove_charge(db.session, current_user, charge)
        if tx.ok:
            flash("予算科目の充当を外しました。", "success")
            return redirect(url_for("bidding.cases.case_detail", case_id=case.id) + ANCHOR)
    return render_detail(case, 422)


def line_section(session, user, line) -> dict:
    """The cases charged to a budget line and its balance after them (the line's detail page)."""
    items = charges.charges_on_line(session, line.id)
    visible = [(case, amount, commits) for case, amount, commits in items if in_scope(user, case.department_id)]
    balance = charges.balances(session, [line])[line.id]
    return {"items": visible, "hidden": len(items) - len(visible), "balance": balance}


def register_budget_section(app: Flask) -> None:
    from bidding.budget.views import register_detail_section

    register_detail_section(app, "bidding/cases/_line_cases.html", line_section)

