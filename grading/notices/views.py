"""評定の通知 and 評定の公表 (SPEC GR4): the settled works waiting for their notice with a notify button each, and the
notified ones; one work's notice page (its 項目別評定点表, the notice letter, its 説明請求); the publication list per
period as a page, CSV, Excel and the printed list.

Scope: department staff see their own department's works (another's answers 404); only the contract section
notifies (``works.permissions.can_notify``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bidding.cases.permissions import is_contract_section
from bidding.cases.queries import department_choices
from core import mail
from core.audit.services import record_export
from core.auth.models import Department
from core.csvexport import csv_response
from core.db import db
from core.errors import NotFound, PermissionDenied
from core.formtools import choices
from core.jp import fiscal_year, fiscal_year_label, format_date
from core.mail import UntrustedHost, public_url
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import transaction
from exports.render.xlsx_stream import xlsx_response  # a renderer without feature knowledge (as the results page's)

from ..explanations.forms import PaperRequestForm
from ..explanations.queries import requests_of_work
from ..explanations.services import pending_request
from ..works.models import GradedWork
from ..works.permissions import can_notify, can_view_scores, can_view_work
from ..works.queries import settled_by, work_breakdown
from . import exports, queries, services
from .forms import NoticeFilterForm, NotifyForm, PublicationFilterForm
from .permissions import NOTICE_ROLES, PUBLICATION_ROLES, can_view_notice

bp = Blueprint("notices", __name__)
DETAIL = "grading.notices.notice_detail"


def portal_link(endpoint: str, **args) -> str | None:
    """The absolute address of a portal page for a mail; None when this app has no portal (internal mode) or no
    trusted public address (the mail then names the page without a link)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return public_url(url_for(endpoint, **args))
    except UntrustedHost:
        return None


def send_mails(mails: list[mail.Mail], what: str) -> None:
    """Send after the commit; tell the user who got the mail, or that it could not be sent."""
    if not mails:
        flash(f"受注者のメールアドレスが登録されていないため、{what}のメールは送っていません。書面で知らせてください。",
              "warning")
        return
    failed = [m.to for m in mails if not mail.send_quietly(m)]
    if failed:
        flash(f"{what}のメールを送信できませんでした（{'、'.join(failed)}）。時間をおいて受注者に連絡してください。", "warning")


def _work(work_id: int) -> GradedWork:
    work = db.session.get(GradedWork, work_id)
    if work is None or not can_view_notice(current_user, work):
        raise NotFound("指定された工事は存在しません。")  # another department's work is not revealed
    return work


@bp.route("/notices")
@roles_required(*NOTICE_ROLES)
def notice_list():
    """Settled works waiting for their notice (a notify button each) and the notified ones."""
    form = NoticeFilterForm(request.args)
    form.validate()
    years = sorted(set(queries.graded_years(db.session)) | {fiscal_year(today())}, reverse=True)
    form.fiscal_year.choices = choices([(0, "すべて")] + [(y, f"{y} 年度（{fiscal_year_label(y)}）") for y in years])
    form.department_id.choices = choices([(0, "すべて")] + department_choices(db.session, current_user))
    state = form.state.data if form.state.data in (*queries.NOTICE_STATES, "all") else "waiting"
    filters = queries.NoticeFilters(state=None if state == "all" else state,
                                    fiscal_year=form.fiscal_year.data or None if not form.fiscal_year.errors else None,
                                    department_id=form.department_id.data or None if not form.department_id.errors
                                    else None, q=(form.q.data or "").strip() or None if not form.q.errors else None,
                                    sort=request.args.get("sort") or "-settled")
    stmt = queries.notice_list(current_user, filters)
    if request.args.get("format") == "csv":
        with transaction():
            record_export(db.session, current_user, "評定の通知", request.args.to_dict())
        works = list(db.session.scalars(stmt).unique())
        return csv_response("評定の通知", ["契約番号", "工事名", "受注者", "担当課", "完成日", "評定点", "状態", "通知日"],
                            [[w.contract_number, w.name, w.contractor.name, w.department.name, w.completed_on.isoformat(),
                              queries.format_score(w.final_score), w.state_label,
                              w.notified_on.isoformat() if w.notified_on else ""] for w in works])
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("grading/notices/list.html", page=page, filters=form, sort=filters.sort, today=today(),
                           may_notify=is_contract_section(current_user), notify_form=NotifyForm(formdata=None),
                           format_score=queries.format_score)


