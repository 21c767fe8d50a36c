"""The contractor's pages on the applicant portal (SPEC GR4): 「工事成績評定の通知」 — the firm's notified works, one
notice with its 項目別評定点表, the 説明請求 form within the deadline, the requests' states and answers, and the
再説明請求 within its deadline.

Every route reads through the login's firm (``queries.applicant_firm``, the account's 業者番号): another firm's work,
or a work not notified, answers 404. Registered as ``portal.grading`` under /portal/grading, also when the app runs
as the portal only.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core.auth.roles import Role
from core.db import db
from core.errors import NotFound
from core.jp import format_date
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction

from ..explanations import services as explanations
from ..explanations.forms import PortalRequestForm
from ..explanations.models import ExplanationRequest
from ..explanations.queries import requests_of_work
from ..works.models import GradedWork
from ..works.queries import work_breakdown
from . import queries

bp = Blueprint("grading", __name__)
APPLICANT = (Role.APPLICANT,)
DETAIL = "portal.grading.notice_detail"


def _firm():
    return queries.applicant_firm(db.session, current_user)


def _notice(work_id: int) -> tuple[object, GradedWork]:
    firm = _firm()
    work = queries.firm_notice(db.session, firm, work_id) if firm is not None else None
    if work is None:
        raise NotFound("指定された通知はありません。")  # another firm's work is not revealed
    return firm, work


@bp.route("/")
@roles_required(*APPLICANT)
def notice_list():
    firm = _firm()
    works = queries.firm_notices(db.session, firm) if firm is not None else []
    return render_template("grading/portal/notices.html", firm=firm, works=works,
                           format_score=queries.format_score, deadlines={
                               w.id: queries.request_deadline(db.session, w) for w in works}, today=today())


def _render(work: GradedWork, status: int = 200, form: PortalRequestForm | None = None,
            re_form: PortalRequestForm | None = None):
    day = today()
    deadline = queries.request_deadline(db.session, work)
    requests = requests_of_work(db.session, work.id)
    running = explanations.pending_request(db.session, work, day)
    return render_template(
        "grading/portal/notice.html", work=work, breakdown=work_breakdown(db.session, work), deadline=deadline,
        requests=requests, running=running, today=day, may_file=running is None and day <= deadline,
        form=form or PortalRequestForm(formdata=None), re_form=re_form or PortalRequestForm(formdata=None, prefix="re"),
        format_score=queries.format_score, general_errors=general_errors()), status


@bp.route("/notices/<int:work_id>")
@roles_required(*APPLICANT)
def notice_detail(work_id: int):
    _firm_, work = _notice(work_id)
    return _render(work)


@bp.route("/notices/<int:work_id>/explanations", methods=["POST"])
@roles_required(*APPLICANT)
def notice_request(work_id: int):
    """説明請求, filed today; refused after the deadline (the message names it) or while one is running."""
    firm, work = _notice(work_id)
    form = PortalRequestForm()
    if not form.validate_on_submit():
        return _render(work, 422, form=form)
    with transaction(form) as tx:
        found = explanations.file_request(db.session, current_user, work, content=form.content.data, channel="portal",
                                          firm=firm)
    if not tx.ok:
        return _render(work, 422, form=form)
    flash(f"説明請求を受け付けました（受付日 {format_date(found.filed_on)}、回答の期限 {format_date(found.answer_due)}）。",
          "success")
    return redirect(url_for(DETAIL, work_id=work.id) + "#requests")


@bp.route("/explanations/<int:request_id>/re-request", methods=["POST"])
@roles_required(*APPLICANT)
def re_request(request_id: int):
    """再説明請求 of an answered request, within its deadline."""
    found = db.session.get(ExplanationRequest, request_id)
    if found is None:
        abort(404)
    firm, work = _notice(found.work_id)
    form = PortalRequestForm(prefix="re")
    if not form.validate_on_submit():
        return _render(work, 422, re_form=form)
    with transaction(form) as tx:
        explanations.re_request(db.session, current_user, found, content=form.content.data, channel="portal", firm=firm)
    if not tx.ok:
        return _render(work, 422, re_form=form)
    flash(f"再説明請求を受け付けました（回答の期限 {format_date(found.committee_due)}）。", "success")
    return redirect(url_for(DETAIL, work_id=work.id) + "#requests")
