"""Staff review screens (SPEC QA2, CM9): the list of applications, one application with its attachments side
by side, item checks, return / reject / accept (with the registry comparison first), and the transfer page
that reads portal bundles and writes the decisions bundle back."""

from __future__ import annotations

import hashlib
import io
import re
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core import mail, menu
from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db, utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.formtools import JapaneseForm, apply_errors, choices
from core.jp import search_key
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import display_datetime
from registry import bp
from registry.permissions import EDIT_ROLES

from . import bundles, content, review
from .forms import BundleUploadForm, CheckForm, DecisionForm, ReviewStartForm
from .models import KINDS, ORIGINS, Application, ApplicationAttachment, TransferBundle
from .views_portal import display_data, send_attachment

menu.register("業者登録", "資格審査申請", "registry.application_list", EDIT_ROLES,
              ("registry.application_detail", "registry.application_accept"))
menu.register("業者登録", "申請の転送", "registry.application_transfer", EDIT_ROLES)

STATE_FILTERS = {"open": "審査待ち・審査中", "returned": "差戻し中", "done": "受理・不受理", "all": "すべて"}
_SHA = re.compile(r"[0-9a-f]{64}")


class ListFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    state = SelectField("状態", choices=choices(STATE_FILTERS.items()), default="open", validate_choice=False)
    kind = SelectField("種類", choices=choices([("", "すべて"), *KINDS.items()]), validate_choice=False)
    q = StringField("受付番号・商号", validators=[Optional(), Length(max=100)])


def _get(application_id: int) -> Application:
    """A submitted application; an applicant's draft is theirs alone until it is submitted."""
    application = db.session.get(Application, application_id)
    if application is None or application.status == "draft":
        abort(404)
    return application


def _query(form: ListFilterForm):
    stmt = select(Application).where(Application.status != "draft")
    state = form.state.data or "open"
    if state == "open":
        stmt = stmt.where(Application.status.in_(("submitted", "under_review")))
    elif state == "returned":
        stmt = stmt.where(Application.status == "returned")
    elif state == "done":
        stmt = stmt.where(Application.status.in_(("accepted", "rejected")))
    if form.kind.data in KINDS:
        stmt = stmt.where(Application.kind == form.kind.data)
    q = (form.q.data or "").strip()
    if q:
        key = search_key(q)
        stmt = stmt.where(or_(Application.reference.ilike(f"%{q}%"), Application.firm_name.ilike(f"%{q}%"),
                              Application.firm_name.ilike(f"%{key}%")))
    return stmt.order_by(Application.submitted_at.asc(), Application.id.asc())


@bp.route("/applications")
@roles_required(*EDIT_ROLES)
def application_list():
    """Submitted applications and 変更届, oldest first (first come, first reviewed)."""
    form = ListFilterForm(request.args)
    stmt = _query(form)
    if request.args.get("format") == "csv":
        rows = db.session.scalars(stmt).all()
        record_export(db.session, current_user, "資格審査申請一覧", request.args.to_dict())
        db.session.commit()
        return csv_response("資格審査申請一覧", ["受付番号", "種類", "状態", "商号又は名称", "業者番号", "受付経路", "版",
                                          "提出日時", "判断日時"],
                            [[a.reference, a.kind_label, a.status_label, a.firm_name, a.contractor_number or "",
                              ORIGINS[a.origin], a.revision, display_datetime(a.submitted_at),
                              display_datetime(a.decided_at)] for a in rows])
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("registry/app_list.html", form=form, page=page, origins=ORIGINS)


@bp.route("/applications/<int:application_id>")
@roles_required(*EDIT_ROLES)
def application_detail(application_id: int):
    """The application beside its attachments, with a check per section and the decision forms."""
    application = _get(application_id)
    checks = {c.section: c for c in application.checks}
    check_forms = {}
    for key in content.SECTIONS_BY_KIND[application.kind]:
        row = checks.get(key)
        check_forms[key] = CheckForm(prefix=key, data={"ok": row.ok if row else False, "note": row.note if row else ""})
    return render_template("registry/app_detail.html", application=application, checks=checks,
                           check_forms=check_forms, view=display_data(application),
                           sections=content.SECTIONS_BY_KIND[application.kind], section_labels=content.SECTIONS,
                           start_form=ReviewStartForm(), decision_form=DecisionForm(), fields=content.COMPANY_FIELDS)


