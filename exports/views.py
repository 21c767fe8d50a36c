"""Forms (帳票) on screen: the list, the preview page (parameters + inline PDF) and the PDF/Excel downloads."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from core.audit.services import record
from core.auth.roles import Role
from core.db import db
from core.errors import ValidationFailed
from core.formtools import DateInputField, JapaneseForm, apply_errors, choices
from core.permissions import require_admin_network, roles_required
from core.transaction import transaction
from core.web import render_error

from . import reports
from .download import content_disposition
from .render import FORMATS
from .reports.base import ReportDefinition, today

bp = Blueprint("exports", __name__, url_prefix="/exports")
#: The routes admit every role that may use at least one form; each form then checks its own roles.
form_access = roles_required(*reports.roles_in_use())


def _definition(name: str) -> ReportDefinition:
    definition = reports.get(name)
    if definition is None:
        abort(404)
    if not definition.may_use(current_user):
        abort(403)
    if definition.admin_network_only:
        require_admin_network("管理機能の帳票は許可されたネットワークからのみ利用できます。")
    return definition


def _messages(exc: ValidationFailed) -> list[str]:
    return [m for msgs in exc.errors.values() for m in msgs]


@bp.route("/reports")
@form_access
def report_list():
    """The forms the user may print, with their parameters."""
    return render_template("exports/report_list.html", definitions=reports.usable_by(current_user))


@bp.route("/reports/<name>")
@form_access
def report_preview(name: str):
    """Parameters (GET form), the PDF shown inline, and download / print buttons."""
    definition = _definition(name)
    given = any(p.name in request.args for p in definition.params)
    defaults = definition.default_args(today())
    raw = MultiDict(request.args) if given else MultiDict(defaults)
    form = _parameter_form(definition, raw)
    general: list[str] = []
    document = None
    args: dict[str, str] = {}
    # Opened without parameters, the page previews only when the defaults fill every required parameter (the
    # suspension list of this year); otherwise it shows the empty form: nothing was entered, so nothing is wrong yet.
    if given or all(p.name in defaults for p in definition.params if p.required):
        try:
            values = definition.parse(raw, db.session)
            document = definition.produce(db.session, values, current_user)
            args = definition.args_of(values)
        except ValidationFailed as exc:  # a read: wrong parameters are shown on the form, nothing to roll back
            general = apply_errors(form, exc) if given else []
    urls = preview_urls(definition, args) if document is not None else None
    html = render_template("exports/report_preview.html", definition=definition, form=form, general_errors=general,
                           document=document, urls=urls)
    if document is not None:
        document.close()
    return html


@bp.route("/reports/<name>.pdf")
@form_access
def report_pdf(name: str):
    """The form as PDF: ``inline=1`` shows it in the browser (preview, printing), otherwise a download."""
    return _output(name, "pdf", inline=request.args.get("inline") == "1")


@bp.route("/reports/<name>.xlsx")
@form_access
def report_xlsx(name: str):
    """The form as an Excel workbook set up for A4 printing."""
    return _output(name, "xlsx", inline=False)


def _output(name: str, fmt: str, inline: bool):
    definition = _definition(name)
    try:
        values = definition.parse(request.args, db.session)
        document = definition.produce(db.session, values, current_user)
    except ValidationFailed as exc:
        return render_error(400, " ".join(_messages(exc)))
    renderer, mimetype, label = FORMATS[fmt]
    try:
        data = renderer(document, current_app.config["ORG_NAME"], today(),
                        date_style=current_app.config["DATE_STYLE"])
    finally:
        document.close()
    args = definition.args_of(values)
    how = "表示" if inline else "出力"
    with transaction():
        record(db.session, current_user, "report.output", f"帳票「{definition.title}」を {label} {how}",
               details={"form": definition.name, "format": fmt, "params": args})
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(definition.title, fmt, inline=inline)
    return response


def _parameter_form(definition: ReportDefinition, raw: MultiDict):
    """A WTForms form built from the parameter spec, only to render labels, values and errors accessibly."""

    class ParameterForm(JapaneseForm):
        class Meta:
            csrf = False

    for p in definition.params:
        if p.type == "date":
            field = DateInputField(p.label, validators=[Optional()])
        elif p.type == "choice":
            field = SelectField(p.label, choices=choices(p.choice_list(db.session)), validate_choice=False, default="")
        else:
            field = StringField(p.label)
        setattr(ParameterForm, p.name, field)
    return ParameterForm(formdata=raw)


def preview_urls(definition: ReportDefinition, args: dict[str, str]) -> dict[str, str]:
    """The inline PDF (preview and printing) and the two downloads, for the same parameters."""
    return {
        "inline": url_for("exports.report_pdf", name=definition.name, inline=1, **args),
        "pdf": url_for("exports.report_pdf", name=definition.name, **args),
        "xlsx": url_for("exports.report_xlsx", name=definition.name, **args),
    }


@bp.route("/econtract/<int:case_id>.zip")
@roles_required(Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF)
def econtract_bundle(case_id: int):
    """The e-contract bundle (PDFs and econtract.json) of a case's contract, as a ZIP."""
    from bidding.cases.queries import get_case
    from bidding.contracts.queries import contract_of_case
    from core.audit.services import record_export

    from .econtract import bundle_files, zip_bundle

    case = get_case(db.session, current_user, case_id)
    contract = contract_of_case(db.session, case.id) if case is not None else None
    if contract is None:
        abort(404)
    data = zip_bundle(bundle_files(db.session, contract, org=current_app.config["ORG_NAME"], actor=current_user))
    with transaction():
        record_export(db.session, current_user, "電子契約の書類", {"contract": contract.number}, file_format="ZIP")
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": content_disposition(f"電子契約_{contract.number}", "zip")})
