"""The 入札 tab of a case: record bids per round, open, draw the 電子くじ, record 低入札価格調査 results, 再度入札 or
不調, and award (or confirm the 落札候補者 after 事後審査); undo an award with a reason."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from bidding.cases.permissions import DRAFT_ROLES, VIEW_ROLES, can_manage_case
from bidding.cases.tabs import case_tabs
from bidding.cases.views import get_case
from bidding.nominations.queries import bidders
from core.db import db
from core.errors import NotFound
from core.formtools import choices
from core.permissions import roles_required
from core.timefmt import now_local, today
from core.transaction import general_errors, transaction
from registry.contractors.models import Contractor

from . import award, queries, services
from .forms import BidForm, DecisionForm, StepForm, SurveyForm, TechForm, UndoForm
from .models import SURVEY_DECISIONS, Award, Bid
from .outcome import round_outcome

bp = Blueprint("bids", __name__)
TAB = "bidding.bids.case_bids"


def _bid_form(case, reasons: dict, form: BidForm | None = None) -> BidForm:
    form = form or BidForm(formdata=None, received_at=now_local().replace(microsecond=0))
    form.contractor_id.choices = choices([(0, "選んでください")] + [(p.contractor_id, f"{p.contractor.number} "
                                                                   f"{p.contractor.name}") for p in bidders(db.session, case.id)])
    form.invalid_reason.choices = choices([("", "（有効）")] + [(k, v["label"]) for k, v in reasons.items()])
    return form


def _render(case, status: int = 200, **forms):
    may_manage = can_manage_case(current_user, case)
    rule = services.rules(db.session, case)
    rounds = queries.rounds_of(db.session, case.id)
    outcome = round_outcome(db.session, case) if rounds and rounds[-1].state == "opened" else None
    survey_form = forms.get("survey_form") or SurveyForm(formdata=None, decided_on=today())
    survey_form.decision.choices = choices([(k, v) for k, v in SURVEY_DECISIONS.items() if k != "pending"])
    return render_template(
        "bidding/bids/tab.html", case=case, tabs=case_tabs(case.id, TAB), rounds=rounds, outcome=outcome,
        awards=queries.awards_of(db.session, case.id), may_manage=may_manage,
        taking_bids=may_manage and services.accepts_bids(db.session, case),
        bid_form=_bid_form(case, rule["invalid_reasons"], forms.get("bid_form")) if may_manage else None, step_form=StepForm(),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None, decided_on=today()),
        survey_form=survey_form, undo_form=forms.get("undo_form") or UndoForm(), tech_form=TechForm(),
        value_method=case.method in services.VALUE_METHODS,
        max_rounds=rule["max_rounds"], general_errors=general_errors(),
        invalid_labels={k: v["label"] for k, v in rule["invalid_reasons"].items()}), status


@bp.route("/cases/<int:case_id>/bids")
@roles_required(*VIEW_ROLES)
def case_bids(case_id: int):
    """入札 tab: every round with its bids and statuses, and the steps the user may take."""
    return _render(get_case(case_id))


def _managed(case_id: int):
    case = get_case(case_id)
    if not can_manage_case(current_user, case):
        from core.errors import PermissionDenied

        raise PermissionDenied("入札の事務は契約課の職員が行います。")
    return case


def _done(case, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for(TAB, case_id=case.id) + anchor)


@bp.route("/cases/<int:case_id>/bids/record", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bid_record(case_id: int):
    case = _managed(case_id)
    form = _bid_form(case, services.rules(db.session, case)["invalid_reasons"], BidForm())
    if form.validate_on_submit():
        firm = db.session.get(Contractor, form.contractor_id.data) if form.contractor_id.data else None
        if firm is None:
            form.contractor_id.errors.append("業者を選んでください。")
        else:
            with transaction(form) as tx:
                bid = services.record_bid(db.session, current_user, case, firm, amount=form.amount.data,
                                          declined=bool(form.declined.data), invalid_reason=form.invalid_reason.data,
                                          received_at=form.received_at.data or now_local(),
                                          lot_input=(form.lot_input.data or "").strip() or None,
                                          paper=bool(form.paper.data))
            if tx.ok:
                return _done(case, f"{firm.name}の入札を記録しました（第{bid.round.number}回）。", "#bids")
    return _render(case, 422, bid_form=form)


def _step(case_id: int, action, message: str):
    case = _managed(case_id)
    form = StepForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            action(case)
        if tx.ok:
            return _done(case, message)
    return _render(case, 422)


@bp.route("/cases/<int:case_id>/bids/open", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bids_open(case_id: int):
    return _step(case_id, lambda c: services.open_round(db.session, current_user, c, now=now_local()), "開札しました。")


@bp.route("/cases/<int:case_id>/bids/lot", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bids_lot(case_id: int):
    return _step(case_id, lambda c: award.draw_lot(db.session, current_user, c), "電子くじを引きました。")


@bp.route("/cases/<int:case_id>/bids/rebid", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bids_rebid(case_id: int):
    return _step(case_id, lambda c: award.start_rebid(db.session, current_user, c), "再度入札を始めました。")


@bp.route("/cases/<int:case_id>/bids/fail", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bids_fail(case_id: int):
    return _step(case_id, lambda c: award.declare_failed(db.session, current_user, c), "不調としました。")


@bp.route("/cases/<int:case_id>/bids/award", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bids_award(case_id: int):
    case = _managed(case_id)
    form = DecisionForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            record = award.award(db.session, current_user, case, decided_on=form.decided_on.data or today())
        if tx.ok:
            return _done(case, f"{record.state_label}: {record.contractor.name}（{record.amount:,} 円）")
    return _render(case, 422, decision_form=form)


def _award(case, award_id: int) -> Award:
    record = db.session.get(Award, award_id)
    if record is None or record.case_id != case.id:
        raise NotFound("指定された落札決定は存在しません。")
    return record


@bp.route("/cases/<int:case_id>/bids/awards/<int:award_id>/confirm", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_award_confirm(case_id: int, award_id: int):
    case = _managed(case_id)
    record = _award(case, award_id)
    form = DecisionForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            award.confirm_award(db.session, current_user, record, decided_on=form.decided_on.data or today())
        if tx.ok:
            return _done(case, f"事後審査を経て落札者を決定しました: {record.contractor.name}")
    return _render(case, 422, decision_form=form)


@bp.route("/cases/<int:case_id>/bids/awards/<int:award_id>/undo", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_award_undo(case_id: int, award_id: int):
    case = _managed(case_id)
    record = _award(case, award_id)
    form = UndoForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            award.undo_award(db.session, current_user, record, reason=form.reason.data, on=today())
        if tx.ok:
            return _done(case, "落札決定を取り消しました。")
    return _render(case, 422, undo_form=form)


@bp.route("/cases/<int:case_id>/bids/<int:bid_id>/survey", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bid_survey(case_id: int, bid_id: int):
    case = _managed(case_id)
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.case_id != case.id:
        raise NotFound("指定された入札は存在しません。")
    form = SurveyForm()
    form.decision.choices = choices([(k, v) for k, v in SURVEY_DECISIONS.items() if k != "pending"])
    if form.validate_on_submit():
        with transaction(form) as tx:
            award.decide_survey(db.session, current_user, bid, acceptable=form.decision.data == "acceptable",
                                   decided_on=form.decided_on.data or today(), note=form.note.data)
        if tx.ok:
            return _done(case, f"{bid.contractor.name}の低入札価格調査の結果を記録しました。")
    return _render(case, 422, survey_form=form)


@bp.route("/cases/<int:case_id>/bids/<int:bid_id>/tech", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_bid_tech(case_id: int, bid_id: int):
    """総合評価: a bidder's 標準点, 加算点 and 施工体制評価点."""
    case = _managed(case_id)
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.case_id != case.id:
        raise NotFound("指定された入札は存在しません。")
    form = TechForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            services.set_tech_scores(db.session, current_user, bid, standard=form.tech_standard.data,
                                     added=form.tech_added.data, structure=form.tech_structure.data)
        if tx.ok:
            return _done(case, f"{bid.contractor.name}の技術評価点を記録しました。", "#bids")
    return _render(case, 422)
