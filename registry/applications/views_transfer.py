"""The transfer page (申請の転送): read bundles of applications from the portal (verify first, nothing
written; then import) and write the decisions bundle back (SPEC QA2, docs/transfer.md)."""

from __future__ import annotations

import io
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from core.auth.roles import Role
from core.db import db, utcnow
from core.permissions import roles_required
from core.storage import Storage
from core.transaction import transaction
from registry.permissions import EDIT_ROLES

from . import bundles
from .forms import BundleUploadForm, ReviewStartForm
from .models import Application, TransferBundle

bp = Blueprint("transfer", __name__)
_SHA = re.compile(r"[0-9a-f]{64}")
PAGE = "registry.transfer.application_transfer"


#: A verified bundle waits this long for the 取り込む button; older ones are removed at the next upload.
PENDING_BUNDLE_SECONDS = 2 * 24 * 3600


#: The ``core.storage`` area of verified bundles waiting for the import button.
TRANSFER_AREA = "transfer"


def _transfer_page(form, report=None, pending_sha=None, general=(), status=200):
    recent = db.session.scalars(select(TransferBundle).order_by(TransferBundle.id.desc()).limit(20)).all()
    waiting = db.session.scalar(select(func.count()).select_from(Application).where(
        Application.origin == "portal", Application.transferred_at.is_(None),
        Application.status.in_(("under_review", "returned", "accepted", "rejected"))))
    return render_template("registry/applications/transfer/page.html", form=form, report=report, pending_sha=pending_sha,
                           general_errors=list(general), recent=recent, waiting=waiting,
                           key_set=bool(current_app.config["TRANSFER_KEY"]),
                           is_admin=current_user.has_role(Role.SYSTEM_ADMIN)), status


def _refused(form, data: bytes, messages: list[str]):
    """A refused bundle changed nothing; the refusal itself is logged in a transaction of its own."""
    with transaction():
        bundles.record_refusal(db.session, current_user, data, "・".join(messages))
    return _transfer_page(form, general=messages, status=422)


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
        storage = Storage.for_app()
        pending = (storage.read_temporary(TRANSFER_AREA, f"{pending_sha}.zip", ttl_seconds=PENDING_BUNDLE_SECONDS)
                   if _SHA.fullmatch(pending_sha) else None)
        if pending is None:
            flash("確認した転送ファイルが見つかりません。もう一度アップロードしてください。", "error")
            return redirect(url_for(PAGE))
        with transaction() as tx:
            report = bundles.read_bundle(db.session, current_user, pending, key=config["TRANSFER_KEY"],
                                         expect="applications", storage_root=config["STORAGE_DIR"], now=utcnow(),
                                         limits=bundles.BundleLimits.from_config(config))
        if not tx.ok:
            return _refused(form, pending, tx.general)
        storage.discard(TRANSFER_AREA, f"{pending_sha}.zip")
        flash(f"取り込みました: 新規 {len(report.new)} 件・再提出 {len(report.updated)} 件・対象外 {len(report.skipped)} 件。",
              "success")
        return redirect(url_for("registry.applications.application_list"))
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        return _transfer_page(form, general=["転送ファイルを選んでください。"], status=422)
    with transaction(dry_run=True) as tx:
        report = bundles.read_bundle(db.session, current_user, data, key=config["TRANSFER_KEY"], expect="applications",
                                     storage_root=config["STORAGE_DIR"], now=utcnow(), dry_run=True,
                                     limits=bundles.BundleLimits.from_config(config))
    if not tx.ok:
        return _refused(form, data, tx.general)
    sha = Storage.for_app().save_temporary(TRANSFER_AREA, data, ttl_seconds=PENDING_BUNDLE_SECONDS, suffix=".zip",
                                           named_by_hash=True).sha256
    return _transfer_page(form, report=report, pending_sha=sha)


@bp.route("/applications/transfer/decisions", methods=["POST"])
@roles_required(*EDIT_ROLES)
def application_transfer_decisions():
    """Write the review results of portal applications as a signed bundle for the portal."""
    if not ReviewStartForm().validate_on_submit():
        abort(400)
    config = current_app.config
    with transaction(flash_errors=True) as tx:
        data, _count = bundles.export_decisions(db.session, current_user, key=config["TRANSFER_KEY"],
                                                source=config["ORG_NAME"], now=utcnow(),
                                                include_sent=request.form.get("resend") == "1")
    if not tx.ok:
        return redirect(url_for(PAGE))
    if data is None:
        flash("ポータルに送る審査結果はありません。", "info")
        return redirect(url_for(PAGE))
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"keiyaku_decisions_{stamp}.zip", max_age=0)
