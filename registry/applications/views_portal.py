"""The applicant portal's application screens (internet side, SPEC QA3, QA4): the applicant's home, a new
application, its sections and rows, attachments, and the submission. Every route loads the application
through the applicant's own account, so another firm's application answers 404. The account pages (sign-up,
confirmation, password reset) are in ``views_portal_account``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth.roles import Role
from core.db import db, utcnow
from core.formtools import choices
from core.permissions import roles_required
from core.transaction import general_errors, transaction
from registry.codes import work_types
from registry.contractors.models import CATEGORIES
from registry.qualifications.ranks.periods import period_label, qualification_period

from . import accounts, content, services
from .display import display_data, send_attachment, send_to_applicant
from .forms import AttachmentForm, CategoriesForm, ChangeNoteForm, CompanyForm, ConfirmForm, DeclarationsForm, StartForm, row_form
from .models import ApplicantAccount, Application

bp = Blueprint("filing", __name__)
APPLICANT = (Role.APPLICANT,)
OVERVIEW = "portal.filing.application"
ROWS = "portal.filing.rows"
ATTACHMENTS = "portal.filing.attachments"
TEMPLATES = "registry/applications/portal/"


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
        return redirect(url_for(OVERVIEW, application_id=application.id))
    return None


def _work_type_pairs(category: str | None = None) -> list[tuple[str, str]]:
    return [(wt.code, f"{wt.code} {wt.title}") for wt in work_types(db.session).values()
            if category is None or wt.category == category]


def _saved(application: Application, message: str, section: str):
    """Back to the overview, which then lists what the saved section still misses (the others stay neutral)."""
    flash(message, "success")
    return redirect(url_for(OVERVIEW, application_id=application.id, saved=section, _anchor=f"section-{section}"))


# --- applications --------------------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*APPLICANT)
def home():
    """The applicant's applications with their status, and the buttons to start one."""
    account = _account()
    return render_template(TEMPLATES + "home.html", account=account,
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
    with transaction(flash_errors=True) as tx:
        application = services.start_application(db.session, account, form.kind.data, utcnow())
    if not tx.ok:
        return redirect(url_for("portal.filing.home"))
    flash(f"{application.kind_label}（受付番号 {application.reference}）を作成しました。各項目を入力してください。", "success")
    return redirect(url_for(OVERVIEW, application_id=application.id))


def _section_states(application: Application, found: list | None = None) -> list[dict]:
    if found is None:
        found = services.submission_problems(db.session, application) if application.is_editable else []
    data = application.data or {}
    notes = (application.section_notes or {}) if application.status == "returned" else {}
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
                       "url": _section_url(application, key), "note": notes.get(key)})
    return states


def _section_url(application: Application, key: str) -> str:
    if key in content.ROW_SECTIONS:
        return url_for(ROWS, application_id=application.id, section=key)
    endpoint = {"company": "company", "categories": "categories", "declarations": "declarations",
                "change": "change_note", "attachments": "attachments"}[key]
    return url_for(f"portal.filing.{endpoint}", application_id=application.id)


@bp.route("/applications/<int:application_id>")
@roles_required(*APPLICANT)
def application(application_id: int):
    """Overview: each section's state, staff comments, the step log, and the submit button."""
    _owner, app_ = _application(application_id)
    return _overview(app_)


def _overview(app_: Application, *, tried: bool = False, status: int = 200):
    """What is still missing stays a neutral 「未入力」 until the applicant saves that section (then its list shows)
    or tries to submit (then every list shows, as errors): a new application does not open on a page of errors."""
    found = services.submission_problems(db.session, app_) if app_.is_editable else []
    states = _section_states(app_, found)
    period = None
    if app_.period_start_year:
        period = period_label(db.session, *qualification_period(db.session, app_.period_start_year))
    return render_template(TEMPLATES + "application.html", application=app_, states=states, period=period,
                           ready=app_.is_editable and not found, form=ConfirmForm(), tried=tried,
                           saved=request.args.get("saved"), problem_count=len(found),
                           view=display_data(app_), section_labels=content.SECTIONS), status


