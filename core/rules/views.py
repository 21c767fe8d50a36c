"""Rule settings and holiday screens (system administrators only, from the admin networks)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.auth.roles import Role
from core.csvexport import csv_response
from core.db import db
from core.errors import DomainError, ValidationFailed
from core.formtools import apply_errors
from core.inputs import int_arg
from core.jp import format_date
from core.permissions import roles_required
from core.timefmt import format_jst, today
from core.transaction import transaction

from . import queries, services
from .builtin import deadline_fields
from .calendar import FIRST_GENERATED_YEAR, deadline_for, weekday_label, years_without_holidays
from .catalogue import RuleDefinition, UnknownRule, definitions, diff_values, get_definition, is_applied
from .forms import ConfirmForm, HolidayForm, LookupForm, NationalHolidaysForm, RuleVersionForm, SchemaForm
from .models import Holiday

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")
admin_only = roles_required(Role.SYSTEM_ADMIN)

FORM_KEYS = ("effective_from", "note", "correction")


def _definition(key: str) -> RuleDefinition:
    try:
        return get_definition(key)
    except UnknownRule:
        abort(404)


def _missing_holiday_years(day: date) -> list[int]:
    return years_without_holidays(db.session, date(day.year, 1, 1), date(day.year + 1, 12, 31))


@bp.route("/")
@admin_only
def rule_list():
    """Every rule key with the version in force today and the next scheduled change."""
    day = today()
    groups: dict[str, list[dict]] = {}
    for definition in definitions():
        try:
            current = queries.rule_in_force(db.session, definition.key, day)
        except queries.RuleNotInForce:
            current = None
        values = current.values if current else {}
        if current and definition.env_floors:
            values, _ = queries.apply_env_floors(definition, values, current_app.config, is_applied(definition.key))
        groups.setdefault(definition.category, []).append({
            "definition": definition, "current": current, "summary": definition.describe(values) if current else "",
            "upcoming": queries.next_version(db.session, definition.key, day),
        })
    return render_template("rules/rule_list.html", groups=groups, today=day,
                           missing_years=_missing_holiday_years(day))


@bp.route("/<key>")
@admin_only
def rule_detail(key: str):
    """One rule: what it means, the version in force on a chosen day, and its full history."""
    definition = _definition(key)
    lookup = LookupForm(request.args)
    valid = lookup.validate()
    day = today()
    on = lookup.on.data if valid and lookup.on.data else day
    history = queries.rule_history(db.session, key)
    if request.args.get("format") == "csv":
        return _history_csv(definition, history)
    shown, missing = None, None
    try:
        shown = queries.rule_in_force(db.session, key, on)
    except queries.RuleNotInForce as exc:
        missing = str(exc)
    floors = []
    if shown and definition.env_floors:
        _, floors = queries.apply_env_floors(definition, shown.values, current_app.config, is_applied(key))
    deadlines = _deadline_preview(definition, shown, on) if shown else {}
    rows = []
    for v in history:
        before = _predecessor(history, v)
        rows.append((v, diff_values(definition, before.values, v.values) if before else None))
    return render_template("rules/rule_detail.html", definition=definition, lookup=lookup, on=on, today=day,
                           shown=shown, missing=missing, history_rows=rows, floors=floors, deadlines=deadlines,
                           upcoming=queries.next_version(db.session, key, day), applied=is_applied(key),
                           in_force_today=_in_force(definition.key, day))


def _in_force(key: str, day: date):
    try:
        return queries.rule_in_force(db.session, key, day)
    except queries.RuleNotInForce:
        return None


def _predecessor(history, version):
    """The version this one replaced: an earlier revision of its date, else the one in force the day before."""
    same = [v for v in history if v.effective_from == version.effective_from and v.revision < version.revision]
    if same:
        return max(same, key=lambda v: v.revision)
    earlier = [v for v in history if v.effective_from < version.effective_from and not v.superseded]
    return max(earlier, key=lambda v: v.effective_from) if earlier else None


def _deadline_preview(definition: RuleDefinition, shown, on: date) -> dict[str, str]:
    """For a package's deadline rule: each deadline counted from ``on`` (or why it cannot be counted)."""
    if not any(f.name == "items" for f in deadline_fields(definition)):
        return {}
    result = {}
    for name in shown.values["items"] or {}:
        try:
            end = deadline_for(db.session, name, on, rule_key=definition.key)
            result[name] = f"{format_date(end)}（{weekday_label(end)}）"
        except DomainError as exc:
            result[name] = str(exc)
    return result


