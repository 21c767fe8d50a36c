"""指名停止 screens: the firm's 指名停止 tab (history, register and lift forms) and the list of all suspensions."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core import menu
from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db
from core.errors import ValidationFailed
from core.formtools import DateInputField, JapaneseForm, apply_errors, choices
from core.jp import format_date
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.rules.queries import RuleNotInForce, today

from . import bp, suspensions
from .models import Contractor, Suspension
from .permissions import EDIT_ROLES, VIEW_ROLES, can_manage_suspensions
from .tabs import contractor_tabs

TAB = "registry.contractor_suspensions"
STATE_CHOICES = (("current", "停止中・予定"), ("all", "すべて"))

menu.register("業者登録", "指名停止", "registry.suspension_list", VIEW_ROLES)


# --- forms ---------------------------------------------------------------------------------------------

class SuspensionForm(JapaneseForm):
    cause_code = SelectField("措置要件", validate_choice=False,
                             validators=[DataRequired("措置要件を選んでください。")])
    decided_on = DateInputField("決定日", validators=[InputRequired("決定日を入力してください。")])
    period_value = IntegerField("長さ", validators=[
        InputRequired("期間を入力してください。"), NumberRange(1, 36, "期間は 1〜36 の整数で入力してください。")])
    period_unit = SelectField("単位", choices=choices(suspensions.UNITS.items()),
                              validators=[DataRequired("期間の単位を選んでください。")])
    scope = StringField("範囲", validators=[Optional(), Length(max=suspensions.SCOPE_MAX,
                                                             message="範囲は 300 文字以内で入力してください。")])
    facts = TextAreaField("事実の概要", validators=[DataRequired("事実の概要を入力してください。")])


class LiftForm(JapaneseForm):
    lifted_on = DateInputField("解除日", validators=[InputRequired("解除日を入力してください。")])
    reason = TextAreaField("解除の理由", validators=[
        DataRequired("解除の理由を入力してください。"),
        Length(max=suspensions.REASON_MAX, message="解除の理由は 500 文字以内で入力してください。")])


class ListFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    state = SelectField("表示", choices=choices(STATE_CHOICES), default="current", validate_choice=False)
    q = StringField("業者（番号・商号）", validators=[Optional(), Length(max=100)])
    date_from = DateInputField("期間（開始日）", validators=[Optional()])
    date_to = DateInputField("期間（終了日）", validators=[Optional()])
    include_lifted = BooleanField("解除したものも含める", default=True)


def _cause_choices(form: SuspensionForm, day: date) -> None:
    try:
        pairs = [(c.code, c.choice_label) for c in suspensions.causes(db.session, day).values()]
    except RuleNotInForce:
        pairs = []
    form.cause_code.choices = choices([("", "選んでください")] + pairs)


# --- the 指名停止 tab ----------------------------------------------------------------------------------

def _contractor(contractor_id: int) -> Contractor:
    contractor = db.session.get(Contractor, contractor_id)
    if contractor is None:
        abort(404)
    return contractor


def _breadcrumb(contractor: Contractor) -> list:
    items = [("業者登録", None)]
    if "registry.contractor_list" in current_app.view_functions:
        items = [("業者一覧", url_for("registry.contractor_list"))]
    detail = (url_for("registry.contractor_detail", contractor_id=contractor.id)
              if "registry.contractor_detail" in current_app.view_functions else None)
    return [*items, (contractor.name, detail), ("指名停止", None)]


def _render_tab(contractor: Contractor, form: SuspensionForm | None = None, general: list[str] | None = None,
                lift_forms: dict[int, LiftForm] | None = None, status: int = 200):
    day = today()
    records = suspensions.contractor_suspensions(db.session, contractor.id)
    if form is None and can_manage_suspensions(current_user):
        form = SuspensionForm(formdata=None, decided_on=day, period_unit="months")
    if form is not None:
        _cause_choices(form, form.decided_on.data if isinstance(form.decided_on.data, date) else day)
    lift_forms = lift_forms or {}
    rows = []
    for s in records:
        state = suspensions.status_of(s, day)
        lift = lift_forms.get(s.id)
        if lift is None and state in ("active", "scheduled") and s.lifted_on is None and can_manage_suspensions(current_user):
            lift = LiftForm(formdata=None, lifted_on=max(day, s.starts_on), prefix=f"lift{s.id}")
        rows.append({"s": s, "state": state, "label": suspensions.STATUS_LABELS[state],
                     "badge": suspensions.STATUS_BADGES[state], "cause": suspensions.cause_label(db.session, s),
                     "lift_form": lift, "lift_open": s.id in lift_forms})
    member_rows = []
    if contractor.is_jv:
        member_rows = [{"s": s, "cause": suspensions.cause_label(db.session, s)}
                       for s in suspensions.member_suspensions(db.session, contractor.id, day)]
    saved_id = request.args.get("saved", type=int)
    html = render_template("registry/susp_contractor.html", contractor=contractor,
                           tabs=contractor_tabs(contractor.id, TAB), rows=rows, member_rows=member_rows,
                           form=form, general_errors=general or [], saved_id=saved_id, today=day,
                           breadcrumb=_breadcrumb(contractor))
    return html, status


@bp.route("/contractors/<int:contractor_id>/suspensions")
@roles_required(*VIEW_ROLES)
def contractor_suspensions(contractor_id: int):
    """The 指名停止 tab: the firm's suspensions with their status, and (contract staff) register and lift forms."""
    return _render_tab(_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/suspensions/new", methods=["POST"])
@roles_required(*EDIT_ROLES)
def contractor_suspension_register(contractor_id: int):
    """Register a suspension; the first and last days follow from the rules and are shown after saving."""
    contractor = _contractor(contractor_id)
    form = SuspensionForm()
    _cause_choices(form, form.decided_on.data if isinstance(form.decided_on.data, date) else today())
    general: list[str] = []
    if form.validate_on_submit():
        try:
            suspension = suspensions.register_suspension(
                db.session, current_user, contractor, form.cause_code.data, form.decided_on.data,
                form.period_value.data, form.period_unit.data, form.scope.data, form.facts.data)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"指名停止を登録しました（{suspension.period_text}: {format_date(suspension.starts_on)}〜"
                  f"{format_date(suspension.ends_on)}）。", "success")
            return redirect(url_for(TAB, contractor_id=contractor.id, saved=suspension.id) + f"#susp-{suspension.id}")
    return _render_tab(contractor, form, general, status=200)


