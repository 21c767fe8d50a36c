"""Import screens: upload → dry run with progress → report (CSV of rejected rows) → commit; profiles."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, FileField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from core.audit.services import canonical_json, current_context, record_export
from core.auth.roles import Role
from core.csvexport import csv_response
from core.db import db, utcnow
from core.errors import ValidationFailed
from core.formtools import JapaneseForm, choices
from core.permissions import roles_required
from core.transaction import transaction

from . import jobs, profiles
from .kinds import all_kinds, get_kind
from .models import ImportBatch, ImportProfile
from .runner import preflight

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")
admin_only = roles_required(Role.SYSTEM_ADMIN)
SHA256 = re.compile(r"[0-9a-f]{64}")


class UploadForm(JapaneseForm):
    kind = SelectField("取り込むデータ", validate_choice=False)
    profile = SelectField("取込プロファイル（ファイルの形式）", validate_choice=False)
    file = FileField("ファイル（CSV または Excel .xlsx）")
    #: A refused upload is kept (``jobs.store_upload``): its hash and name come back with the page.
    previous = HiddenField()
    previous_name = HiddenField()
    reuse = BooleanField("前回のファイルをもう一度使う", default=True)


class CommitForm(JapaneseForm):
    skip_rejected = BooleanField("不正な行を除いて、正しい行だけを取り込む")


def _profile_name(_form, field):
    """The service's rule for names, shown on the field (a name may also come from an uploaded file)."""
    if field.data and (problem := profiles.name_problem(field.data.strip())):
        raise ValidationError(problem)


class ProfileForm(JapaneseForm):
    kind = SelectField("取り込むデータ", validate_choice=False)
    name = StringField("プロファイル名", validators=[_profile_name])
    description = StringField("説明", validators=[Optional(), Length(max=500)])
    config = TextAreaField("設定（JSON）")


def _kinds_for(user):
    return [k for k in all_kinds() if k.can_import(user)]


def _kind_or_404(name: str):
    kind = get_kind(name)
    if kind is None or not kind.can_import(current_user):
        abort(404)
    return kind


@bp.route("/", methods=["GET", "POST"])
@admin_only
def upload():
    """Choose the kind and profile, upload the file: a dry run starts (nothing is written)."""
    kinds = _kinds_for(current_user)
    form = UploadForm()
    form.kind.choices = choices((k.name, k.label) for k in kinds)
    selected = get_kind(form.kind.data or request.args.get("kind", "")) or (kinds[0] if kinds else None)
    profiles_by_kind = {k.name: profiles.list_profiles(db.session, k) for k in kinds}
    if selected:
        form.kind.data = selected.name
        names = [n for n, _, _ in profiles_by_kind[selected.name]]
        form.profile.choices = choices((n, f"{n}（{'組み込み' if b else '登録'}）")
                                       for n, _, b in profiles_by_kind[selected.name])
        if form.profile.data not in names:
            form.profile.data = names[0]  # the kind's default: a profile of another kind never applies
    general: list[str] = []
    previous = None
    chosen = _chosen_options(selected) if request.method == "POST" else set()
    if form.validate_on_submit() and selected:
        data, file_name = _uploaded(form)
        if not data:
            form.file.errors = ["取り込むファイルを選んでください。"]
        else:
            sha = jobs.store_upload(current_app, data)
            previous = (sha, file_name)
            with transaction(form) as tx:
                profile_name, settings = profiles.get_settings(db.session, selected, form.profile.data)
                preflight(data, file_name, settings, selected)
                batch = ImportBatch(kind=selected.name, profile_name=profile_name, file_name=file_name, file_sha256=sha,
                                    user_id=current_user.id, login_id=current_user.login_id, status="pending",
                                    dry_run=True, skip_rejected=False, committed=False,
                                    options=_options_json(selected, chosen))
                db.session.add(batch)
            if tx.ok:
                # The job runs in its own thread and session: it starts once the batch row is committed.
                jobs.start_job(current_app._get_current_object(), batch.id, current_user.id, current_context())
                return redirect(url_for("imports.batch", batch_id=batch.id))
            general = tx.general
    if previous:
        form.previous.data, form.previous_name.data, form.reuse.data = previous[0], previous[1], True
    recent = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).all()
    if _reap(recent):
        recent = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).all()
    kind_profiles = {name: [n for n, _, _ in rows] for name, rows in profiles_by_kind.items()}
    return render_template("imports/upload.html", form=form, kinds=kinds, selected=selected, recent=recent,
                           general_errors=general, kind_profiles=kind_profiles, chosen_options=chosen)


def _chosen_options(kind) -> set[str]:
    """The kind's options ticked on the upload form (checkboxes ``option``; another kind's names are ignored)."""
    names = {o.name for o in kind.options} if kind else set()
    return {name for name in request.form.getlist("option") if name in names}


