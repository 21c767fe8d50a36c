"""Contractor screens (SPEC CM1): list with filters, sort, pagination and CSV/Excel export; registration, detail,
edit, area override and status change; the 履歴 tab. The registry is city-wide: every VIEW_ROLES user sees
every firm; only EDIT_ROLES see (and may use) the buttons that change it."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core import menu
from core.audit.queries import TARGET_LABELS
from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db
from core.errors import ValidationFailed
from core.formtools import DateInputField, JapaneseForm, apply_errors, choices
from core.history_views import describe_changes, render_history
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.rules.queries import today
from core.timefmt import JST

from . import bp, contractors, queries
from .codes import derive_area, work_types
from .models import AREAS, CATEGORIES, LEGAL_FORMS, STATUSES, Contractor
from .permissions import EDIT_ROLES, VIEW_ROLES, can_edit_registry
from .qualifications import jvs_of
from .rules import RANK_CHOICES
from .tabs import contractor_tabs

view_roles = roles_required(*VIEW_ROLES)
edit_roles = roles_required(*EDIT_ROLES)

menu.register("業者登録", "業者一覧", "registry.contractor_list", VIEW_ROLES,
              ("registry.contractor_detail", "registry.contractor_edit", "registry.contractor_history"))
menu.register("業者登録", "業者の新規登録", "registry.contractor_new", EDIT_ROLES)


@bp.app_context_processor
def _registry_globals():
    """For ``registry/_contractor_header.html`` on every tab page."""
    return {"contractor_tabs": contractor_tabs, "registry_today": today, "can_edit_registry": can_edit_registry}


# --- forms -----------------------------------------------------------------------------------------

class ContractorFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    q = StringField("業者番号・商号・カナ", validators=[Optional(), Length(max=100)])
    category = SelectField("登録区分", validate_choice=False, default="")
    work_type = SelectField("業種", validate_choice=False, default="")
    rank = SelectField("等級", validate_choice=False, default="",
                       choices=choices([("", "すべて")] + list(RANK_CHOICES)))
    area = SelectField("地域区分", validate_choice=False, default="",
                       choices=choices([("", "すべて")] + list(AREAS.items())))
    status = SelectField("状態", validate_choice=False, default="active",
                         choices=choices(list(STATUSES.items()) + [("all", "すべて")]))
    suspended = SelectField("指名停止", validate_choice=False, default="any",
                            choices=choices([("any", "すべて"), ("yes", "指名停止中"), ("no", "指名停止中を除く")]))
    period = DateInputField("資格の有効日", validators=[Optional()])


def _text(label: str, max_length: int, **kw) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=max_length, message=f"{label}は {max_length} 文字以内です。")],
                       **kw)


class ContractorForm(JapaneseForm):
    number = _text("業者番号", 20)
    name = _text("商号又は名称", 200)
    name_kana = _text("商号又は名称（カナ）", 200)
    legal_form = SelectField("法人・個人の別", choices=choices(LEGAL_FORMS.items()), default="corporation",
                             validate_choice=False)
    corporate_number = _text("法人番号", 20)
    representative_title = _text("代表者の役職", 100)
    representative_name = _text("代表者の氏名", 100)
    postal_code = _text("郵便番号", 10)
    address = _text("所在地", 300)
    phone = _text("電話番号", 20)
    email = _text("メールアドレス", 254)
    branch_name = _text("受任者（委任先）の名称", 200)
    branch_representative_title = _text("受任者の役職", 100)
    branch_representative_name = _text("受任者の氏名", 100)
    branch_postal_code = _text("受任者の郵便番号", 10)
    branch_address = _text("受任者の所在地", 300)
    branch_phone = _text("受任者の電話番号", 20)
    is_jv = BooleanField("共同企業体（JV）")
    note = TextAreaField("備考", validators=[Optional(), Length(max=2000, message="備考は 2000 文字以内です。")])
    area_override = SelectField("地域区分", validate_choice=False, default="",
                                choices=choices([("", "所在地から判定する")] + list(AREAS.items())))
    area_override_reason = _text("地域区分を判定と変える理由", 500)

    def values(self) -> dict:
        return {f: getattr(self, f).data for f in contractors.EDITABLE}


class AreaForm(JapaneseForm):
    action = SelectField("操作", choices=choices([("override", "変更"), ("clear", "判定に戻す")]), validate_choice=False)
    area_override = SelectField("地域区分", validate_choice=False, default="",
                                choices=choices([("", "選んでください")] + list(AREAS.items())))
    area_override_reason = _text("理由", 500)


class StatusForm(JapaneseForm):
    status = SelectField("新しい状態", validate_choice=False, choices=choices(STATUSES.items()))
    reason = _text("理由", 500)


# --- list ------------------------------------------------------------------------------------------

def _filter_choices(form: ContractorFilterForm) -> dict:
    codes = work_types(db.session)
    form.category.choices = choices([("", "すべて")] + list(CATEGORIES.items()))
    form.work_type.choices = choices([("", "すべて")] + [
        (w.code, f"{w.code} {w.title}") for w in sorted(codes.values(), key=lambda w: w.code)
        if not form.category.data or w.category == form.category.data])
    return codes


def _list_statement(form: ContractorFilterForm, valid: bool, eager: bool = True):
    status = form.status.data or "active"
    return queries.search_contractors(eager=eager,
        q=form.q.data, category=form.category.data or None, work_type_code=form.work_type.data or None,
        rank=form.rank.data or None, area=form.area.data or None, status=None if status == "all" else status,
        suspended=form.suspended.data or "any", period=form.period.data if valid else None,
        sort=request.args.get("sort"))


@dataclass
class _Reg:
    """A registration with its 業種 rows as plain tuples (cheaper than ORM objects on lists and exports)."""

    category: str
    period_start: date
    period_end: date
    work_types: list = field(default_factory=list)  # (code, objective, subjective, rank)


def _registrations(ids) -> dict[int, list[_Reg]]:
    """Registrations per firm for ``ids`` (a list or a select of ids), in one query."""
    regs: dict[int, list[_Reg]] = {}
    for cid, category, start, end, code, objective, subjective, rank in queries.registration_rows(db.session, ids):
        items = regs.setdefault(cid, [])
        if not items or (items[-1].category, items[-1].period_start) != (category, start):
            items.append(_Reg(category, start, end))
        if code is not None:
            items[-1].work_types.append((code, objective, subjective, rank))
    return regs


def _work_type_summary(regs: list[_Reg], codes: dict, day) -> list[tuple[str, str, str | None]]:
    """(code, title, rank) of the registrations in force on ``day`` (else the latest)."""
    current = [r for r in regs if r.period_start <= day <= r.period_end] or regs[-1:]
    return [(code, codes[code].title if code in codes else code, rank)
            for r in current for code, _o, _s, rank in r.work_types]


@bp.route("/contractors")
@view_roles
def contractor_list():
    """Firms with filters (category, 業種, rank, area, status, suspension, period, name/kana), sort, pagination,
    CSV and Excel export of the filtered list."""
    form = ContractorFilterForm(request.args)
    codes = _filter_choices(form)
    valid = form.validate()
    stmt = _list_statement(form, valid, eager=False)
    day = (form.period.data if valid else None) or today()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(stmt, codes, day, fmt)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    ids = [c.id for c in page.items]
    suspensions = queries.active_suspensions(db.session, ids, today())
    regs = _registrations(ids) if ids else {}
    summaries = {c.id: _work_type_summary(regs.get(c.id, []), codes, day) for c in page.items}
    return render_template("registry/contractor_list.html", page=page, filters=form, sort=queries.sort_key(
        request.args.get("sort")), suspensions=suspensions, summaries=summaries,
        can_edit=can_edit_registry(current_user))


EXPORT_HEADER = ["業者番号", "商号又は名称", "商号又は名称（カナ）", "法人・個人", "法人番号", "代表者の役職", "代表者の氏名",
                 "郵便番号", "所在地", "電話番号", "メールアドレス", "受任者の名称", "受任者の役職", "受任者の氏名",
                 "受任者の郵便番号", "受任者の所在地", "受任者の電話番号", "地域区分", "地域区分を変更した理由", "状態",
                 "状態の理由", "業種・等級", "指名停止中"]


def _export_data(stmt) -> tuple[list, dict[int, list[_Reg]]]:
    """The filtered firms as rows and their registrations, in two queries whatever the number of firms."""
    firms = db.session.execute(stmt.with_only_columns(*Contractor.__table__.c)).all()
    return firms, _registrations(stmt.with_only_columns(Contractor.id).order_by(None))


def _summary(regs: list[_Reg], codes: dict, day) -> str:
    return "・".join(f"{code}{title if title != code else ''}{' ' + rank if rank else ''}"
                    for code, title, rank in _work_type_summary(regs, codes, day))


def _export_row(c, summary: str, suspended: bool) -> list:
    return [c.number, c.name, c.name_kana, LEGAL_FORMS.get(c.legal_form, c.legal_form), c.corporate_number,
            c.representative_title, c.representative_name, c.postal_code, c.address, c.phone, c.email, c.branch_name,
            c.branch_representative_title, c.branch_representative_name, c.branch_postal_code, c.branch_address,
            c.branch_phone, AREAS.get(c.area, c.area), c.area_override_reason, STATUSES.get(c.status, c.status),
            c.status_reason, summary, "指名停止中" if suspended else ""]


def _export(stmt, codes: dict, day, fmt: str):
    firms, regs = _export_data(stmt)
    suspended = queries.active_suspensions(db.session, None, today())
    record_export(db.session, current_user, "業者一覧", request.args.to_dict(),
                  file_format="Excel" if fmt == "xlsx" else "CSV")
    db.session.commit()
    if fmt == "csv":
        return csv_response("業者一覧", EXPORT_HEADER, (
            _export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms))
    return _xlsx(firms, regs, codes, day, suspended)


def _xlsx(firms, regs: dict, codes: dict, day, suspended: dict) -> Response:
    """Two sheets: the firms, and one row per firm and 業種 with points as numbers and periods as dates."""
    firm_rows = (_export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms)

    def work_type_rows():
        for c in firms:
            for r in regs.get(c.id, []):
                category = CATEGORIES.get(r.category, r.category)
                for code, objective, subjective, rank in r.work_types:
                    total = None if objective is None else objective + (subjective or 0)
                    yield [c.number, c.name, category, r.period_start, r.period_end, code,
                           codes[code].title if code in codes else "", objective, subjective, total, rank]

    data = xlsx_bytes([
        ("業者一覧", EXPORT_HEADER, {1: 12, 2: 36, 3: 30, 9: 40, 22: 48}, firm_rows),
        ("業種・等級", ["業者番号", "商号又は名称", "登録区分", "有効期間の始期", "有効期間の終期", "業種コード", "業種",
                     "客観点", "主観点", "総合点", "等級"], {1: 12, 2: 36, 3: 16, 4: 14, 5: 14, 7: 28}, work_type_rows()),
    ])
    stamp = datetime.now(JST).strftime("%Y%m%d_%H%M")
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = (f"attachment; filename=\"keiyaku_{stamp}.xlsx\"; "
                                               f"filename*=UTF-8''{quote(f'業者一覧_{stamp}.xlsx')}")
    return response


# A minimal SpreadsheetML writer: openpyxl without lxml needs ~10 s for the whole registry (450,000 cells), this
# ~1 s. Text as inline strings (never formulas), int/float/Decimal as numbers, dates as date serials formatted
# yyyy/mm/dd, a bold frozen header row and column widths. The tests read the result back with openpyxl.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
           '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="Yu Gothic"/></font>'
           '<font><b/><sz val="11"/><name val="Yu Gothic"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
           '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_EPOCH = date(1899, 12, 30)


def _column_letters(n: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, n + 1)]


def _cell(ref: str, value, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(_XML_ILLEGAL.sub("", str(value)))
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(header: list[str], widths: dict[int, int], rows) -> str:
    letters = _column_letters(len(header))
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(widths.items()))
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}><sheetViews>'
             '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             f'</sheetView></sheetViews><cols>{cols}</cols><sheetData>',
             '<row r="1">' + "".join(_cell(f"{letters[i]}1", h, 1) for i, h in enumerate(header)) + "</row>"]
    for n, row in enumerate(rows, start=2):
        parts.append(f'<row r="{n}">' + "".join(_cell(f"{letters[i]}{n}", v) for i, v in enumerate(row)) + "</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx_bytes(sheets) -> bytes:
    """``sheets`` = [(title, header, {column number: width}, rows), ...] → the bytes of an .xlsx file."""
    import zipfile
    from xml.sax.saxutils import quoteattr

    buffer = io.BytesIO()
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    rel_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                   f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
                   + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
                             for i in range(1, len(sheets) + 1)) + "</Types>")
        z.writestr("_rels/.rels", head + f'<Relationships xmlns="{rel_ns}"><Relationship Id="rId1" '
                   f'Type="{doc_rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", head + f'<workbook {_NS} xmlns:r="{doc_rel}"><sheets>' + "".join(
            f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>' for i, (title, *_rest) in enumerate(sheets, 1))
            + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", head + f'<Relationships xmlns="{rel_ns}">' + "".join(
            f'<Relationship Id="rId{i}" Type="{doc_rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{doc_rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", _STYLES)
        for i, (_title, header, widths, rows) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(header, widths, rows))
    return buffer.getvalue()


# --- detail ----------------------------------------------------------------------------------------

def _get(contractor_id: int) -> Contractor:
    contractor = queries.get_contractor_detail(db.session, contractor_id)
    if contractor is None:
        from flask import abort

        abort(404)
    return contractor


@bp.route("/contractors/<int:contractor_id>")
@view_roles
def contractor_detail(contractor_id: int):
    """基本情報 tab: head office, 受任者, area (with the derived one when overridden), status, registrations."""
    contractor = _get(contractor_id)
    return _render_detail(contractor)


def _render_detail(contractor: Contractor, area_form: AreaForm | None = None, status_form: StatusForm | None = None,
                   status=200):
    derived = derive_area(db.session, contractor.branch_address or contractor.address)
    status_form = status_form or StatusForm(formdata=None)
    status_form.status.choices = choices([(k, v) for k, v in STATUSES.items() if k != contractor.status])
    return render_template(
        "registry/contractor_detail.html", contractor=contractor, codes=work_types(db.session),
        derived_area=AREAS.get(derived, derived), can_edit=can_edit_registry(current_user),
        area_form=area_form or AreaForm(formdata=None), status_form=status_form, today_=today(),
        current_tab="registry.contractor_detail", member_of=jvs_of(db.session, contractor.id)), status


@bp.route("/contractors/new", methods=["GET", "POST"])
@edit_roles
def contractor_new():
    """Register a firm (the 業者番号 is numbered automatically unless given)."""
    form = ContractorForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            contractor = contractors.create_contractor(
                db.session, current_user, number=form.number.data or None, **form.values(),
                area_override=form.area_override.data or None, area_override_reason=form.area_override_reason.data)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"業者「{contractor.name}」を登録しました（業者番号 {contractor.number}）。", "success")
            return redirect(url_for("registry.contractor_detail", contractor_id=contractor.id))
    return render_template("registry/contractor_form.html", form=form, contractor=None, general_errors=general,
                           next_number=contractors.next_contractor_number(db.session))


@bp.route("/contractors/<int:contractor_id>/edit", methods=["GET", "POST"])
@edit_roles
def contractor_edit(contractor_id: int):
    """Change a firm's basic data (the area and the status have their own actions on the detail page)."""
    contractor = _get(contractor_id)
    form = ContractorForm(obj=contractor)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            contractors.update_contractor(db.session, current_user, contractor, **form.values())
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"業者「{contractor.name}」を更新しました。", "success")
            return redirect(url_for("registry.contractor_detail", contractor_id=contractor.id))
    return render_template("registry/contractor_form.html", form=form, contractor=contractor, general_errors=general)


