"""The 価格 tab of a case: 予定価格 with tax, the cost breakdown by the price model's components, and the floor
(最低制限価格 or 低入札価格調査基準価格) with every step of its calculation by the rules of the case's date."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField

from bidding.prices import categories
from core.db import db
from core.formtools import AmountField, JapaneseForm, choices
from core.permissions import roles_required
from core.transaction import general_errors, transaction

from . import pricing
from .permissions import DRAFT_ROLES, VIEW_ROLES, can_edit_case
from .tabs import case_tabs
from .views import bp, get_case

TAB = "bidding.cases.case_prices"


class BreakdownForm(JapaneseForm):
    category = SelectField("積算の区分", validate_choice=False)


def _form(components: list[tuple[str, str]], **data) -> BreakdownForm:
    # Fields are named by the component keys, so the service's messages land on them.
    fields = {key: AmountField(label) for key, label in components}
    return type("BreakdownWithComponents", (BreakdownForm,), fields)(**data)


def _render(case, prices, form, status: int = 200):
    return render_template("bidding/cases/prices.html", case=case, tabs=case_tabs(case.id, TAB), prices=prices,
                           form=form, category_choices=categories(db.session, case.price_date),
                           can_edit=can_edit_case(current_user, case), general_errors=general_errors()), status


def _category(case, raw: str | None) -> str:
    known = dict(categories(db.session, case.price_date))
    return raw if raw in known else pricing.price_category(db.session, case)


@bp.route("/cases/<int:case_id>/prices")
@roles_required(*VIEW_ROLES)
def case_prices(case_id: int):
    """価格 tab (``?category=`` shows another category's components before saving)."""
    case = get_case(case_id)
    prices = pricing.case_prices(db.session, case, _category(case, request.args.get("category")))
    stored = (case.cost_breakdown or {}) if prices.category == pricing.price_category(db.session, case) else {}
    form = _form(prices.components, category=prices.category,
                 **{key: stored.get(key) for key, _label in prices.components})
    form.category.choices = choices(categories(db.session, case.price_date))
    return _render(case, prices, form)


@bp.route("/cases/<int:case_id>/prices", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_prices_save(case_id: int):
    """Save the breakdown; the floor is computed and stored with it."""
    case = get_case(case_id)
    category = _category(case, request.form.get("category"))
    prices = pricing.case_prices(db.session, case, category)
    form = _form(prices.components)
    form.category.choices = choices(categories(db.session, case.price_date))
    if form.validate_on_submit():
        breakdown = {key: form[key].data for key, _label in prices.components}
        with transaction(form) as tx:
            pricing.set_breakdown(db.session, current_user, case, category, breakdown)
        if tx.ok:
            flash(f"積算内訳を保存しました。{case.floor_label}: {case.floor_price:,} 円" if case.floor_price is not None
                  else "積算内訳を保存しました。", "success")
            return redirect(url_for(TAB, case_id=case.id))
    return _render(case, pricing.case_prices(db.session, case, category), form, 422)