@bp.route("/notices/<int:work_id>")
@roles_required(*NOTICE_ROLES)
def notice_detail(work_id: int):
    """One work's notice: the 項目別評定点表 from its sheets, the notify form or the notice sent, its 説明請求."""
    work = _work(work_id)
    day = today()
    # Before the notice, each grader's items are for those who see every sheet (as on the work's page); once
    # notified, the 項目別評定点表 is the firm's and the department's too.
    sees_items = work.state == "notified" or can_view_scores(current_user, work, settled_by(db.session, work))
    return render_template(
        "grading/notices/detail.html", work=work, breakdown=work_breakdown(db.session, work) if sees_items else None,
        deadline=queries.request_deadline(db.session, work), requests=requests_of_work(db.session, work.id),
        running=pending_request(db.session, work, day) if work.state == "notified" else None, today=day,
        may_notify=can_notify(current_user, work) and work.state == "settled",
        may_record=is_contract_section(current_user) and work.state == "notified",
        notify_form=NotifyForm(formdata=None, notified_on=day), paper_form=PaperRequestForm(formdata=None, filed_on=day),
        format_score=queries.format_score, sees_work=can_view_work(current_user, work))


@bp.route("/notices/<int:work_id>/notify", methods=["POST"])
@roles_required(*NOTICE_ROLES)
def notice_notify(work_id: int):
    """通知: record the notice day; the firm gets a mail saying the notice is on its applicant page."""
    work = _work(work_id)
    if not can_notify(current_user, work):
        raise PermissionDenied("評定の通知は契約課の職員が行います。")
    back = url_for("grading.notices.notice_list") if request.form.get("back") == "list" else url_for(DETAIL, work_id=work.id)
    form = NotifyForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(back)
    with transaction(flash_errors=True) as tx:
        mails = services.notify_work(db.session, current_user, work, form.notified_on.data,
                                     link=portal_link("portal.grading.notice_detail", work_id=work.id))
    if tx.ok:
        flash(f"{work.contract_number} {work.name} の評定を通知しました（通知日 {format_date(work.notified_on)}、説明請求の期限 "
              f"{format_date(queries.request_deadline(db.session, work))}）。", "success")
        send_mails(mails, "評定の通知")
    return redirect(back)


# --- 公表 -----------------------------------------------------------------------------------------------------

def _publication_filters() -> tuple[PublicationFilterForm, queries.PublicationFilters]:
    args = request.args.copy()
    if "fiscal_year" not in args:  # opened without a 年度: this 年度's notices
        args["fiscal_year"] = str(fiscal_year(today()))
    form = PublicationFilterForm(args)
    form.validate()
    years = sorted(set(queries.graded_years(db.session)) | {fiscal_year(today())}, reverse=True)
    form.fiscal_year.choices = choices([(0, "指定しない")] + [(y, f"{y} 年度（{fiscal_year_label(y)}）") for y in years])
    form.department_id.choices = choices([(0, "すべて")] + department_choices(db.session, current_user))
    first, last = form.notified_from.data, form.notified_to.data
    if first and last and last < first and not form.notified_to.errors:
        form.notified_to.errors = [*form.notified_to.errors, "通知日（まで）は通知日（から）以降の日付にしてください。"]

    def ok(field):
        return field.data if not field.errors else None

    filters = queries.PublicationFilters(
        fiscal_year=ok(form.fiscal_year) or None, quarter=(ok(form.quarter) or None) if ok(form.fiscal_year) else None,
        notified_from=ok(form.notified_from), notified_to=ok(form.notified_to),
        department_id=ok(form.department_id) or None, sort=request.args.get("sort") or "notified")
    return form, filters


@bp.route("/publication")
@roles_required(*PUBLICATION_ROLES)
def publication():
    """The published grades of a period (the notified works whose notification day has come); ``format=csv`` or
    ``format=xlsx`` downloads the same rows."""
    form, filters = _publication_filters()
    day = today()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        with transaction():
            record_export(db.session, current_user, exports.TITLE, request.args.to_dict(),
                          file_format="Excel" if fmt == "xlsx" else "CSV")
        rows = queries.publication_rows(db.session, current_user, filters, day)
        if fmt == "xlsx":
            return xlsx_response([(exports.TITLE, exports.HEADER, exports.WIDTHS,
                                   (exports.typed_record(r) for r in rows))], exports.TITLE)
        return csv_response(exports.TITLE, list(exports.HEADER), (exports.record(r) for r in rows))
    stmt = queries.publication_stmt(current_user, filters, day)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"],
                    scalars=False)
    page.items = [queries.PublicationRow(*row) for row in page.items]
    first, last = filters.period()
    report_args = {k: v.isoformat() if hasattr(v, "isoformat") else str(v) for k, v in (
        ("fiscal_year", filters.fiscal_year), ("quarter", filters.quarter), ("notified_from", filters.notified_from),
        ("notified_to", filters.notified_to)) if v}
    department = db.session.get(Department, filters.department_id) if filters.department_id else None
    if department is not None:
        report_args["department"] = department.code
    return render_template("grading/notices/publication.html", page=page, filters=form, sort=filters.sort,
                           totals=queries.publication_totals(db.session, current_user, filters, day), first=first,
                           last=last, report_args=report_args)
