"""The applicant portal (internet side, SPEC QA1, QA3, QA4): sign-up, e-mail confirmation, password reset,
and the application screens. Every application route loads the application through the applicant's own
account, so another firm's application answers 404.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from core import mail
from core.auth.passwords import policy_from_config
from core.auth.roles import Role
from core.db import db, utcnow
from core.errors import ValidationFailed
from core.formtools import apply_errors, choices
from core.permissions import public, roles_required
from registry.codes import work_types
from registry.contractors.models import CATEGORIES
from registry.qualifications.ranks.periods import period_label, qualification_period

from . import accounts, content, services
from . import attachments as files
from .forms import (
    AttachmentForm,
    CategoriesForm,
    ChangeNoteForm,
    CompanyForm,
    ConfirmForm,
    DeclarationsForm,
    EmailForm,
    ResetPasswordForm,
    SignUpForm,
    StartForm,
    row_form,
)
from .models import ApplicantAccount, Application

bp = Blueprint("portal", __name__, url_prefix="/portal")
APPLICANT = (Role.APPLICANT,)



# --- helpers -------------------------------------------------------------------------------------------------------


def _account() -> ApplicantAccount:
    account = accounts.account_of(db.session, current_user)
    if account is None:
        abort(403)
    return account


def _application(application_id: int) -> tuple[ApplicantAccount, Application]:
    account = _account()
    return account, services.own_application(db.session, account, application_id)


def _editable_or_redirect(application: Application):
    if not application.is_editable:
        flash(f"この申請は「{application.status_label}」のため変更できません。", "warning")
        return redirect(url_for("portal.application", application_id=application.id))
    return None


def _link(endpoint: str):
    return lambda token: mail.public_url(url_for(endpoint, token=token))


def _send(message) -> None:
    if not mail.send_quietly(message):
        flash("メールを送信できませんでした。時間をおいてもう一度お試しください。", "error")


def _work_type_pairs(category: str | None = None) -> list[tuple[str, str]]:
    return [(wt.code, f"{wt.code} {wt.title}") for wt in work_types(db.session).values()
            if category is None or wt.category == category]


def display_data(application: Application) -> dict:
    """Display values of the filed data for ``registry/_app_section.html`` (applicant and staff alike)."""
    data = application.data or {}
    view = {"names": {wt.code: f"{wt.code} {wt.title}" for wt in work_types(db.session).values()},
            "roles": content.WORK_ROLES,
            "declarations": [(text, bool((data.get("declarations") or {}).get(code)))
                             for code, text in content.declaration_items(db.session)],
            "mismatches": {i: content.keishin_p_mismatch(r) for i, r in enumerate(data.get("keishin") or [])},
            "titles": {code: row["title"] for code, row in content.document_items(db.session)}}
    if application.period_start_year:
        view["period"] = period_label(db.session, *qualification_period(db.session, application.period_start_year))
    return view


def _saved(application: Application, message: str = "保存しました。"):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("portal.application", application_id=application.id))


# --- account -------------------------------------------------------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@public
def signup():
    """Create an applicant account; the confirmation link arrives by mail."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignUpForm()
    general: list[str] = []
    policy = policy_from_config(current_app.config)
    if form.validate_on_submit():
        try:
            message = accounts.sign_up(db.session, email=form.email.data, firm_name=form.firm_name.data,
                                       password=form.password.data, policy=policy,
                                       hash_method=current_app.config["PASSWORD_HASH_METHOD"], now=utcnow(),
                                       link=_link("portal.confirm"))
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            _send(message)
            return redirect(url_for("portal.signup_sent"))
    return render_template("registry/applications/portal/signup.html", form=form, general_errors=general, policy=policy.describe())


@bp.route("/signup/sent")
@public
def signup_sent():
    return render_template("registry/applications/portal/message.html", title="確認のメールを送りました",
                           lines=["入力されたメールアドレスに、登録を確認するためのメールを送りました。",
                                  "メールのリンクを 24 時間以内に開いて、登録を完了してください。",
                                  "メールが届かないときは、迷惑メールのフォルダを確認するか、確認メールを再送してください。"],
                           links=[("確認メールを再送する", url_for("portal.resend")), ("ログイン画面へ", url_for("auth.login"))])


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    form = ConfirmForm()
    if not accounts.token_is_usable(db.session, token, "confirm", utcnow()):
        return render_template("registry/applications/portal/message.html", title="リンクが無効です", status="error",
                               lines=["このリンクは使用済みか、有効期限（24 時間）が切れています。"],
                               links=[("確認メールを再送する", url_for("portal.resend"))]), 410
    if form.validate_on_submit():
        accounts.confirm_email(db.session, token, utcnow())
        db.session.commit()
        flash("メールアドレスを確認しました。ログインしてください。", "success")
        return redirect(url_for("auth.login"))
    return render_template("registry/applications/portal/confirm.html", form=form)


