"""説明請求 on the staff side (SPEC GR4): the list with its filters (state, overdue), one request with its timeline and
the steps the contract section takes — a paper request, the answer, a paper 再説明請求, the committee, a correction
of the grade decided by the committee, and the committee's answer. The works department and viewers read only.

Scope: a request belongs to its work's department; department staff see their own (another's answers 404).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db
from core.errors import NotFound, PermissionDenied
from core.formtools import choices
from core.history import history_of
from core.history_views import describe_changes
from core.jp import format_date
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction

from ..notices.permissions import can_view_notice
from ..notices.queries import request_deadline
from ..notices.views import portal_link, send_mails
from ..works.models import GradedWork, GraderAssignment
from ..works.queries import work_breakdown, work_rules
from ..works.sheets import role_items
from . import queries, services
from .forms import AnswerForm, CommitteeForm, CorrectionForm, DecisionForm, PaperRequestForm, RequestFilterForm
from .models import ExplanationRequest
from .permissions import STAFF_ROLES, can_handle_requests, can_view_request

bp = Blueprint("explanations", __name__)
DETAIL = "grading.explanations.request_detail"
PORTAL = "portal.grading.notice_detail"


@bp.route("/explanations")
@roles_required(*STAFF_ROLES)
def request_list():
    """説明請求 in the user's scope: those waiting (default), one state, or all; ``overdue`` keeps those past the
    deadline they wait for; ``format=csv`` downloads the rows."""
    form = RequestFilterForm(request.args)
    form.validate()
    state = form.state.data if form.state.data in (*queries.STATE_FILTERS, "all") else "open"
    filters = queries.RequestFilters(state=None if state == "all" else state, overdue=bool(form.overdue.data),
                                     q=(form.q.data or "").strip() or None if not form.q.errors else None,
                                     sort=request.args.get("sort") or "due")
    day = today()
    stmt = queries.request_list(current_user, filters, day)
    if request.args.get("format") == "csv":
        with transaction():
            record_export(db.session, current_user, "説明請求", request.args.to_dict())
        rows = list(db.session.scalars(stmt).unique())
        return csv_response("説明請求", ["契約番号", "工事名", "受注者", "受付日", "受付の方法", "状態", "回答期限", "回答日",
                                      "再説明請求の受付日", "委員会審議の回答期限", "委員会審議の回答日", "期限超過"],
                            [[r.work.contract_number, r.work.name, r.work.contractor.name, r.filed_on.isoformat(),
                              r.channel_label, r.state_label, r.answer_due.isoformat(), _iso(r.answered_on),
                              _iso(r.re_filed_on), _iso(r.committee_due), _iso(r.committee_answered_on),
                              "超過" if queries.is_overdue(r, day) else ""] for r in rows])
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("grading/explanations/list.html", page=page, filters=form, sort=filters.sort, today=day,
                           is_overdue=queries.is_overdue, current_due=queries.current_due)


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _request(request_id: int) -> ExplanationRequest:
    found = db.session.get(ExplanationRequest, request_id)
    if found is None or not can_view_request(current_user, found):
        raise NotFound("指定された説明請求は存在しません。")  # another department's request is not revealed
    return found


def _handled(request_id: int) -> ExplanationRequest:
    found = _request(request_id)
    if not can_handle_requests(current_user):
        raise PermissionDenied("説明請求の事務は契約課の職員が行います。")
    return found


def _targets(work: GradedWork) -> list[tuple[str, str]]:
    """The 細別 a correction may change: each grader's items with the current value."""
    rules = work_rules(db.session, work)
    out = []
    for a in work.assignments:
        values = {e.item_key: e.value for e in a.entries}
        name = f"{a.role_label}" + (f" 第{a.seq}回" if a.role == "interim_inspector" else "")
        for item in role_items(rules, a.role):
            out.append((f"{a.id}:{item.key}", f"{name}｜{item.category} {item.label}（現在 {values.get(item.key) or '—'}）"))
    return out


def _render(found: ExplanationRequest, status: int = 200, **forms):
    day = today()
    work = found.work
    may = can_handle_requests(current_user)
    correction = forms.get("correction_form") or CorrectionForm(formdata=None, revised_on=day)
    correction.target.choices = choices(_targets(work)) if may and found.state == "committee" else []
    return render_template(
        "grading/explanations/detail.html", req=found, work=work, may_handle=may, today=day,
        steps=queries.timeline(found, request_deadline(db.session, work), day), overdue=queries.is_overdue(found, day),
        breakdown=work_breakdown(db.session, work), corrections=queries.corrections(found) if found.re_filed_on else [],
        answer_form=forms.get("answer_form") or AnswerForm(formdata=None, answered_on=day),
        re_form=forms.get("re_form") or PaperRequestForm(formdata=None, filed_on=day, prefix="re"),
        committee_form=forms.get("committee_form") or CommitteeForm(formdata=None, committee_on=day),
        correction_form=correction,
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None, answered_on=day),
        seq=[r.id for r in queries.requests_of_work(db.session, work.id)].index(found.id) + 1,
        history=describe_changes(history_of(db.session, "explanation_requests", str(found.id))),
        general_errors=general_errors()), status