@bp.route("/suspensions/<int:suspension_id>/lift", methods=["POST"])
@roles_required(*EDIT_ROLES)
def suspension_lift(suspension_id: int):
    """Lift a suspension early, with the day and a reason."""
    suspension = db.session.get(Suspension, suspension_id)
    if suspension is None:
        abort(404)
    contractor = suspension.contractor
    form = LiftForm(prefix=f"lift{suspension.id}")
    general: list[str] = []
    if form.validate_on_submit():
        try:
            suspensions.lift_suspension(db.session, current_user, suspension, form.lifted_on.data, form.reason.data)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"指名停止を解除しました（{format_date(suspension.lifted_on)}解除）。", "success")
            return redirect(url_for(TAB, contractor_id=contractor.id) + f"#susp-{suspension.id}")
    return _render_tab(contractor, None, general, lift_forms={suspension.id: form}, status=200)


# --- the list of all suspensions -----------------------------------------------------------------------

@bp.route("/suspensions")
@roles_required(*VIEW_ROLES)
def suspension_list():
    """Suspensions in force now and scheduled (or all in a period), with filters and CSV export."""
    filters = ListFilterForm(request.args)
    if not request.args:
        filters.include_lifted.data = True
    filters.validate()
    day = today()
    date_from = filters.date_from.data if not filters.date_from.errors else None
    date_to = filters.date_to.data if not filters.date_to.errors else None
    state = filters.state.data if filters.state.data in dict(STATE_CHOICES) else "current"
    stmt = suspensions.suspension_list(date_from, date_to, bool(filters.include_lifted.data),
                                       current_on=day if state == "current" else None, search=filters.q.data)
    if request.args.get("format") == "csv":
        def rows():
            for s in db.session.scalars(stmt):
                c = s.contractor
                yield [c.number, c.name, c.address or "", suspensions.cause_label(db.session, s), s.decided_on.isoformat(),
                       s.starts_on.isoformat(), s.ends_on.isoformat(), s.period_text, s.scope or "", s.facts,
                       s.lifted_on.isoformat() if s.lifted_on else "", s.lift_reason or "",
                       suspensions.STATUS_LABELS[suspensions.status_of(s, day)]]
        record_export(db.session, current_user, "指名停止一覧", request.args.to_dict())
        db.session.commit()
        return csv_response("指名停止一覧", ["業者番号", "商号", "所在地", "措置要件", "決定日", "始期", "終期", "期間", "範囲",
                                        "事実の概要", "解除日", "解除の理由", "状態"], rows())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    items = [{"s": s, "state": (st := suspensions.status_of(s, day)), "label": suspensions.STATUS_LABELS[st],
              "badge": suspensions.STATUS_BADGES[st], "cause": suspensions.cause_label(db.session, s)} for s in page.items]
    active_count = len(suspensions.suspended_contractor_ids(db.session, day))
    return render_template("registry/susp_list.html", page=page, items=items, filters=filters, today=day,
                           active_count=active_count, recent_from=day - timedelta(days=365))