@bp.route("/resend", methods=["GET", "POST"])
@public
def resend():
    form = EmailForm()
    if form.validate_on_submit():
        message = accounts.resend_confirmation(db.session, form.email.data, utcnow(), _link("portal.confirm"))
        db.session.commit()
        _send(message)
        return redirect(url_for("portal.signup_sent"))
    return render_template("registry/applications/portal/email_form.html", form=form, title="確認メールの再送",
                           lead="登録したメールアドレスを入力してください。確認が済んでいなければ、確認メールを送り直します。")


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        message = accounts.request_password_reset(db.session, form.email.data, utcnow(), _link("portal.reset_password"))
        db.session.commit()
        _send(message)
        return render_template("registry/applications/portal/message.html", title="再設定のメールを送りました",
                               lines=["登録されているメールアドレスであれば、パスワードを再設定するためのメールを送りました。",
                                      "メールのリンクを 1 時間以内に開いてください。"],
                               links=[("ログイン画面へ", url_for("auth.login"))])
    return render_template("registry/applications/portal/email_form.html", form=form, title="パスワードの再設定",
                           lead="登録したメールアドレスを入力してください。パスワードを再設定するためのリンクをメールで送ります。")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    if not accounts.token_is_usable(db.session, token, "reset", utcnow()):
        return render_template("registry/applications/portal/message.html", title="リンクが無効です", status="error",
                               lines=["このリンクは使用済みか、有効期限（1 時間）が切れています。"],
                               links=[("もう一度手続きする", url_for("portal.forgot_password"))]), 410
    form = ResetPasswordForm()
    general: list[str] = []
    policy = policy_from_config(current_app.config)
    if form.validate_on_submit():
        try:
            accounts.reset_password(db.session, token, form.password.data, policy=policy,
                                    hash_method=current_app.config["PASSWORD_HASH_METHOD"], now=utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash("パスワードを再設定しました。新しいパスワードでログインしてください。", "success")
            return redirect(url_for("auth.login"))
    return render_template("registry/applications/portal/reset_password.html", form=form, general_errors=general, policy=policy.describe())


# --- applications --------------------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*APPLICANT)
def home():
    """The applicant's applications with their status, and the buttons to start one."""
    account = _account()
    return render_template("registry/applications/portal/home.html", account=account,
                           applications=services.applications_of(db.session, account),
                           qualified_until=services.qualified_until(db.session, account),
                           can_change=services.can_file_change(db.session, account), form=StartForm())


@bp.route("/applications", methods=["POST"])
@roles_required(*APPLICANT)
def start():
    account = _account()
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        application = services.start_application(db.session, account, form.kind.data, utcnow())
    except ValidationFailed as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("portal.home"))
    db.session.commit()
    flash(f"{application.kind_label}（受付番号 {application.reference}）を作成しました。各項目を入力してください。", "success")
    return redirect(url_for("portal.application", application_id=application.id))


def _section_states(application: Application) -> list[dict]:
    found = services.submission_problems(db.session, application) if application.is_editable else []
    data = application.data or {}
    states = []
    for key in content.SECTIONS_BY_KIND[application.kind]:
        problems = [p.message for p in found if p.section == key]
        if key in content.ROW_SECTIONS:
            filled = f"{len(data.get(key) or [])} 件"
        elif key == "attachments":
            filled = f"{len(application.live_attachments)} ファイル"
        elif key == "categories":
            filled = f"{sum(len(v) for v in (data.get('categories') or {}).values())} 業種"
        else:
            filled = ""
        states.append({"key": key, "label": content.SECTIONS[key], "problems": problems, "filled": filled,
                       "url": _section_url(application, key)})
    return states


def _section_url(application: Application, key: str) -> str:
    if key in content.ROW_SECTIONS:
        return url_for("portal.rows", application_id=application.id, section=key)
    endpoint = {"company": "portal.company", "categories": "portal.categories", "declarations": "portal.declarations",
                "change": "portal.change_note", "attachments": "portal.attachments"}[key]
    return url_for(endpoint, application_id=application.id)