@bp.route("/applications/<int:application_id>/company", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def company(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    form = CompanyForm(data=(app_.data or {}).get("company") or {})
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.save_company(db.session, account, app_, {f: getattr(form, f).data for f in content.COMPANY_FIELDS})
        if tx.ok:
            return _saved(app_, "会社情報を保存しました。", "company")
    return render_template(TEMPLATES + "company.html", application=app_, form=form, general_errors=general_errors())


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
    if form.validate_on_submit():
        year = form.period_start_year.data
        with transaction(form) as tx:
            services.save_categories(db.session, account, app_, {c: getattr(form, c).data or [] for c in CATEGORIES},
                                     int(year) if (year or "").isdigit() else None)
        if tx.ok:
            return _saved(app_, "申請する業種を保存しました。", "categories")
    return render_template(TEMPLATES + "categories.html", application=app_, form=form, general_errors=general_errors())


def _row_section(app_: Application, section: str) -> None:
    if section not in content.ROW_SECTIONS or section not in content.SECTIONS_BY_KIND[app_.kind]:
        abort(404)


@bp.route("/applications/<int:application_id>/rows/<section>", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def rows(application_id: int, section: str):
    """A list section (permits, 経審, technicians, 実績): its rows and the form to add one."""
    account, app_ = _application(application_id)
    _row_section(app_, section)
    pairs = _work_type_pairs("construction" if section in ("permits", "keishin") else None)
    form = row_form(section, pairs, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        if (stop := _editable_or_redirect(app_)) is not None:
            return stop
        if form.validate():
            with transaction(form) as tx:
                services.save_row(db.session, account, app_, section, form.data)
            if tx.ok:
                flash("追加しました。", "success")
                return redirect(url_for(ROWS, application_id=app_.id, section=section))
    general = general_errors()
    rows_ = (app_.data or {}).get(section) or []
    mismatches = {i: content.keishin_p_mismatch(r) for i, r in enumerate(rows_)} if section == "keishin" else {}
    return render_template(TEMPLATES + "rows.html", application=app_, section=section, label=content.SECTIONS[section],
                           fields=content.ROW_FIELDS[section], rows=rows_, form=form, general_errors=general,
                           names=dict(pairs), roles=content.WORK_ROLES, mismatches=mismatches), \
        422 if general or form.errors else 200


@bp.route("/applications/<int:application_id>/rows/<section>/<int:index>", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def row_edit(application_id: int, section: str, index: int):
    account, app_ = _application(application_id)
    _row_section(app_, section)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    rows_ = (app_.data or {}).get(section) or []
    if not 0 <= index < len(rows_):
        abort(404)
    pairs = _work_type_pairs("construction" if section in ("permits", "keishin") else None)
    form = row_form(section, pairs, formdata=request.form if request.method == "POST" else None, data=rows_[index])
    if request.method == "POST" and form.validate():
        with transaction(form) as tx:
            services.save_row(db.session, account, app_, section, form.data, index=index)
        if tx.ok:
            flash("変更しました。", "success")
            return redirect(url_for(ROWS, application_id=app_.id, section=section))
    return render_template(TEMPLATES + "row_edit.html", application=app_, section=section,
                           label=content.SECTIONS[section], fields=content.ROW_FIELDS[section], form=form, index=index,
                           general_errors=general_errors())


@bp.route("/applications/<int:application_id>/rows/<section>/<int:index>/remove", methods=["POST"])
@roles_required(*APPLICANT)
def row_remove(application_id: int, section: str, index: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction(flash_errors=True) as tx:
        services.remove_row(db.session, account, app_, section, index)
    if tx.ok:
        flash("削除しました。", "success")
    return redirect(url_for(ROWS, application_id=app_.id, section=section))


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
        # The page shows no general errors: a refusal (the application left the draft meanwhile) is flashed.
        with transaction(flash_errors=True) as tx:
            services.save_declarations(db.session, account, app_, set(form.agreed.data or []))
        if tx.ok:
            return _saved(app_, "誓約を保存しました。", "declarations")
    return render_template(TEMPLATES + "declarations.html", application=app_, form=form)


@bp.route("/applications/<int:application_id>/change-note", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def change_note(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None or app_.kind != "change":
        return stop or abort(404)
    form = ChangeNoteForm(data={"change_note": (app_.data or {}).get("change_note") or ""})
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.save_change_note(db.session, account, app_, form.change_note.data)
        if tx.ok:
            return _saved(app_, "変更の内容を保存しました。", "change")
    return render_template(TEMPLATES + "change_note.html", application=app_, form=form, general_errors=general_errors())


@bp.route("/applications/<int:application_id>/attachments", methods=["GET", "POST"])
@roles_required(*APPLICANT)
def attachments(application_id: int):
    account, app_ = _application(application_id)
    form = AttachmentForm()
    items = content.document_items(db.session)
    form.document_code.choices = choices([("", "選んでください")] + [(code, row["title"]) for code, row in items])
    status = 200
    if request.method == "POST":
        if (stop := _editable_or_redirect(app_)) is not None:
            return stop
        if form.validate_on_submit():
            upload = request.files.get("file")
            max_bytes = current_app.config["ATTACHMENT_MAX_MB"] * 1024 * 1024
            with transaction(form) as tx:
                services.add_attachment(
                    db.session, account, app_, document_code=form.document_code.data,
                    filename=upload.filename if upload else None,
                    content_bytes=upload.read(max_bytes + 1) if upload else b"",  # one byte over tells "too large"
                    storage_root=current_app.config["STORAGE_DIR"], max_bytes=max_bytes, now=utcnow())
            if tx.ok:
                flash("添付しました。", "success")
                return redirect(url_for(ATTACHMENTS, application_id=app_.id))
            status = 422
    required = dict(content.required_documents(db.session, app_.kind, app_.data or {}))
    return render_template(TEMPLATES + "attachments.html", application=app_, form=form, general_errors=general_errors(),
                           documents=items, required=required, max_mb=current_app.config["ATTACHMENT_MAX_MB"],
                           remove_form=ConfirmForm()), status


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@roles_required(*APPLICANT)
def attachment_download(application_id: int, attachment_id: int):
    account, app_ = _application(application_id)
    attachment = services.own_attachment(db.session, account, app_, attachment_id)
    return send_attachment(attachment)


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@roles_required(*APPLICANT)
def attachment_remove(application_id: int, attachment_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attachment = services.own_attachment(db.session, account, app_, attachment_id)
    name = attachment.original_name
    with transaction(flash_errors=True) as tx:
        services.remove_attachment(db.session, account, app_, attachment, utcnow())
    if tx.ok:
        flash(f"「{name}」の添付を取り消しました。", "success")
    return redirect(url_for(ATTACHMENTS, application_id=app_.id))


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@roles_required(*APPLICANT)
def submit(application_id: int):
    account, app_ = _application(application_id)
    if (stop := _editable_or_redirect(app_)) is not None:
        return stop
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.submission_problems(db.session, app_):
        return _overview(app_, tried=True, status=422)
    if request.form.get("confirmed") != "1":
        # A confirmation page before the step that cannot be undone by the applicant (no script needed).
        return render_template(TEMPLATES + "submit_confirm.html", application=app_, form=ConfirmForm(),
                               states=_section_states(app_, []))
    with transaction() as tx:
        message = services.submit(db.session, account, app_, utcnow())
    if not tx.ok:
        # Missing items are shown per section on the overview; any other refusal says why.
        if tx.errors:
            return _overview(app_, tried=True, status=422)
        flash("・".join(tx.general), "error")
        return redirect(url_for(OVERVIEW, application_id=app_.id))
    send_to_applicant(message)
    flash(f"{app_.kind_label}を提出しました（受付番号 {app_.reference}）。審査の結果はメールでお知らせします。", "success")
    return redirect(url_for(OVERVIEW, application_id=app_.id))
