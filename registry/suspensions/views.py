"""指名停止 screens: the firm's 指名停止 tab (history, register and lift forms) and the list of all suspensions."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db
from core.formtools import choices
from core.inputs import int_arg
from core.jp import format_date
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.rules.queries import RuleNotInForce
from core.timefmt import today
from core.transaction import general_errors, transaction
from registry.contractors.models import Contractor
from registry.contractors.queries import find_by_number
from registry.contractors.tabs import contractor_tabs, get_contractor
from registry.permissions import EDIT_ROLES, VIEW_ROLES

from . import queries, services
from .forms import STATE_CHOICES, FirmChoiceForm, LiftForm, ListFilterForm, SuspensionForm
from .models import Suspension
from .periods import cause_label, causes
from .permissions import can_manage_suspensions

bp = Blueprint("suspensions", __name__)
TAB = "registry.suspensions.contractor_suspensions"


def _cause_choices(form: SuspensionForm, day: date) -> None:
    try:
        pairs = [(c.code, c.choice_label) for c in causes(db.session, day).values()]
    except RuleNotInForce:
        pairs = []
    form.cause_code.choices = choices([("", "選んでください")] + pairs)


# --- the 指名停止 tab ----------------------------------------------------------------------------------

def _breadcrumb(contractor: Contractor) -> list:
    return [("業者一覧", url_for("registry.contractors.contractor_list")),
            (contractor.name, url_for("registry.contractors.contractor_detail", contractor_id=contractor.id)),
            ("指名停止", None)]


def _render_tab(contractor: Contractor, form: SuspensionForm | None = None, lift_forms: dict[int, LiftForm] | None = None):
    day = today()
    records = queries.contractor_suspensions(db.session, contractor.id)
    may_manage = can_manage_suspensions(current_user)
    if form is None and may_manage:
        form = SuspensionForm(formdata=None, decided_on=day, period_unit="months")
    if form is not None:
        _cause_choices(form, form.decided_on.data if isinstance(form.decided_on.data, date) else day)
    lift_forms = lift_forms or {}
    rows = []
    for s in records:
        state = s.status_on(day)
        lift = lift_forms.get(s.id)
        if lift is None and state in ("active", "scheduled") and s.lifted_on is None and may_manage:
            lift = LiftForm(formdata=None, lifted_on=max(day, s.starts_on), prefix=f"lift{s.id}")
        rows.append({"s": s, "state": state, "label": queries.STATUS_LABELS[state],
                     "badge": queries.STATUS_BADGES[state], "cause": cause_label(db.session, s),
                     "lift_form": lift, "lift_open": s.id in lift_forms})
    member_rows = []
    if contractor.is_jv:
        member_rows = [{"s": s, "cause": cause_label(db.session, s)}
                       for s in queries.member_suspensions(db.session, contractor.id, day)]
    return render_template("registry/suspensions/tab.html", contractor=contractor,
                           tabs=contractor_tabs(contractor.id, TAB), rows=rows, member_rows=member_rows,
                           form=form, general_errors=general_errors(), saved_id=int_arg("saved", "登録した指名停止"),
                           today=day, breadcrumb=_breadcrumb(contractor))


@bp.route("/contractors/<int:contractor_id>/suspensions")
@roles_required(*VIEW_ROLES)
def contractor_suspensions(contractor_id: int):
    """The 指名停止 tab: the firm's suspensions with their status, and (contract staff) register and lift forms."""
    return _render_tab(get_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/suspensions/new", methods=["POST"])
@roles_required(*EDIT_ROLES)
def contractor_suspension_register(contractor_id: int):
    """Register a suspension; the first and last days follow from the rules and are shown after saving."""
    contractor = get_contractor(contractor_id)
    form = SuspensionForm()
    _cause_choices(form, form.decided_on.data if isinstance(form.decided_on.data, date) else today())
    if form.validate_on_submit():
        with transaction(form) as tx:
            suspension = services.register_suspension(
                db.session, current_user, contractor, form.cause_code.data, form.decided_on.data,
                form.period_value.data, form.period_unit.data, form.scope.data, form.facts.data)
        if tx.ok:
            flash(f"指名停止を登録しました（{suspension.period_text}: {format_date(suspension.starts_on)}〜"
                  f"{format_date(suspension.ends_on)}）。", "success")
            return redirect(url_for(TAB, contractor_id=contractor.id, saved=suspension.id) + f"#susp-{suspension.id}")
    return _render_tab(contractor, form)


@bp.route("/suspensions/<int:suspension_id>/lift", methods=["POST"])
@roles_required(*EDIT_ROLES)
def suspension_lift(suspension_id: int):
    """Lift a suspension early, with the day and a reason."""
    suspension = db.session.get(Suspension, suspension_id)
    if suspension is None:
        abort(404)
    contractor = suspension.contractor
    form = LiftForm(prefix=f"lift{suspension.id}")
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.lift_suspension(db.session, current_user, suspension, form.lifted_on.data, form.reason.data)
        if tx.ok:
            flash(f"指名停止を解除しました（{format_date(suspension.lifted_on)}解除）。", "success")
            return redirect(url_for(TAB, contractor_id=contractor.id) + f"#susp-{suspension.id}")
    return _render_tab(contractor, None, lift_forms={suspension.id: form})


# --- the list of all suspensions -----------------------------------------------------------------------

EXPORT_HEADER = ["業者番号", "商号", "所在地", "措置要件", "決定日", "始期", "終期", "期間", "範囲", "事実の概要", "解除日",
                 "解除の理由", "状態"]


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
    stmt = queries.suspension_list(date_from, date_to, bool(filters.include_lifted.data),
                                   current_on=day if state == "current" else None, search=filters.q.data,
                                   week=filters.week.data, week_of_day=day)
    if request.args.get("format") == "csv":
        def rows():
            for s in db.session.scalars(stmt):
                c = s.contractor
                yield [c.number, c.name, c.address or "", cause_label(db.session, s), s.decided_on.isoformat(),
                       s.starts_on.isoformat(), s.ends_on.isoformat(), s.period_text, s.scope or "", s.facts,
                       s.lifted_on.isoformat() if s.lifted_on else "", s.lift_reason or "",
                       queries.STATUS_LABELS[s.status_on(day)]]
        with transaction():
            record_export(db.session, current_user, "指名停止一覧", request.args.to_dict())
        return csv_response("指名停止一覧", EXPORT_HEADER, rows())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    items = [{"s": s, "state": (st := s.status_on(day)), "label": queries.STATUS_LABELS[st],
              "badge": queries.STATUS_BADGES[st], "cause": cause_label(db.session, s)} for s in page.items]
    active_count = len(queries.suspended_contractor_ids(db.session, day))
    return render_template("registry/suspensions/list.html", page=page, items=items, filters=filters, today=day,
                           active_count=active_count, recent_from=day - timedelta(days=365),
                           can_manage=can_manage_suspensions(current_user), week=queries.week_of(day))


@bp.route("/suspensions/new")
@roles_required(*EDIT_ROLES)
def suspension_new():
    """「指名停止を登録」 from the list: ask for the firm, then open its 指名停止 tab at the registration form."""
    form = FirmChoiceForm(request.args)
    status = 200
    if "number" in request.args:
        if form.validate():
            contractor = find_by_number(db.session, form.number.data)
            if contractor is not None:
                return redirect(url_for(TAB, contractor_id=contractor.id) + "#register")
            form.number.errors.append(f"業者番号「{form.number.data}」の業者は登録されていません。")
        status = 422
    return render_template("registry/suspensions/new.html", form=form), status