@bp.route("/applications/<int:application_id>")
@roles_required(*APPLICANT)
def application(application_id: int):
    """Overview: each section's state, staff comments, the step log, and the submit button."""
    _owner, app_ = _application(application_id)
    states = _section_states(app_)
    period = None
    if app_.period_start_year:
        period = period_label(db.session, *qualification_period(db.session, app_.period_start_year))
    return render_template("registry/applications/portal/application.html", application=app_, states=states, period=period,
                           ready=app_.is_editable and not any(s["problems"] for s in states), form=ConfirmForm(),
                           view=display_data(app_), section_labels=content.SECTIONS)


@bp.route("/applications/<int:application_id>/company", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def company(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    form = CompanyForm(data=(app_.data or {}).get("company") or {})
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.save_company(db.session, account, app_, {f: getattr(form, f).data for f in content.COMPANY_FIELDS})
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            return _saved(app_, "会社情報を保存しました。")
    return render_template("registry/applications/portal/company.html", application=app_, form=form, general_errors=general)


@bp.route("/applications/<int:application_id>/categories", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def categories(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None or app_.kind != "new":
        return stop or abort(404)
    stored = (app_.data or {}).get("categories") or {}
    form = CategoriesForm(data={"period_start_year": str(app_.period_start_year or ""), **stored})
    form.period_start_year.choices = choices([("", "選んでください")] + [
        (str(year), label) for year, label in services.period_options(db.session)])
    for category in CATEGORIES:
        getattr(form, category).choices = choices(_work_type_pairs(category))
    general: list[str] = []
    if form.validate_on_submit():
        year = form.period_start_year.data
        try:
            services.save_categories(db.session, account, app_, {c: getattr(form, c).data or [] for c in CATEGORIES},
                                     int(year) if (year or "").isdigit() else None)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            return _saved(app_, "申請する業種を保存しました。")
    return render_template("registry/applications/portal/categories.html", application=app_, form=form, general_errors=general)


@bp.route("/applications/<int:application_id>/rows/<section>", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def rows(application_id: int, section: str):
    """A list section (permits, 経審, technicians, 実績): its rows and the form to add one."""
    account, app_ = _application(application_id)
    if section not in content.ROW_SECTIONS or section not in content.SECTIONS_BY_KIND[app_.kind]:
        abort(404)
    pairs = _work_type_pairs("construction" if section in ("permits", "keishin") else None)
    form = row_form(section, pairs, formdata=request.form if request.method == "POST" else None)
    general: list[str] = []
    if request.method == "POST":
        if (stop := _editable_or_redirect(app_)) is not None:
            return stop
        if form.validate():
            try:
                services.save_row(db.session, account, app_, section, form.data)
            except ValidationFailed as exc:
                db.session.rollback()
                general = apply_errors(form, exc)
            else:
                db.session.commit()
                flash("追加しました。", "success")
                return redirect(url_for("portal.rows", application_id=app_.id, section=section))
    rows_ = (app_.data or {}).get(section) or []
    mismatches = {i: content.keishin_p_mismatch(r) for i, r in enumerate(rows_)} if section == "keishin" else {}
    return render_template("registry/applications/portal/rows.html", application=app_, section=section, label=content.SECTIONS[section],
                           fields=content.ROW_FIELDS[section], rows=rows_, form=form, general_errors=general,
                           names=dict(pairs), roles=content.WORK_ROLES, mismatches=mismatches), \
        422 if general or form.errors else 200


@bp.route("/applications/<int:application_id>/rows/<section>/<int:index>", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def row_edit(application_id: int, section: str, index: int):
    account, app_ = _application(application_id)
    if section not in content.ROW_SECTIONS or section not in content.SECTIONS_BY_KIND[app_.kind]:
        abort(404)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    rows_ = (app_.data or {}).get(section) or []
    if not 0 <= index < len(rows_):
        abort(404)
    pairs = _work_type_pairs("construction" if section in ("permits", "keishin") else None)
    form = row_form(section, pairs, formdata=request.form if request.method == "POST" else None, data=rows_[index])
    general: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            services.save_row(db.session, account, app_, section, form.data, index=index)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash("変更しました。", "success")
            return redirect(url_for("portal.rows", application_id=app_.id, section=section))
    return render_template("registry/applications/portal/row_edit.html", application=app_, section=section, label=content.SECTIONS[section],
                           fields=content.ROW_FIELDS[section], form=form, index=index, general_errors=general)


@bp.route("/applications/<int:application_id>/rows/<section>/<int:index>/remove", methods=["POST"])
@roles_required(*APPLICANT)
def row_remove(application_id: int, section: str, index: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_row(db.session, account, app_, section, index)
    db.session.commit()
    flash("削除しました。", "success")
    return redirect(url_for("portal.rows", application_id=app_.id, section=section))


@bp.route("/applications/<int:application_id>/declarations", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def declarations(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None or app_.kind != "new":
        return stop or abort(404)
    agreed = [code for code, yes in ((app_.data or {}).get("declarations") or {}).items() if yes]
    form = DeclarationsForm(data={"agreed": agreed})
    form.agreed.choices = choices(content.declaration_items(db.session))
    if form.validate_on_submit():
        services.save_declarations(db.session, account, app_, set(form.agreed.data or []))
        return _saved(app_, "誓約を保存しました。")
    return render_template("registry/applications/portal/declarations.html", application=app_, form=form)


@bp.route("/applications/<int:application_id>/change-note", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def change_note(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None or app_.kind != "change":
        return stop or abort(404)
    form = ChangeNoteForm(data={"change_note": (app_.data or {}).get("change_note") or ""})
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.save_change_note(db.session, account, app_, form.change_note.data)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            return _saved(app_, "変更の内容を保存しました。")
    return render_template("registry/applications/portal/change_note.html", application=app_, form=form, general_errors=general)


@bp.route("/applications/<int:application_id>/attachments", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def attachments(application_id: int):
    account, app_ = _application(application_id)
    form = AttachmentForm()
    items = content.document_items(db.session)
    form.document_code.choices = choices([("", "選んでください")] + [(code, row["title"]) for code, row in items])
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if (stop := _editable_or_redirect(app_)) is not None:
            return stop
        if form.validate_on_submit():
            upload = request.files.get("file")
            try:
                services.add_attachment(
                    db.session, account, app_, document_code=form.document_code.data,
                    filename=upload.filename if upload else None,
                    content_bytes=upload.read(current_app.config["ATTACHMENT_MAX_MB"] * 1024 * 1024 + 1) if upload else b"",
                    storage_root=current_app.config["STORAGE_DIR"],
                    max_bytes=current_app.config["ATTACHMENT_MAX_MB"] * 1024 * 1024, now=utcnow())
            except ValidationFailed as exc:
                db.session.rollback()
                general = apply_errors(form, exc)
                status = 422
            else:
                db.session.commit()
                flash("添付しました。", "success")
                return redirect(url_for("portal.attachments", application_id=app_.id))
    required = dict(content.required_documents(db.session, app_.kind, app_.data or {}))
    return render_template("registry/applications/portal/attachments.html", application=app_, form=form, general_errors=general,
                           documents=items, required=required, max_mb=current_app.config["ATTACHMENT_MAX_MB"],
                           remove_form=ConfirmForm()), status


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@roles_required(*APPLICANT)
def attachment_download(application_id: int, attachment_id: int):
    account, app_ = _application(application_id)
    attachment = services.own_attachment(db.session, account, app_, attachment_id)
    return send_attachment(attachment)


def send_attachment(attachment):
    """The stored file, always as a download under the applicant's file name (never shown inline)."""
    path = files.path_of(current_app.config["STORAGE_DIR"], attachment.stored_name)
    if not path.exists():
        abort(404)
    # Read whole (10 MB at most by the upload limit) so no file handle outlives the request.
    return send_file(io.BytesIO(path.read_bytes()), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name, max_age=0)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@roles_required(*APPLICANT)
def attachment_remove(application_id: int, attachment_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attachment = services.own_attachment(db.session, account, app_, attachment_id)
    services.remove_attachment(db.session, account, app_, attachment, utcnow())
    db.session.commit()
    flash(f"「{attachment.original_name}」の添付を取り消しました。", "success")
    return redirect(url_for("portal.attachments", application_id=app_.id))


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@roles_required(*APPLICANT)
def submit(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        message = services.submit(db.session, account, app_, utcnow())
    except ValidationFailed:
        db.session.rollback()
        flash("まだ入力が足りない項目があります。各項目の指摘を確認してください。", "error")
        return redirect(url_for("portal.application", application_id=app_.id))
    db.session.commit()
    _send(message)
    flash(f"{app_.kind_label}を提出しました（受付番号 {app_.reference}）。審査の結果はメールでお知らせします。", "success")
    return redirect(url_for("portal.application", application_id=app_.id))
