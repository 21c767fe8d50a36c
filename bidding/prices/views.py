"""The price calculator (SPEC CM13): enter a day, a category, 予定価格 and the breakdown, and see every step of
最低制限価格 and 低入札価格調査基準価格 by the rules in force on that day. A GET form: it writes nothing."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from core.db import db
from core.errors import ValidationFailed
from core.formtools import choices
from core.jp import JpParseError, parse_amount
from core.permissions import roles_required
from core.timefmt import today

from .amounts import tax_included, tax_rate
from .calculation import breakdown_total_error, compute_minimum, random_coefficient
from .catalogue import KINDS, WORKS, categories, components
from .forms import AMOUNT_HINT, CalculatorForm, calculator_form, component_field
from .permissions import CALCULATOR_ROLES

bp = Blueprint("prices", __name__, url_prefix="/prices")


def _add(form, name: str, message: str, general: list[str]) -> None:
    field = getattr(form, name, None)
    if field is None:
        if message not in general:
            general.append(message)
    elif message not in field.errors:
        field.errors = [*field.errors, message]


def _apply(form, exc: ValidationFailed, general: list[str]) -> None:
    """Put the messages of one calculation on the form (both kinds report the same input problems once)."""
    for key, messages in exc.errors.items():
        name = key if key in ("on", "category", "planned") else component_field(key)
        for message in messages:
            _add(form, name, message, general)


def _amount(form, name: str, blank: str) -> int | None:
    """The amount typed (commas, full-width digits, 円 allowed); None with a message when blank or unreadable."""
    field = getattr(form, name)
    if not (field.data or "").strip():
        field.errors = [*field.errors, blank]
        return None
    try:
        return parse_amount(field.data)
    except (JpParseError, TypeError) as exc:
        field.errors = [*field.errors, f"{field.label.text}: {exc}"]
        return None


@bp.route("/calculator")
@roles_required(*CALCULATOR_ROLES)
def calculator():
    action = request.args.get("action")
    submitted = action in ("calculate", "switch")
    probe = CalculatorForm(formdata=request.args if submitted else None)
    day = probe.on.data if submitted and probe.on.data and not probe.on.errors else today()
    category_choices = categories(db.session, day)
    category = probe.category.data if submitted and probe.category.data in dict(category_choices) else WORKS
    general: list[str] = []
    try:
        fields = components(db.session, day, category)
    except ValidationFailed as exc:
        fields, component_errors = [], exc
    else:
        component_errors = None
    form = calculator_form(fields, formdata=request.args if submitted else None, on=day, category=category)
    form.category.choices = choices(category_choices)
    if submitted:
        form.validate()  # the date's own message (the other inputs are read below)
    if component_errors is not None:
        _apply(form, component_errors, general)
    results, breakdown_warning = [], None
    if action == "calculate" and not form.errors and component_errors is None:
        planned = _amount(form, "planned", "予定価格（消費税抜き）を入力してください。")
        breakdown = {key: _amount(form, component_field(key), f"{label}を入力してください（該当がなければ 0 と入力します）。")
                     for key, label in fields}
        if not form.errors:
            results = _calculate(form, day, category, planned, breakdown, general)
            if results and any(r["result"] for r in results):
                breakdown_warning = _breakdown_warning(day, category, planned, breakdown)
    return render_template("bidding/prices/calculator.html", form=form, fields=fields, results=results,
                           general_errors=general, breakdown_warning=breakdown_warning, amount_hint=AMOUNT_HINT,
                           day=day, rate=_rate(day))


def _calculate(form, day, category, planned, breakdown, general) -> list[dict]:
    results = []
    for kind, (_prefix, label) in KINDS.items():
        item = {"kind": kind, "label": label, "result": None, "random": random_coefficient(db.session, day, kind)}
        try:
            item["result"] = compute_minimum(db.session, on=day, category=category, planned=planned,
                                             breakdown=breakdown, kind=kind)
            item["tax_included"] = _taxed(item["result"].result, day)
        except ValidationFailed as exc:
            _apply(form, exc, general)
        results.append(item)
    return results if any(r["result"] for r in results) else []


def _taxed(amount: int, day) -> int | None:
    try:
        return tax_included(db.session, amount, day)
    except ValidationFailed:
        return None


def _rate(day):
    try:
        return tax_rate(db.session, day)
    except ValidationFailed:
        return None


def _breakdown_warning(day, category, planned, breakdown) -> str | None:
    try:
        return breakdown_total_error(db.session, on=day, planned=planned, breakdown=breakdown, category=category)
    except ValidationFailed as exc:
        return "、".join(m for ms in exc.errors.values() for m in ms)