def _transition(application: Application, action):
    try:
        message = action()
    except (InvalidTransition, ValidationFailed) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("registry.application_detail", application_id=application.id))
    db.session.commit()
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
    return stop or redirect(url_for("registry.application_detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/checks/<section>", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_check(application_id: int, section: str):
    application = _get(application_id)
    if section not in content.SECTIONS_BY_KIND[application.kind]:
        abort(404)
    form = CheckForm(prefix=section)
    if not form.validate_on_submit():
        flash("指摘は 4,000 文字以内で入力してください。", "error")
        return redirect(url_for("registry.application_detail", application_id=application.id))
    def save():
        review.save_check(db.session, current_user, application, section, ok=form.ok.data, note=form.note.data,
                          now=utcnow())

    stop = _transition(application, save)
    if stop is None:
        flash(f"「{content.SECTIONS[section]}」の確認を保存しました。", "success")
    return stop or redirect(url_for("registry.application_detail", application_id=application.id,
                                    _anchor=f"section-{section}"))


@bp.route("/applications/<int:application_id>/return", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_return(application_id: int):
    application = _get(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    stop = _transition(application, lambda: review.return_application(db.session, current_user, application,
                                                                      form.comment.data, utcnow()))
    if stop is None:
        flash("申請者に差し戻しました。", "success")
    return stop or redirect(url_for("registry.application_detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/reject", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_reject(application_id: int):
    application = _get(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    stop = _transition(application, lambda: review.reject_application(db.session, current_user, application,
                                                                      form.comment.data, utcnow()))
    if stop is None:
        flash("不受理にしました。", "success")
    return stop or redirect(url_for("registry.application_detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/accept", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def application_accept(application_id: int):
    """Shows what acceptance changes in the registry; the button applies it."""
    application = _get(application_id)
    form = DecisionForm()
    general: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        try:
            contractor, message = review.accept_application(db.session, current_user, application, form.comment.data,
                                                            utcnow())
        except InvalidTransition as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("registry.application_detail", application_id=application.id))
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            if message is not None and not mail.send_quietly(message):
                flash("申請者へのメールを送信できませんでした。", "warning")
            flash(f"受理し、業者台帳に反映しました（業者番号 {contractor.number}）。", "success")
            return redirect(url_for("registry.contractor_detail", contractor_id=contractor.id))
    if application.status != "under_review":
        flash("審査中の申請だけ受理できます。", "warning")
        return redirect(url_for("registry.application_detail", application_id=application.id))
    diff = review.registry_diff(db.session, application)
    unchecked = [content.SECTIONS[s] for s in content.SECTIONS_BY_KIND[application.kind]
                 if not any(c.section == s and c.ok for c in application.checks)]
    return render_template("registry/app_accept.html", application=application, diff=diff, form=form,
                           general_errors=general, unchecked=unchecked)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@roles_required(*EDIT_ROLES)
def application_attachment(application_id: int, attachment_id: int):
    _get(application_id)
    attachment = db.session.get(ApplicationAttachment, attachment_id)
    if attachment is None or attachment.application_id != application_id:
        abort(404)
    return send_attachment(attachment)


# --- transfer bundles ------------------------------------------------------------------------------------------------


#: A verified bundle waits this long for the 取り込む button; older ones are removed at the next upload.
PENDING_BUNDLE_SECONDS = 2 * 24 * 3600


def _transfer_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "transfer"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _drop_stale_bundles() -> None:
    for old in _transfer_dir().glob("*.zip"):
        if time.time() - old.stat().st_mtime > PENDING_BUNDLE_SECONDS:
            old.unlink(missing_ok=True)


def _transfer_page(form, report=None, pending_sha=None, general=(), status=200):
    recent = db.session.scalars(select(TransferBundle).order_by(TransferBundle.id.desc()).limit(20)).all()
    waiting = db.session.scalar(select(func.count()).select_from(Application).where(
        Application.origin == "portal", Application.transferred_at.is_(None),
        Application.status.in_(("under_review", "returned", "accepted", "rejected"))))
    return render_template("registry/app_transfer.html", form=form, report=report, pending_sha=pending_sha,
                           general_errors=list(general), recent=recent, waiting=waiting,
                           key_set=bool(current_app.config["TRANSFER_KEY"])), status


def _refused(form, data: bytes, exc: Exception):
    db.session.rollback()
    bundles.record_refusal(db.session, current_user, data, str(exc))
    db.session.commit()
    return _transfer_page(form, general=[str(exc)], status=422)


@bp.route("/applications/transfer", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def application_transfer():
    """Read a bundle of applications from the portal: verify first (nothing written), then import."""
    form = BundleUploadForm()
    if request.method == "GET":
        return _transfer_page(form)
    if not form.validate_on_submit():
        abort(400)
    config = current_app.config
    pending_sha = request.form.get("sha256", "")
    if pending_sha:
        if not _SHA.fullmatch(pending_sha) or not (_transfer_dir() / f"{pending_sha}.zip").exists():
            flash("確認した転送ファイルが見つかりません。もう一度アップロードしてください。", "error")
            return redirect(url_for("registry.application_transfer"))
        path = _transfer_dir() / f"{pending_sha}.zip"
        try:
            report = bundles.read_bundle(db.session, current_user, path.read_bytes(), key=config["TRANSFER_KEY"],
                                         expect="applications", storage_root=config["STORAGE_DIR"], now=utcnow())
        except bundles.BundleRefused as exc:
            return _refused(form, path.read_bytes(), exc)
        db.session.commit()
        path.unlink(missing_ok=True)
        flash(f"取り込みました: 新規 {len(report.new)} 件・再提出 {len(report.updated)} 件・対象外 {len(report.skipped)} 件。",
              "success")
        return redirect(url_for("registry.application_list"))
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        return _transfer_page(form, general=["転送ファイルを選んでください。"], status=422)
    try:
        report = bundles.read_bundle(db.session, current_user, data, key=config["TRANSFER_KEY"], expect="applications",
                                     storage_root=config["STORAGE_DIR"], now=utcnow(), dry_run=True)
    except bundles.BundleRefused as exc:
        return _refused(form, data, exc)
    db.session.rollback()
    _drop_stale_bundles()
    sha = hashlib.sha256(data).hexdigest()
    (_transfer_dir() / f"{sha}.zip").write_bytes(data)
    return _transfer_page(form, report=report, pending_sha=sha)


@bp.route("/applications/transfer/decisions", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_transfer_decisions():
    """Write the review results of portal applications as a signed bundle for the portal."""
    if not ReviewStartForm().validate_on_submit():
        abort(400)
    config = current_app.config
    try:
        data, count = bundles.export_decisions(db.session, current_user, key=config["TRANSFER_KEY"],
                                               source=config["ORG_NAME"], now=utcnow(),
                                               include_sent=request.form.get("resend") == "1")
    except bundles.BundleRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("registry.application_transfer"))
    if data is None:
        flash("ポータルに送る審査結果はありません。", "info")
        return redirect(url_for("registry.application_transfer"))
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"keiyaku_decisions_{stamp}.zip", max_age=0)
