"""The 指名・参加者 tab of a case: the firms on the case, the eligibility list to pick from (指名競争・随意契約),
the 指名通知, applications to an open tender and their review, and the warnings of suspensions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bidding.cases.permissions import DRAFT_ROLES, VIEW_ROLES, can_manage_case
from bidding.cases.tabs import case_tabs
from bidding.cases.views import get_case
from core.db import db
from core.errors import NotFound, PermissionDenied
from core.pagination import Page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction
from registry.contractors.models import Contractor
from registry.contractors.queries import find_by_number

from . import queries, services
from .eligibility import eligibility_rows, nomination_day
from .forms import SORTS, ApplicationForm, EligibilityFilterForm, ReviewForm, StepForm
from .models import CaseParticipant

bp = Blueprint("nominations", __name__)
TAB = "bidding.nominations.case_nominations"
PER_PAGE = 100


def _eligibility_page(case, form: EligibilityFilterForm, picked: set[int]) -> Page:
    rows = [r for r in eligibility_rows(db.session, case, today()) if r.contractor_id not in picked]
    show = form.show.data or "eligible"
    if show == "eligible":
        rows = [r for r in rows if r.eligible]
    elif show == "ineligible":
        rows = [r for r in rows if not r.eligible]
    if form.rank.data:
        rows = [r for r in rows if r.rank == form.rank.data]
    if form.area.data:
        rows = [r for r in rows if r.area == form.area.data]
    key, reverse = SORTS.get(form.sort.data, SORTS["rank"])[1:]
    rows.sort(key=key, reverse=reverse)
    total = len(rows)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, form.page.data or 1), pages)
    return Page(rows[(page - 1) * PER_PAGE: page * PER_PAGE], total, page, PER_PAGE)


def _render(case, status: int = 200, **forms):
    items = queries.participants(db.session, case.id)
    may_manage = can_manage_case(current_user, case)
    filters = EligibilityFilterForm(request.args)
    filters.validate()
    picking = may_manage and case.is_nominated_method and case.state == "draft" and case.is_approved
    page = _eligibility_page(case, filters, {p.contractor_id for p in items if p.is_active}) if picking else None
    return render_template(
        "bidding/nominations/tab.html", case=case, tabs=case_tabs(case.id, TAB), items=items, page=page,
        filters=filters, may_manage=may_manage, picking=picking,
        nomination_day=nomination_day(case, today()), step_form=forms.get("step_form") or StepForm(),
        application_form=forms.get("application_form") or ApplicationForm(applied_on=today()),
        review_form=forms.get("review_form") or ReviewForm(), review_errors_for=forms.get("review_id"),
        picks_posted=forms.get("picks_posted", {}), general_errors=general_errors()), status


@bp.route("/cases/<int:case_id>/nominations")
@roles_required(*VIEW_ROLES)
def case_nominations(case_id: int):
    """指名・参加者 tab."""
    return _render(get_case(case_id))


def _managed(case_id: int):
    case = get_case(case_id)
    if not can_manage_case(current_user, case):
        raise PermissionDenied("この操作は契約課の職員が行います。")
    return case


def _back(case, anchor: str = ""):
    return redirect(url_for(TAB, case_id=case.id) + anchor)


@bp.route("/cases/<int:case_id>/nominations/pick", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_nominations_pick(case_id: int):
    """Pick the checked firms, each with its reason and (ineligible ones) the override reason."""
    case = _managed(case_id)
    form = StepForm()
    posted = {}
    if form.validate_on_submit():
        ids = sorted({int(v) for v in request.form.getlist("pick") if v.isdigit() and len(v) < 10})
        firms = {c.id: c for c in db.session.query(Contractor).filter(Contractor.id.in_(ids))} if ids else {}
        picks = [{"contractor": firms[i], "reason": request.form.get(f"reason-{i}"),
                  "override_reason": request.form.get(f"override-{i}")} for i in ids if i in firms]
        posted = {i: (request.form.get(f"reason-{i}", ""), request.form.get(f"override-{i}", "")) for i in ids}
        with transaction(form) as tx:
            done = services.pick_firms(db.session, current_user, case, picks, today=today())
        if tx.ok:
            flash(f"{len(done)} 者を指名業者に選びました。", "success")
            return _back(case, "#participants")
    return _render(case, 422, step_form=form, picks_posted=posted)


def _participant(case, participant_id: int) -> CaseParticipant:
    participant = db.session.get(CaseParticipant, participant_id)
    if participant is None or participant.case_id != case.id:
        raise NotFound("指定された参加者は存在しません。")
    return participant


@bp.route("/cases/<int:case_id>/nominations/<int:participant_id>/unpick", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_nominations_unpick(case_id: int, participant_id: int):
    case = _managed(case_id)
    participant = _participant(case, participant_id)
    form = StepForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            services.unpick_firm(db.session, current_user, participant, today=today())
        if tx.ok:
            flash(f"{participant.contractor.name}の選定を取りやめました。", "success")
            return _back(case, "#participants")
    return _render(case, 422, step_form=form)


@bp.route("/cases/<int:case_id>/nominations/notify", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_nominations_notify(case_id: int):
    """指名通知: the picked firms are nominated on the case's 指名通知日 and the case becomes 指名済."""
    case = _managed(case_id)
    form = StepForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            notified = services.notify_nominations(db.session, current_user, case, notice_on=case.notice_on or today())
        if tx.ok:
            flash(f"{len(notified)} 者に指名通知を行いました。指名通知書を印刷できます。", "success")
            return _back(case)
    return _render(case, 422, step_form=form)


@bp.route("/cases/<int:case_id>/nominations/apply", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_nominations_apply(case_id: int):
    """Record an application to an open tender by 業者番号; its eligibility is checked at once."""
    case = _managed(case_id)
    form = ApplicationForm()
    if form.validate_on_submit():
        contractor = find_by_number(db.session, form.number.data)
        if contractor is None:
            form.number.errors.append(f"業者番号「{form.number.data}」の業者は登録されていません。")
        else:
            with transaction(form) as tx:
                services.record_application(db.session, current_user, case, contractor,
                                            applied_on=form.applied_on.data or today(), today=today())
            if tx.ok:
                flash(f"{contractor.name}の参加申請を受け付けました。", "success")
                return _back(case, "#participants")
    return _render(case, 422, application_form=form)


@bp.route("/cases/<int:case_id>/nominations/<int:participant_id>/review", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_nominations_review(case_id: int, participant_id: int):
    """参加資格あり / なし for one applicant (one click when the check found nothing)."""
    case = _managed(case_id)
    participant = _participant(case, participant_id)
    form = ReviewForm()
    if form.validate_on_submit():
        admit = form.decision.data == "admit"
        with transaction(form) as tx:
            services.review_application(db.session, current_user, participant, admit=admit, today=today(),
                                        reason=form.reason.data)
        if tx.ok:
            flash(f"{participant.contractor.name}: {participant.status_label}", "success")
            return _back(case, f"#p-{participant.id}")
    return _render(case, 422, review_form=form, review_id=participant.id)


@bp.route("/cases/<int:case_id>/nominations/sweep", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_nominations_sweep(case_id: int):
    """Cancel now the nominations of firms suspended today (the daily command does the same for all cases)."""
    case = _managed(case_id)
    form = StepForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            cancelled = services.cancel_suspended(db.session, current_user, today(), case_ids=[case.id])
        if tx.ok:
            flash(f"指名停止中の業者の指名（参加資格）を {len(cancelled)} 件取り消しました。" if cancelled
                  else "本日指名停止中の参加者はいません。", "success")
            return _back(case)
    return _render(case, 422, step_form=form)