def _history_csv(definition: RuleDefinition, history):
    from core.audit.services import canonical_json

    def rows():
        for v in history:
            # A stored version as stored: it keeps fields a later release dropped from the rule (its record).
            content = canonical_json(definition.dump(v.values)) if v.builtin else v.row.value
            yield [definition.key, v.effective_from.isoformat(), v.revision, "組込み" if v.builtin else "登録",
                   "訂正済み" if v.superseded else "", content, v.note,
                   "" if v.builtin else (v.row.login_id or ""), "" if v.builtin else format_jst(v.row.created_at)]
    with transaction():
        record_export(db.session, current_user, f"ルール設定の履歴（{definition.title}）", {"key": definition.key})
    return csv_response(f"ルール設定_{definition.key}", ["キー", "適用開始日", "版", "区分", "状態", "内容（JSON）",
                                                      "理由・根拠", "登録者", "登録日時"], rows())


@bp.route("/<key>/new", methods=["GET", "POST"])
@admin_only
def rule_version_new(key: str):
    """Add a version (or a correction of one): the form starts from the version in force today."""
    definition = _definition(key)
    day = today()
    try:
        base = queries.rule_in_force(db.session, key, day)
    except queries.RuleNotInForce:
        history = queries.rule_history(db.session, key)
        base = history[0] if history else None
    form = RuleVersionForm()
    if request.method == "POST":
        schema = SchemaForm(definition, formdata=request.form)
    else:
        schema = SchemaForm(definition, values=base.values if base else None)
    general: list[str] = []
    if request.method == "POST":
        if form.validate_on_submit():
            # No form given: the errors are routed below, to the fixed fields or the schema inputs.
            with transaction() as tx:
                row = services.add_rule_version(db.session, current_user, key, form.effective_from.data, schema.data(),
                                                form.note.data, correction=form.correction.data)
            if tx.ok:
                when = "から適用されます" if row.effective_from <= day else "から適用される予定です"
                flash(f"「{definition.title}」の{'訂正' if form.correction.data else '新しい版'}を登録しました。"
                      f"{row.effective_from:%Y-%m-%d} {when}。", "success")
                return redirect(url_for("rules.rule_detail", key=key))
            general = _route_errors(form, schema, tx.errors) if tx.errors else tx.general
        else:
            # Check the rule's own fields too, so every mistake is listed at once.
            _, value_errors = definition.parse(schema.data())
            general = schema.apply_errors(value_errors)
    return render_template("rules/rule_version_form.html", definition=definition, form=form, schema=schema,
                           general_errors=general, base=base, today=day, applied=is_applied(key))


def _route_errors(form, schema: SchemaForm, errors: dict[str, list[str]]) -> list[str]:
    """Service errors go to the fixed fields, the schema inputs, or the general list."""
    own = {k: v for k, v in errors.items() if k in FORM_KEYS}
    rest = {k: v for k, v in errors.items() if k not in FORM_KEYS}
    general = apply_errors(form, ValidationFailed(own)) if own else []
    return general + schema.apply_errors(rest)


# --- holidays ---------------------------------------------------------------------------------------

def _year_arg(errors: list[str] | None = None) -> int:
    """The ``year`` of the query string, or this year when it is absent or refused (with a message)."""
    return int_arg("year", "年", minimum=services.EARLIEST.year, maximum=services.LATEST.year,
                   errors=errors) or today().year


