"""Contractor screens (SPEC CM1): list with filters, sort, pagination and CSV/Excel export; registration, detail,
edit, area override and status change; the 履歴 tab. The registry is city-wide: every VIEW_ROLES user sees
every firm; only EDIT_ROLES see (and may use) the buttons that change it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core import menu
from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db
from core.errors import ValidationFailed
from core.formtools import DateInputField, JapaneseForm, apply_errors, choices
from core.history_views import render_history
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.rules.queries import today
from core.timefmt import JST

from . import bp, contractors, queries
from .codes import derive_area, work_types
from .models import AREAS, CATEGORIES, LEGAL_FORMS, STATUSES, Contractor
from .permissions import EDIT_ROLES, VIEW_ROLES, can_edit_registry
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


def _work_type_summary(contractor: Contractor, codes: dict, day) -> list[tuple[str, str, str | None]]:
    """(code, title, rank) of the registrations in force on ``day`` (else the latest)."""
    regs = queries.current_registrations(contractor, day) or contractor.registrations[-1:]
    return [(w.work_type_code, codes[w.work_type_code].title if w.work_type_code in codes else w.work_type_code, w.rank)
            for r in regs for w in r.work_types]


@bp.route("/contractors")
@view_roles
def contractor_list():
    """Firms with filters (category, 業種, rank, area, status, suspension, period, name/kana), sort, pagination,
    CSV and Excel export of the filtered list."""
    form = ContractorFilterForm(request.args)
    codes = _filter_choices(form)
    valid = form.validate()
    stmt = _list_statement(form, valid)
    day = (form.period.data if valid else None) or today()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(_list_statement(form, valid, eager=False), codes, day, fmt)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    suspensions = queries.active_suspensions(db.session, [c.id for c in page.items], today())
    summaries = {c.id: _work_type_summary(c, codes, day) for c in page.items}
    return render_template("registry/contractor_list.html", page=page, filters=form, sort=queries.sort_key(
        request.args.get("sort")), suspensions=suspensions, summaries=summaries,
        can_edit=can_edit_registry(current_user))


EXPORT_HEADER = ["業者番号", "商号又は名称", "商号又は名称（カナ）", "法人・個人", "法人番号", "代表者の役職", "代表者の氏名",
                 "郵便番号", "所在地", "電話番号", "メールアドレス", "受任者の名称", "受任者の役職", "受任者の氏名",
                 "受任者の郵便番号", "受任者の所在地", "受任者の電話番号", "地域区分", "地域区分を変更した理由", "状態",
                 "状態の理由", "業種・等級", "指名停止中"]


@dataclass
class _Reg:
    """A registration with its 業種 rows, for exports (plain tuples, no ORM objects)."""

    category: str
    period_start: date
    period_end: date
    work_types: list = field(default_factory=list)  # (code, objective, subjective, rank)


def _export_data(stmt) -> tuple[list, dict[int, list[_Reg]]]:
    """The filtered firms as rows and their registrations, in two queries whatever the number of firms."""
    firms = db.session.execute(stmt.with_only_columns(*Contractor.__table__.c)).all()
    ids = stmt.with_only_columns(Contractor.id).order_by(None)
    regs: dict[int, list[_Reg]] = {}
    for cid, category, start, end, code, objective, subjective, rank in queries.registration_rows(db.session, ids):
        items = regs.setdefault(cid, [])
        if not items or (items[-1].category, items[-1].period_start) != (category, start):
            items.append(_Reg(category, start, end))
        if code is not None:
            items[-1].work_types.append((code, objective, subjective, rank))
    return firms, regs


def _summary(regs: list[_Reg], codes: dict, day) -> str:
    current = [r for r in regs if r.period_start <= day <= r.period_end] or regs[-1:]
    return "・".join(f"{code}{codes[code].title if code in codes else ''}{' ' + rank if rank else ''}"
                    for r in current for code, _o, _s, rank in r.work_types)


def _export_row(c, summary: str, suspended: bool) -> list:
    return [c.number, c.name, c.name_kana, LEGAL_FORMS.get(c.legal_form, c.legal_form), c.corporate_number,
            c.representative_title, c.representative_name, c.postal_code, c.address, c.phone, c.email, c.branch_name,
            c.branch_representative_title, c.branch_representative_name, c.branch_postal_code, c.branch_address,
            c.branch_phone, AREAS.get(c.area, c.area), c.area_override_reason, STATUSES.get(c.status, c.status),
            c.status_reason, summary, "指名停止中" if suspended else ""]


def _export(stmt, codes: dict, day, fmt: str):
    firms, regs = _export_data(stmt)
    suspended = queries.active_suspensions(db.session, None, today())
    record_export(db.session, current_user, "業者一覧" + ("（Excel）" if fmt == "xlsx" else ""), request.args.to_dict())
    db.session.commit()
    if fmt == "csv":
        return csv_response("業者一覧", EXPORT_HEADER, (
            _export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms))
    return _xlsx(firms, regs, codes, day, suspended)


def _xlsx(firms, regs: dict, codes: dict, day, suspended: dict) -> Response:
    """Two sheets (firms; one row per firm and 業種 with points as numbers and periods as dates), written in
    openpyxl's streaming mode so that exporting all 7,000 firms stays quick."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], widths: dict[int, int]):
        ws = wb.create_sheet(title)
        ws.freeze_panes = "A2"
        for col, width in widths.items():
            ws.column_dimensions[get_column_letter(col)].width = width
        cells = []
        for label in header:
            cell = WriteOnlyCell(ws, value=label)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        return ws

    ws = sheet("業者一覧", EXPORT_HEADER, {1: 12, 2: 36, 3: 30, 9: 40, 22: 48})
    for c in firms:
        ws.append(_export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended))
    detail = sheet("業種・等級", ["業者番号", "商号又は名称", "登録区分", "有効期間の始期", "有効期間の終期", "業種コード",
                                "業種", "客観点", "主観点", "総合点", "等級"], {1: 12, 2: 36, 3: 16, 4: 14, 5: 14, 7: 28})

    def as_date(value):
        cell = WriteOnlyCell(detail, value=value)
        cell.number_format = "yyyy/mm/dd"
        return cell

    for c in firms:
        for r in regs.get(c.id, []):
            category = CATEGORIES.get(r.category, r.category)
            for code, objective, subjective, rank in r.work_types:
                total = None if objective is None else objective + (subjective or 0)
                detail.append([c.number, c.name, category, as_date(r.period_start), as_date(r.period_end), code,
                               codes[code].title if code in codes else "", objective, subjective, total, rank])
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = datetime.now(JST).strftime("%Y%m%d_%H%M")
    response = Response(buffer.getvalue(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = (f"attachment; filename=\"keiyaku_{stamp}.xlsx\"; "
                                               f"filename*=UTF-8''{quote(f'業者一覧_{stamp}.xlsx')}")
    return response


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
        current_tab="registry.contractor_detail"), status


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


@bp.route("/contractors/<int:contractor_id>/history")
@view_roles
def contractor_history(contractor_id: int):
    """履歴 tab: every change of the firm's basic data, and its state on a chosen date."""
    contractor = db.get(Contractor, contractor_id)
    return render_history(
        db.session, table="contractors", record_id=contractor.id, current=contractors.contractor_snapshot(contractor),
        title=f"{contractor.name}（業者番号 {contractor.number}）",
        tabs=contractor_tabs(contractor.id, "registry.contractor_history"),
        breadcrumb=[("業者一覧", url_for("registry.contractor_list")),
                    (contractor.name, url_for("registry.contractor_detail", contractor_id=contractor.id)), ("履歴", None)])
