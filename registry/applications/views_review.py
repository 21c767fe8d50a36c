"""Staff review screens (SPEC QA2, CM9): the list of applications, one application with its attachments side
by side, item checks, return / reject / accept (with the registry comparison first)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import mail
from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db, utcnow
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import display_datetime
from core.transaction import general_errors, transaction
from registry.permissions import EDIT_ROLES

from . import checks, content, review
from .display import display_data, send_attachment
from .forms import DecisionForm, ListFilterForm, ReviewStartForm, check_values, review_form
from .models import ORIGINS, Application, ApplicationAttachment
from .queries import application_list_query

bp = Blueprint("applications", __name__)
DETAIL = "registry.applications.application_detail"


def _get(application_id: int) -> Application:
    """A submitted application; an applicant's draft is theirs alone until it is submitted."""
    application = db.session.get(Application, application_id)
    if application is None or application.status == "draft":
        abort(404)
    return application


@bp.route("/applications")
@roles_required(*EDIT_ROLES)
def application_list():
    """Submitted applications and 変更届, oldest first (first come, first reviewed)."""
    form = ListFilterForm(request.args)
    stmt = application_list_query(form.state.data, form.kind.data, form.q.data)
    if request.args.get("format") == "csv":
        rows = db.session.scalars(stmt).all()
        with transaction():
            record_export(db.session, current_user, "資格審査申請一覧", request.args.to_dict())
        return csv_response("資格審査申請一覧", ["受付番号", "種類", "状態", "商号又は名称", "業者番号", "受付経路", "版",
                                          "提出日時", "判断日時"],
                            [[a.reference, a.kind_label, a.status_label, a.firm_name, a.contractor_number or "",
                              ORIGINS[a.origin], a.revision, display_datetime(a.submitted_at),
                              display_datetime(a.decided_at)] for a in rows])
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("registry/applications/review/list.html", form=form, page=page, origins=ORIGINS)


@bp.route("/applications/<int:application_id>")
@roles_required(*EDIT_ROLES)
def application_detail(application_id: int):
    """The application beside its attachments, with a check per section and the decision forms."""
    application = _get(application_id)
    return _render_detail(application, review_form(application))


def _render_detail(application: Application, form, status: int = 200):
    return render_template("registry/applications/review/detail.html", application=application,
                           checks={c.section: c for c in application.checks}, form=form,
                           changes=checks.section_changes(db.session, application), view=display_data(application),
                           sections=content.SECTIONS_BY_KIND[application.kind], section_labels=content.SECTIONS,
                           start_form=ReviewStartForm(), fields=content.COMPANY_FIELDS,
                           general_errors=general_errors()), status


def _transition(application: Application, action):
    """Run a review step; on refusal flash why and go back to the application. Mails go after the commit."""
    with transaction(flash_errors=True) as tx:
        message = action()
    if not tx.ok:
        return redirect(url_for(DETAIL, application_id=application.id))
    if message is not None and not mail.send_quietly(message):
        flash("申請者へのメールを送信できませんでした。時間をおいて、申請者に連絡してください。", "warning")
    return None


@bp.route("/applications/<int:application_id>/review", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_start_review(application_id: int):
    application = _get(application_id)
    if not ReviewStartForm().validate_on_submit():
        abort(400)
    stop = _transition(application, lambda: review.start_review(db.session, current_user, application, utcnow()))
    if stop is None:
        flash("審査を始めました。項目ごとに確認してください。", "success")
    return stop or redirect(url_for(DETAIL, application_id=application.id))


@bp.route("/applications/<int:application_id>/checks", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_checks(application_id: int):
    """Save the checks and notes of every section at once; a refused note re-renders the page with all that
    was typed."""
    application = _get(application_id)
    form = review_form(application, request.form)
    if form.validate_on_submit():
        with transaction(form) as tx:
            changed = checks.save_checks(db.session, current_user, application, check_values(form, application),
                                         utcnow())
        if tx.ok:
            flash(f"確認を保存しました（{'、'.join(changed)}）。" if changed else "変更はありませんでした。", "success")
            return redirect(url_for(DETAIL, application_id=application.id))
    return _render_detail(application, form, 422)


def _decide(application: Application, step: str):
    """差し戻す / 不受理にする: the first POST saves the checks typed on the page and shows what the applicant
    will receive (a server-side confirmation, no script needed); the POST from that page decides."""
    form = review_form(application, request.form)
    if not form.validate_on_submit():
        return _render_detail(application, form, 422)
    if request.form.get("confirmed") == "1":
        if step == "return":
            stop = _transition(application, lambda: review.return_application(
                db.session, current_user, application, form.comment.data, utcnow(),
                confirmed_digest=request.form.get("notes_digest")))
            message = "申請者に差し戻しました。"
        else:
            stop = _transition(application, lambda: review.reject_application(
                db.session, current_user, application, form.comment.data, utcnow()))
            message = "不受理にしました。"
        if stop is None:
            flash(message, "success")
        return stop or redirect(url_for(DETAIL, application_id=application.id))
    with transaction(form) as tx:
        if application.status == "under_review":
            checks.save_checks(db.session, current_user, application, check_values(form, application), utcnow())
        if step == "return":
            comment, notes = review.return_content(application, form.comment.data)
        else:
            comment, notes = review.reject_reason(form.comment.data), {}
    if not tx.ok:
        return _render_detail(application, form, 422)
    return render_template("registry/applications/review/decide.html", application=application, step=step,
                           form=form, comment=comment, notes=notes, section_labels=content.SECTIONS,
                           notes_digest=review.notes_digest(notes))


@bp.route("/applications/<int:application_id>/return", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_return(application_id: int):
    return _decide(_get(application_id), "return")


@bp.route("/applications/<int:application_id>/reject", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_reject(application_id: int):
    return _decide(_get(application_id), "reject")


@bp.route("/applications/<int:application_id>/accept", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def application_accept(application_id: int):
    """Shows what acceptance changes in the registry; the button applies it."""
    application = _get(application_id)
    form = DecisionForm()
    if request.method == "POST" and form.validate_on_submit():
        with transaction(form) as tx:
            contractor, message = review.accept_application(db.session, current_user, application, form.comment.data,
                                                            utcnow())
        if tx.ok:
            if message is not None and not mail.send_quietly(message):
                flash("申請者へのメールを送信できませんでした。", "warning")
            flash(f"受理し、業者台帳に反映しました（業者番号 {contractor.number}）。", "success")
            return redirect(url_for("registry.contractors.contractor_detail", contractor_id=contractor.id))
        if not tx.errors:  # refused as a state change, not per field
            flash("・".join(tx.general), "error")
            return redirect(url_for(DETAIL, application_id=application.id))
    if application.status != "under_review":
        flash("審査中の申請だけ受理できます。", "warning")
        return redirect(url_for(DETAIL, application_id=application.id))
    diff = review.registry_diff(db.session, application)
    unchecked = [content.SECTIONS[s] for s in content.SECTIONS_BY_KIND[application.kind]
                 if not any(c.section == s and c.ok for c in application.checks)]
    return render_template("registry/applications/review/accept.html", application=application, diff=diff, form=form,
                           general_errors=general_errors(), unchecked=unchecked)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@roles_required(*EDIT_ROLES)
def application_attachment(application_id: int, attachment_id: int):
    _get(application_id)
    attachment = db.session.get(ApplicationAttachment, attachment_id)
    if attachment is None or attachment.application_id != application_id:
        abort(404)
    return send_attachment(attachment)