@bp.route("/explanations/<int:request_id>")
@roles_required(*STAFF_ROLES)
def request_detail(request_id: int):
    return _render(_request(request_id))


def _done(found: ExplanationRequest, message: str):
    flash(message, "success")
    return redirect(url_for(DETAIL, request_id=found.id))


@bp.route("/explanations/works/<int:work_id>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def request_file(work_id: int):
    """A 説明請求 received on paper, recorded with its 受付日 (refused after the deadline)."""
    work = db.session.get(GradedWork, work_id)
    if work is None or not can_view_notice(current_user, work):
        raise NotFound("指定された工事は存在しません。")
    if not can_handle_requests(current_user):
        raise PermissionDenied("書面による請求の登録は契約課の職員が行います。")
    form = PaperRequestForm()
    if form.validate_on_submit():
        with transaction(flash_errors=True) as tx:
            found = services.file_request(db.session, current_user, work, content=form.content.data,
                                          filed_on=form.filed_on.data, channel="paper")
        if tx.ok:
            return _done(found, f"説明請求を受け付けました（回答期限 {format_date(found.answer_due)}）。")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("grading.notices.notice_detail", work_id=work.id) + "#explanations")


@bp.route("/explanations/<int:request_id>/answer", methods=["POST"])
@roles_required(*STAFF_ROLES)
def request_answer(request_id: int):
    found = _handled(request_id)
    form = AnswerForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            mails = services.answer_request(db.session, current_user, found, answer=form.answer.data,
                                            answered_on=form.answered_on.data,
                                            link=portal_link(PORTAL, work_id=found.work_id))
        if tx.ok:
            send_mails(mails, "回答")
            return _done(found, f"回答を記録しました（再説明請求の期限 {format_date(found.re_request_due)}）。")
    return _render(found, 422, answer_form=form)


@bp.route("/explanations/<int:request_id>/re-request", methods=["POST"])
@roles_required(*STAFF_ROLES)
def request_re_request(request_id: int):
    found = _handled(request_id)
    form = PaperRequestForm(prefix="re")
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.re_request(db.session, current_user, found, content=form.content.data,
                                filed_on=form.filed_on.data, channel="paper")
        if tx.ok:
            return _done(found, f"再説明請求を受け付けました（委員会審議の回答期限 {format_date(found.committee_due)}）。")
    return _render(found, 422, re_form=form)


@bp.route("/explanations/<int:request_id>/committee", methods=["POST"])
@roles_required(*STAFF_ROLES)
def request_committee(request_id: int):
    found = _handled(request_id)
    form = CommitteeForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.refer_to_committee(db.session, current_user, found, committee_on=form.committee_on.data)
        if tx.ok:
            return _done(found, f"委員会審議の日（{format_date(found.committee_on)}）を記録しました。")
    return _render(found, 422, committee_form=form)


@bp.route("/explanations/<int:request_id>/correct", methods=["POST"])
@roles_required(*STAFF_ROLES)
def request_correct(request_id: int):
    """評定修正 decided by the committee: one grader's 細別 changed through the works' correction."""
    found = _handled(request_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        raw_id, _sep, item_key = (form.target.data or "").partition(":")
        assignment = db.session.get(GraderAssignment, int(raw_id)) if raw_id.isdigit() else None
        if assignment is None or assignment.work_id != found.work_id or not item_key:
            form.target.errors = ["修正する細別を選んでください。"]
            return _render(found, 422, correction_form=form)
        with transaction(form) as tx:
            revision = services.correct_item(db.session, current_user, found, assignment, item_key=item_key,
                                             value=form.value.data, reason=form.reason.data,
                                             revised_on=form.revised_on.data)
        if tx.ok:
            return _done(found, f"評定を修正しました（{revision.final_before} → {revision.final_after} 点）。")
    return _render(found, 422, correction_form=form)


@bp.route("/explanations/<int:request_id>/decide", methods=["POST"])
@roles_required(*STAFF_ROLES)
def request_decide(request_id: int):
    found = _handled(request_id)
    form = DecisionForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            mails = services.answer_committee(db.session, current_user, found, answer=form.answer.data,
                                              answered_on=form.answered_on.data, outcome=form.outcome.data,
                                              link=portal_link(PORTAL, work_id=found.work_id))
        if tx.ok:
            send_mails(mails, "委員会審議の回答")
            return _done(found, f"委員会審議の回答を記録しました（{found.state_label}）。")
    return _render(found, 422, decision_form=form)