def _options_json(kind, chosen: set[str]) -> str | None:
    values = kind.option_values(chosen)
    return canonical_json(values) if any(values.values()) else None


def _uploaded(form: UploadForm) -> tuple[bytes, str]:
    """The chosen file, or the kept one of a refused upload when no new file was chosen and reuse is ticked."""
    upload_file = request.files.get("file")
    data = upload_file.read() if upload_file else b""
    if data:
        return data, (upload_file.filename or "upload")[:255]
    sha = form.previous.data or ""
    if form.reuse.data and SHA256.fullmatch(sha):
        kept = jobs.load_upload(current_app, sha)
        if kept:
            return kept, (form.previous_name.data or "upload")[:255]
    return b"", ""


def _reap(batches) -> bool:
    """Mark the running batches among ``batches`` whose worker died (heartbeat too old) as interrupted."""
    stale = current_app.config["IMPORT_STALE_SECONDS"]
    now = utcnow()
    dead = [b for b in batches if jobs.is_dead(db.session, b, now, stale)]  # before the write lock (SQLite)
    if not dead:
        return False
    with transaction() as tx:
        for item in dead:
            jobs.mark_interrupted(db.session, item, now)
    return tx.ok


def _batch_context(item: ImportBatch) -> dict:
    kind = _kind_or_404(item.kind)
    _reap([item])
    can_commit = (item.status == "done" and item.dry_run and jobs.upload_available(current_app, item.file_sha256)
                  and not _already_committed(item))
    return {"batch": item, "kind": kind, "report": item.report_data, "form": CommitForm(), "can_commit": can_commit,
            "running": item.status in jobs.RUNNING}


@bp.route("/<int:batch_id>")
@admin_only
def batch(batch_id: int):
    """Progress while running (polled by static/js/import-status.js), then the report and, after a dry run, commit."""
    return render_template("imports/batch.html", **_batch_context(db.get(ImportBatch, batch_id)))