@bp.route("/contractors/<int:contractor_id>/area", methods=["POST"])
@edit_roles
def contractor_area(contractor_id: int):
    """Override the 地域区分 with a reason, or go back to the one derived from the address."""
    contractor = _get(contractor_id)
    form = AreaForm()
    if form.validate_on_submit():
        try:
            if form.action.data == "clear":
                contractors.clear_area_override(db.session, current_user, contractor)
                message = f"地域区分を所在地からの判定（{contractor.area_label}）に戻しました。"
            else:
                contractors.override_area(db.session, current_user, contractor, form.area_override.data,
                                          form.area_override_reason.data)
                message = f"地域区分を「{contractor.area_label}」に変更しました。"
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
            for m in general:
                flash(m, "error")
            return _render_detail(_get(contractor_id), area_form=form, status=422)
        db.session.commit()
        flash(message, "success")
    else:
        flash("入力内容を確認してください。", "error")
    return redirect(url_for("registry.contractor_detail", contractor_id=contractor_id))


@bp.route("/contractors/<int:contractor_id>/status", methods=["POST"])
@edit_roles
def contractor_status(contractor_id: int):
    """有効 / 失効 / 取消 (a reason is required except back to 有効)."""
    contractor = _get(contractor_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            contractors.change_status(db.session, current_user, contractor, form.status.data, form.reason.data)
        except ValidationFailed as exc:
            db.session.rollback()
            for m in apply_errors(form, exc):
                flash(m, "error")
            return _render_detail(_get(contractor_id), status_form=form, status=422)
        db.session.commit()
        flash(f"業者「{contractor.name}」を「{contractor.status_label}」にしました。", "success")
    else:
        flash("入力内容を確認してください。", "error")
    return redirect(url_for("registry.contractor_detail", contractor_id=contractor_id))


RELATED_HISTORY_LIMIT = 200


@bp.route("/contractors/<int:contractor_id>/history")
@view_roles
def contractor_history(contractor_id: int):
    """履歴 tab: every change of the firm's basic data, its state on a chosen date, and below the latest
    changes of its registrations, 業種, permits, 経審, technicians, suspensions and JV membership."""
    contractor = db.get(Contractor, contractor_id)
    return render_history(
        db.session, table="contractors", record_id=contractor.id, current=contractors.contractor_snapshot(contractor),
        title=f"{contractor.name}（業者番号 {contractor.number}）",
        tabs=contractor_tabs(contractor.id, "registry.contractor_history"),
        breadcrumb=[("業者一覧", url_for("registry.contractor_list")),
                    (contractor.name, url_for("registry.contractor_detail", contractor_id=contractor.id)), ("履歴", None)],
        template="registry/contractor_history.html",
        related=describe_changes(queries.related_history(db.session, contractor, RELATED_HISTORY_LIMIT)),
        related_limit=RELATED_HISTORY_LIMIT, table_labels=TARGET_LABELS)