@bp.route("/holidays")
@admin_only
def holiday_list():
    """Holidays of one year, with CSV export and the bulk registration of national holidays."""
    errors: list[str] = []
    year = _year_arg(errors)
    if request.args.get("format") == "csv" and not errors:
        def rows():
            for h in db.session.scalars(queries.holidays_in_year(year)):
                yield [h.day.isoformat(), weekday_label(h.day), h.name, "有効" if h.is_active else "無効"]
        with transaction():
            record_export(db.session, current_user, f"休日一覧（{year}年）", {"year": year})
        return csv_response(f"休日一覧_{year}", ["日付", "曜日", "名称", "状態"], rows())
    return _render_holiday_list(year, NationalHolidaysForm(formdata=None, year=year), errors)


def _render_holiday_list(year: int, national_form, general=()):
    holidays = db.session.scalars(queries.holidays_in_year(year)).all()
    years = sorted(set(queries.holiday_years(db.session)) | {year - 1, year, year + 1})
    return render_template("rules/holiday_list.html", year=year, holidays=holidays, years=years,
                           national_form=national_form, general_errors=list(general), confirm_form=ConfirmForm(),
                           can_generate=year >= FIRST_GENERATED_YEAR, weekday=weekday_label,
                           missing_years=_missing_holiday_years(today()))


@bp.route("/holidays/national", methods=["POST"])
@admin_only
def holiday_bulk_add():
    """Register a year's national holidays from the two equinox days of the 暦要項."""
    form = NationalHolidaysForm()
    try:
        year = int(form.year.data)
    except (TypeError, ValueError):
        abort(400)
    general: list[str] = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            created = services.add_national_holidays(db.session, current_user, year=year,
                                                     vernal_equinox=form.vernal_equinox.data,
                                                     autumnal_equinox=form.autumnal_equinox.data)
        if tx.ok:
            if created:
                flash(f"{year}年の国民の祝日・休日を {len(created)} 日登録しました。", "success")
            else:
                flash(f"{year}年の国民の祝日・休日はすべて登録済みでした（追加はありません）。", "info")
            return redirect(url_for("rules.holiday_list", year=year))
        general = tx.general
    return _render_holiday_list(min(max(year, services.EARLIEST.year), services.LATEST.year), form, general)


@bp.route("/holidays/new", methods=["GET", "POST"])
@admin_only
def holiday_new():
    """Register a closed day."""
    return _holiday_form(None)


@bp.route("/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
@admin_only
def holiday_edit(holiday_id: int):
    """Change a holiday's date or name."""
    return _holiday_form(db.get(Holiday, holiday_id))


def _holiday_form(holiday: Holiday | None):
    form = HolidayForm(obj=holiday)
    general: list[str] = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            if holiday is None:
                holiday = services.add_holiday(db.session, current_user, day=form.day.data, name=form.name.data)
            else:
                services.update_holiday(db.session, current_user, holiday, day=form.day.data, name=form.name.data)
        if tx.ok:
            flash(f"休日「{holiday.day:%Y-%m-%d} {holiday.name}」を保存しました。", "success")
            return redirect(url_for("rules.holiday_list", year=holiday.day.year))
        general = tx.general
    year = holiday.day.year if holiday else _year_arg()
    return render_template("rules/holiday_form.html", form=form, holiday=holiday, general_errors=general, year=year)


def _holiday_action(holiday_id: int, action, success: str):
    holiday = db.get(Holiday, holiday_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction(flash_errors=True) as tx:
        action(db.session, current_user, holiday)
    if tx.ok:
        flash(success.format(day=f"{holiday.day:%Y-%m-%d}", name=holiday.name), "success")
    return redirect(url_for("rules.holiday_list", year=holiday.day.year))


@bp.route("/holidays/<int:holiday_id>/deactivate", methods=["POST"])
@admin_only
def holiday_deactivate(holiday_id: int):
    """Stop treating the day as closed."""
    return _holiday_action(holiday_id, services.deactivate_holiday, "{day}（{name}）を無効にしました。営業日として扱います。")


@bp.route("/holidays/<int:holiday_id>/reactivate", methods=["POST"])
@admin_only
def holiday_reactivate(holiday_id: int):
    """Treat the day as closed again."""
    return _holiday_action(holiday_id, services.reactivate_holiday, "{day}（{name}）を有効に戻しました。")