@bp.route("/<int:batch_id>/status.json")
@admin_only
def batch_status(batch_id: int):
    """The state of a batch for the polling script: status, counts and the status region's HTML."""
    context = _batch_context(db.get(ImportBatch, batch_id))
    item = context["batch"]
    response = jsonify(status=item.status, running=context["running"], processed=item.processed, total=item.total,
                       html=render_template("imports/_progress.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def _already_committed(item: ImportBatch) -> bool:
    return db.session.scalar(select(ImportBatch.id).where(
        ImportBatch.file_sha256 == item.file_sha256, ImportBatch.kind == item.kind,
        ImportBatch.committed.is_(True), ImportBatch.id > item.id)) is not None


@bp.route("/<int:batch_id>/commit", methods=["POST"])
@admin_only
def commit(batch_id: int):
    """Import the checked file for real (one transaction; rejected rows block it unless skipped)."""
    item = db.get(ImportBatch, batch_id)
    _kind_or_404(item.kind)
    form = CommitForm()
    if not form.validate_on_submit() or not item.dry_run or item.status != "done":
        abort(400)
    if item.rejected and not form.skip_rejected.data:
        flash("不正な行があります。修正したファイルをアップロードし直すか、「不正な行を除いて、正しい行だけを取り込む」を選んでください。",
              "error")
        return redirect(url_for("imports.batch", batch_id=item.id))
    if not jobs.upload_available(current_app, item.file_sha256):
        flash("ファイルの保存期間が過ぎました。もう一度アップロードしてください。", "error")
        return redirect(url_for("imports.upload"))
    with transaction():
        run = ImportBatch(kind=item.kind, profile_name=item.profile_name, file_name=item.file_name,
                          file_sha256=item.file_sha256, user_id=current_user.id, login_id=current_user.login_id,
                          status="pending", dry_run=False, skip_rejected=bool(form.skip_rejected.data),
                          committed=False, options=item.options)
        db.session.add(run)
    jobs.start_job(current_app._get_current_object(), run.id, current_user.id, current_context())
    return redirect(url_for("imports.batch", batch_id=run.id))


@bp.route("/<int:batch_id>/rejections.csv")
@admin_only
def rejections(batch_id: int):
    """The rejected rows of a batch as CSV (row, column, value, reason)."""
    item = db.get(ImportBatch, batch_id)
    _kind_or_404(item.kind)
    with transaction():
        record_export(db.session, current_user, f"取込エラー一覧（{item.file_name}）", {"batch": item.id})
    rows = ([r["row"], r["column"], r["value"], r["reason"]] for r in item.report_data.get("rejected", []))
    return csv_response("取込エラー一覧", ["行", "列", "値", "理由"], rows)


@bp.route("/<int:batch_id>/warnings.csv")
@admin_only
def warnings(batch_id: int):
    """The warnings of a batch as CSV (row, the kind's warning columns, message): what staff should check."""
    item = db.get(ImportBatch, batch_id)
    kind = _kind_or_404(item.kind)
    with transaction():
        record_export(db.session, current_user, f"取込の警告一覧（{item.file_name}）", {"batch": item.id})
    keys = [key for key, _ in kind.warning_fields]
    rows = ([w.get("row")] + [w.get(key) for key in keys] + [w.get("message")]
            for w in item.report_data.get("warnings", []))
    return csv_response("取込の警告一覧", ["行"] + [label for _, label in kind.warning_fields] + ["内容"], rows)


# --- profiles ---------------------------------------------------------------------------------------

@bp.route("/profiles")
@admin_only
def profile_list():
    """Built-in and registered profiles per kind, with JSON export."""
    listing = [(kind, profiles.list_profiles(db.session, kind, active_only=False)) for kind in _kinds_for(current_user)]
    stored = {(p.kind, p.name): p for p in db.session.scalars(select(ImportProfile))}
    return render_template("imports/profile_list.html", listing=listing, stored=stored)


@bp.route("/profiles/new", methods=["GET", "POST"])
@admin_only
def profile_new():
    """Register a profile; starts from a built-in one, or from an uploaded JSON export."""
    return _profile_form(None)


@bp.route("/profiles/<int:profile_id>/edit", methods=["GET", "POST"])
@admin_only
def profile_edit(profile_id: int):
    """Change a registered profile (the history keeps the earlier settings)."""
    return _profile_form(db.get(ImportProfile, profile_id))


def _profile_form(stored: ImportProfile | None):
    kinds = _kinds_for(current_user)
    form = ProfileForm(obj=stored)
    form.kind.choices = choices((k.name, k.label) for k in kinds)
    general: list[str] = []
    if request.method == "GET":
        kind = get_kind(stored.kind if stored else request.args.get("kind", "")) or kinds[0]
        form.kind.data = kind.name
        if stored is None:
            try:  # "これを元に登録" names the profile to start from; a name that is not there is said so
                _, settings = profiles.get_settings(db.session, kind, request.args.get("from"))
            except ValidationFailed as exc:
                general = [message for messages in exc.errors.values() for message in messages]
                _, settings = profiles.get_settings(db.session, kind, None)
            form.config.data = _pretty(settings)
        else:
            form.config.data = _pretty(stored.settings)
    if form.validate_on_submit():
        kind = _kind_or_404(stored.kind if stored else form.kind.data)
        uploaded = request.files.get("json_file")
        with transaction(form) as tx:
            text = form.config.data or ""
            if uploaded and uploaded.filename:
                exchange = profiles.parse_exchange(uploaded.read().decode("utf-8-sig", errors="replace"))
                kind = _kind_or_404(exchange["kind"])
                form.name.data = form.name.data or exchange["name"]
                form.description.data = form.description.data or exchange.get("description", "")
                settings = exchange["settings"]
            else:
                settings = _json_or_error(text)
            saved = profiles.save_profile(db.session, current_user, kind, name=stored.name if stored else form.name.data,
                                          description=form.description.data, settings=settings, create=stored is None)
        if tx.ok:
            flash(f"取込プロファイル「{saved.name}」を保存しました。", "success")
            return redirect(url_for("imports.profile_list"))
        general = tx.general
    return render_template("imports/profile_form.html", form=form, stored=stored, general_errors=general,
                           fields=get_kind(form.kind.data).fields if get_kind(form.kind.data) else ())


def _json_or_error(text: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(
            {"config": [f"設定を JSON として読めません（{exc.lineno} 行目 {exc.colno} 文字目: {exc.msg}）。"]}) from None


def _pretty(settings: dict) -> str:
    return json.dumps(settings, ensure_ascii=False, indent=2)


@bp.route("/profiles/<kind_name>/<path:name>.json")
@admin_only
def profile_export(kind_name: str, name: str):
    """Download one profile as JSON (to send to another installation or vendor)."""
    kind = _kind_or_404(kind_name)
    try:
        name, settings = profiles.get_settings(db.session, kind, name)
    except ValidationFailed:
        abort(404)
    description = dict((n, d) for n, d, _ in profiles.list_profiles(db.session, kind)).get(name, "")
    body = profiles.export_json(kind, name, description, settings)
    response = Response(body, mimetype="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = (f"attachment; filename=\"profile.json\"; "
                                               f"filename*=UTF-8''{quote(f'{kind.name}_{name}.json')}")
    return response


@bp.route("/profiles/<int:profile_id>/deactivate", methods=["POST"])
@admin_only
def profile_deactivate(profile_id: int):
    """Stop offering a registered profile (kept, never deleted)."""
    stored = db.get(ImportProfile, profile_id)
    _kind_or_404(stored.kind)
    if not CommitForm().validate_on_submit():
        abort(400)
    with transaction(flash_errors=True) as tx:
        profiles.deactivate_profile(db.session, current_user, stored)
    if tx.ok:
        flash(f"取込プロファイル「{stored.name}」を無効にしました。", "success")
    return redirect(url_for("imports.profile_list"))
