"""Qualification screens of a contractor (SPEC CM1): the 許可, 経審, 格付 and 技術者 tabs, the rank review
(格付の見直し) and the creation of a joint venture. GET pages admit ``VIEW_ROLES``; every change is a separate
POST endpoint admitting ``EDIT_ROLES`` only."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core import menu
from core.db import db
from core.errors import ValidationFailed
from core.formtools import DateInputField, JapaneseForm, apply_errors, choices
from core.permissions import roles_required
from core.rules import get_rule
from core.rules.queries import today

from . import bp
from . import qualifications as q
from .codes import work_types
from .keishin import LABELS as SCORE_LABELS
from .keishin import RANGES
from .models import CATEGORIES, Contractor, KeishinScore, RegisteredWorkType, Registration, Technician
from .permissions import EDIT_ROLES, VIEW_ROLES, can_edit_registry
from .permits import format_permit
from .rules import RANK_CHOICES
from .tabs import contractor_tabs

view_roles = roles_required(*VIEW_ROLES)
edit_roles = roles_required(*EDIT_ROLES)

menu.register("業者登録", "格付の見直し", "registry.rank_review", EDIT_ROLES, ("registry.jv_new",))


# --- forms -----------------------------------------------------------------------------------------------

def _int(label: str, required: bool = True):
    validators = [InputRequired(message=f"{label}を入力してください。")] if required else [Optional()]
    return IntegerField(label, validators=validators)


class PermitForm(JapaneseForm):
    work_type_code = SelectField("業種", validate_choice=False)
    text = StringField("許可番号（許可通知書の表記）", validators=[InputRequired(message="許可番号を入力してください。"),
                                                       Length(max=60)])
    granted_on = DateInputField("許可日", validators=[Optional()])


class KeishinForm(JapaneseForm):
    work_type_code = SelectField("業種", validate_choice=False)
    base_date = DateInputField("審査基準日", validators=[InputRequired(message="審査基準日を入力してください。")])
    x1 = _int(SCORE_LABELS["x1"])
    x2 = _int(SCORE_LABELS["x2"])
    y = _int(SCORE_LABELS["y"])
    z = _int(SCORE_LABELS["z"])
    w = _int(SCORE_LABELS["w"])
    p_entered = _int("P（通知書に記載の総合評定値）", required=False)


class PeriodForm(JapaneseForm):
    start_year = SelectField("有効期間", coerce=int, validate_choice=False)


class KeishinCorrectionForm(KeishinForm):
    reason = TextAreaField("訂正の理由", validators=[DataRequired("訂正の理由を入力してください。"),
                                                Length(max=500, message="訂正の理由は 500 文字以内で入力してください。")])


class RegistrationForm(JapaneseForm):
    category = SelectField("区分", validate_choice=False)
    start_year = SelectField("有効期間", coerce=int, validate_choice=False)


class WorkTypeForm(JapaneseForm):
    work_type_code = SelectField("業種", validate_choice=False)
    rank = SelectField("等級（任意）", validate_choice=False, default="",
                       choices=choices([("", "なし（見直しで付ける）")] + list(RANK_CHOICES)))


class SubjectiveForm(JapaneseForm):
    subjective_points = _int("主観点", required=False)


class ReasonForm(JapaneseForm):
    reason = StringField("削除の理由", validators=[InputRequired(message="削除の理由を入力してください。"), Length(max=200)])


class TechnicianForm(JapaneseForm):
    name = StringField("氏名", validators=[InputRequired(message="氏名を入力してください。"), Length(max=100)])
    name_kana = StringField("フリガナ", validators=[Optional(), Length(max=100)])
    qualifications = TextAreaField("資格", validators=[Optional(), Length(max=500)])
    employed_since = DateInputField("雇用開始日", validators=[Optional()])


class JVForm(JapaneseForm):
    name = StringField("共同企業体の名称", validators=[InputRequired(message="名称を入力してください。"), Length(max=200)])
    number = StringField("業者番号（空欄なら自動で採番）", validators=[Optional(), Length(max=20)])
    note = TextAreaField("備考", validators=[Optional(), Length(max=1000)])


JV_ROWS = 5


# --- helpers ----------------------------------------------------------------------------------------------

def _contractor(contractor_id: int) -> Contractor:
    contractor = db.session.get(Contractor, contractor_id)
    if contractor is None:
        abort(404)
    return contractor


def _code_choices(category: str, blank: bool = True):
    pairs = [(c, f"{c} {wt.title}") for c, wt in work_types(db.session).items() if wt.category == category]
    return choices(([("", "選んでください")] if blank else []) + sorted(pairs))


def _titles() -> dict[str, str]:
    return {c: wt.title for c, wt in work_types(db.session).items()}


def _render_tab(template: str, contractor: Contractor, endpoint: str, status: int = 200, **context):
    return render_template(template, contractor=contractor, tabs=contractor_tabs(contractor.id, endpoint),
                           titles=_titles(), can_edit=can_edit_registry(current_user), **context), status


def _done(message: str, endpoint: str, contractor: Contractor):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, contractor_id=contractor.id))


# --- 許可 -------------------------------------------------------------------------------------------------

def _permits_page(contractor: Contractor, form: PermitForm | None = None, general=(), status: int = 200):
    form = form or PermitForm(formdata=None)
    form.work_type_code.choices = _code_choices("construction")
    rows = [(p, q.permit_status(db.session, p), format_permit(p)) for p in contractor.permits]
    return _render_tab("registry/qual_permits.html", contractor, "registry.contractor_permits", status,
                       rows=rows, form=form, general_errors=list(general))


@bp.route("/contractors/<int:contractor_id>/permits")
@view_roles
def contractor_permits(contractor_id: int):
    """The 許可 tab: 建設業許可 per 業種 with expiry warnings, and the form to register one."""
    return _permits_page(_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/permits/save", methods=["POST"])
@edit_roles
def contractor_permit_save(contractor_id: int):
    contractor = _contractor(contractor_id)
    form = PermitForm()
    form.work_type_code.choices = _code_choices("construction")
    if form.validate_on_submit():
        try:
            permit = q.save_permit(db.session, current_user, contractor, work_type_code=form.work_type_code.data,
                                   text=form.text.data, granted_on=form.granted_on.data)
        except ValidationFailed as exc:
            db.session.rollback()
            return _permits_page(contractor, form, apply_errors(form, exc), 422)
        return _done(f"建設業許可（{format_permit(permit)}）を登録しました。", "registry.contractor_permits", contractor)
    return _permits_page(contractor, form, status=422)


# --- 経審 -------------------------------------------------------------------------------------------------

def _keishin_page(contractor: Contractor, form: KeishinForm | None = None, general=(), status: int = 200):
    form = form or KeishinForm(formdata=None)
    form.work_type_code.choices = _code_choices("construction")
    latest_ids = set()
    seen = set()
    for score in contractor.keishin:  # newest first
        if score.work_type_code not in seen:
            seen.add(score.work_type_code)
            latest_ids.add(score.id)
    rows = [(s, q.keishin_status(db.session, s), s.id in latest_ids) for s in contractor.keishin]
    rule = get_rule(db.session, "registry.qualification", today())
    return _render_tab("registry/qual_keishin.html", contractor, "registry.contractor_keishin", status, rows=rows,
                       form=form, general_errors=list(general), ranges=RANGES, rule=rule)


@bp.route("/contractors/<int:contractor_id>/keishin")
@view_roles
def contractor_keishin(contractor_id: int):
    """The 経審 tab: scores per 業種 and 審査基準日, P mismatches and expiry warnings."""
    return _keishin_page(_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/keishin/add", methods=["POST"])
@edit_roles
def contractor_keishin_add(contractor_id: int):
    contractor = _contractor(contractor_id)
    form = KeishinForm()
    form.work_type_code.choices = _code_choices("construction")
    if form.validate_on_submit():
        try:
            score = q.add_keishin(db.session, current_user, contractor, work_type_code=form.work_type_code.data,
                                  base_date=form.base_date.data, x1=form.x1.data, x2=form.x2.data, y=form.y.data,
                                  z=form.z.data, w=form.w.data, p_entered=form.p_entered.data)
        except ValidationFailed as exc:
            db.session.rollback()
            return _keishin_page(contractor, form, apply_errors(form, exc), 422)
        db.session.commit()
        if score.p_mismatch:
            flash(f"経審を登録しました。通知書の P（{score.p_entered:,}）と計算値（{score.p_computed:,}）が一致しません。"
                  "通知書を確認してください。", "warning")
        else:
            flash(f"経審を登録しました（P = {score.p_computed:,}）。", "success")
        return redirect(url_for("registry.contractor_keishin", contractor_id=contractor.id))
    return _keishin_page(contractor, form, status=422)


@bp.route("/contractors/<int:contractor_id>/keishin/<int:score_id>/correct", methods=["GET", "POST"])
@edit_roles
def contractor_keishin_correct(contractor_id: int, score_id: int):
    """Correct a mis-entered 経審 with a reason (the history keeps the figures before)."""
    contractor = _contractor(contractor_id)
    score = db.session.get(KeishinScore, score_id)
    if score is None or score.contractor_id != contractor.id:
        abort(404)
    form = KeishinCorrectionForm(obj=score) if request.method == "GET" else KeishinCorrectionForm()
    form.work_type_code.choices = _code_choices("construction")
    form.work_type_code.data = score.work_type_code  # the 業種 is not corrected here
    general: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        try:
            q.correct_keishin(db.session, current_user, score, base_date=form.base_date.data, x1=form.x1.data,
                              x2=form.x2.data, y=form.y.data, z=form.z.data, w=form.w.data,
                              p_entered=form.p_entered.data, reason=form.reason.data)
        except ValidationFailed as exc:
            db.session.rollback()
            general = apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"経審を訂正しました（P = {score.p_computed:,}）。変更前の値は履歴に残っています。", "success")
            return redirect(url_for("registry.contractor_keishin", contractor_id=contractor.id))
    return _render_tab("registry/qual_keishin_correct.html", contractor, "registry.contractor_keishin",
                       422 if request.method == "POST" else 200, form=form, score=score, ranges=RANGES,
                       general_errors=general)


# --- 格付 -------------------------------------------------------------------------------------------------

def _ranks_page(contractor: Contractor, reg_form: RegistrationForm | None = None, general=(), status: int = 200,
                wt_errors: dict | None = None):
    reg_form = reg_form or RegistrationForm(formdata=None)
    reg_form.category.choices = choices(CATEGORIES.items())
    reg_form.start_year.choices = choices(q.period_choices(db.session))
    if reg_form.start_year.data is None:
        reg_form.start_year.data = reg_form.start_year.choices[1].value
    periods = {r.id: q.period_label(db.session, r.period_start, r.period_end) for r in contractor.registrations}
    wt_forms, period_forms = {}, {}
    for r in contractor.registrations:
        f = WorkTypeForm(formdata=None, prefix=f"r{r.id}")
        f.work_type_code.choices = _code_choices(r.category)
        wt_forms[r.id] = f
        pf = PeriodForm(formdata=None, prefix=f"p{r.id}", start_year=r.period_start.year)
        pf.start_year.choices = choices(q.period_choices(db.session, r.period_start))
        period_forms[r.id] = pf
    return _render_tab("registry/qual_ranks.html", contractor, "registry.contractor_ranks", status,
                       registrations=list(reversed(contractor.registrations)), periods=periods, reg_form=reg_form,
                       wt_forms=wt_forms, wt_errors=wt_errors or {}, general_errors=list(general),
                       period_forms=period_forms,
                       today=today())


@bp.route("/contractors/<int:contractor_id>/ranks")
@view_roles
def contractor_ranks(contractor_id: int):
    """The 格付 tab: registrations per period with their 業種, 客観点, 主観点 and ranks."""
    return _ranks_page(_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/registrations/add", methods=["POST"])
@edit_roles
def contractor_registration_add(contractor_id: int):
    contractor = _contractor(contractor_id)
    form = RegistrationForm()
    form.category.choices = choices(CATEGORIES.items())
    form.start_year.choices = choices(q.period_choices(db.session))
    if form.validate_on_submit():
        try:
            q.create_registration(db.session, current_user, contractor, category=form.category.data,
                                  start_year=form.start_year.data)
        except ValidationFailed as exc:
            db.session.rollback()
            return _ranks_page(contractor, form, apply_errors(form, exc), 422)
        return _done("資格を登録しました。続けて業種を追加してください。", "registry.contractor_ranks", contractor)
    return _ranks_page(contractor, form, status=422)


def _registration(contractor: Contractor, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.contractor_id != contractor.id:
        abort(404)
    return registration


@bp.route("/contractors/<int:contractor_id>/registrations/<int:registration_id>/period", methods=["POST"])
@edit_roles
def contractor_registration_period(contractor_id: int, registration_id: int):
    """Move a registration to another qualification period (e.g. a period entered wrongly)."""
    contractor = _contractor(contractor_id)
    registration = _registration(contractor, registration_id)
    form = PeriodForm(prefix=f"p{registration.id}")
    form.start_year.choices = choices(q.period_choices(db.session, registration.period_start))
    if not form.validate_on_submit():
        flash("有効期間を選んでください。", "error")
        return redirect(url_for("registry.contractor_ranks", contractor_id=contractor.id))
    try:
        q.update_registration(db.session, current_user, registration, start_year=form.start_year.data)
    except ValidationFailed as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("registry.contractor_ranks", contractor_id=contractor.id))
    return _done("資格の有効期間を変更しました（変更前は履歴に残っています）。", "registry.contractor_ranks", contractor)


def _work_type(contractor: Contractor, row_id: int) -> RegisteredWorkType:
    row = db.session.get(RegisteredWorkType, row_id)
    if row is None or row.registration.contractor_id != contractor.id:
        abort(404)
    return row


@bp.route("/contractors/<int:contractor_id>/registrations/<int:registration_id>/work-types", methods=["POST"])
@edit_roles
def contractor_work_type_add(contractor_id: int, registration_id: int):
    contractor = _contractor(contractor_id)
    registration = _registration(contractor, registration_id)
    form = WorkTypeForm(prefix=f"r{registration.id}")
    form.work_type_code.choices = _code_choices(registration.category)
    if form.validate_on_submit():
        try:
            q.add_work_type(db.session, current_user, registration, work_type_code=form.work_type_code.data,
                            rank=form.rank.data or None)
        except ValidationFailed as exc:
            db.session.rollback()
            messages = [m for msgs in exc.errors.values() for m in msgs]
            return _ranks_page(contractor, general=messages, status=422, wt_errors={registration.id: messages})
        return _done("業種を追加しました。", "registry.contractor_ranks", contractor)
    return _ranks_page(contractor, general=["入力内容を確認してください。"], status=422)


@bp.route("/contractors/<int:contractor_id>/work-types/<int:row_id>/subjective", methods=["POST"])
@edit_roles
def contractor_subjective_save(contractor_id: int, row_id: int):
    contractor = _contractor(contractor_id)
    row = _work_type(contractor, row_id)
    form = SubjectiveForm()
    if form.validate_on_submit():
        try:
            q.set_subjective_points(db.session, current_user, row, form.subjective_points.data)
        except ValidationFailed as exc:
            db.session.rollback()
            return _ranks_page(contractor, general=[m for ms in exc.errors.values() for m in ms], status=422)
        return _done(f"{row.work_type_code} の主観点を保存しました。", "registry.contractor_ranks", contractor)
    return _ranks_page(contractor, general=[f"主観点: {m}" for m in form.subjective_points.errors] or
                       ["入力内容を確認してください。"], status=422)


@bp.route("/contractors/<int:contractor_id>/work-types/<int:row_id>/remove")
@edit_roles
def contractor_work_type_remove_confirm(contractor_id: int, row_id: int):
    """Ask for the reason before a 業種 is removed from a registration."""
    contractor = _contractor(contractor_id)
    row = _work_type(contractor, row_id)
    return _render_tab("registry/qual_work_type_remove.html", contractor, "registry.contractor_ranks", row=row,
                       form=ReasonForm(formdata=None),
                       period=q.period_label(db.session, row.registration.period_start, row.registration.period_end))


@bp.route("/contractors/<int:contractor_id>/work-types/<int:row_id>/remove", methods=["POST"])
@edit_roles
def contractor_work_type_remove(contractor_id: int, row_id: int):
    contractor = _contractor(contractor_id)
    row = _work_type(contractor, row_id)
    form = ReasonForm()
    if form.validate_on_submit():
        code = row.work_type_code
        q.remove_work_type(db.session, current_user, row, reason=form.reason.data)
        return _done(f"業種 {code} を登録から外しました。", "registry.contractor_ranks", contractor)
    return _render_tab("registry/qual_work_type_remove.html", contractor, "registry.contractor_ranks", 422, row=row,
                       form=form,
                       period=q.period_label(db.session, row.registration.period_start, row.registration.period_end))


# --- 技術者 -----------------------------------------------------------------------------------------------

def _technicians_page(contractor: Contractor, form: TechnicianForm | None = None, general=(), status: int = 200):
    return _render_tab("registry/qual_technicians.html", contractor, "registry.contractor_technicians", status,
                       form=form or TechnicianForm(formdata=None), general_errors=list(general),
                       technicians=sorted(contractor.technicians, key=lambda t: (not t.is_active, t.name)))


def _technician(contractor: Contractor, technician_id: int) -> Technician:
    technician = db.session.get(Technician, technician_id)
    if technician is None or technician.contractor_id != contractor.id:
        abort(404)
    return technician


def _technician_values(form: TechnicianForm) -> dict:
    return {"name": form.name.data, "name_kana": form.name_kana.data, "qualifications": form.qualifications.data,
            "employed_since": form.employed_since.data}


@bp.route("/contractors/<int:contractor_id>/technicians")
@view_roles
def contractor_technicians(contractor_id: int):
    """The 技術者 tab: 配置予定技術者 with their qualifications, and the form to add one."""
    return _technicians_page(_contractor(contractor_id))


@bp.route("/contractors/<int:contractor_id>/technicians/add", methods=["POST"])
@edit_roles
def contractor_technician_add(contractor_id: int):
    contractor = _contractor(contractor_id)
    form = TechnicianForm()
    if form.validate_on_submit():
        try:
            technician = q.add_technician(db.session, current_user, contractor, **_technician_values(form))
        except ValidationFailed as exc:
            db.session.rollback()
            return _technicians_page(contractor, form, apply_errors(form, exc), 422)
        return _done(f"技術者 {technician.name} を登録しました。", "registry.contractor_technicians", contractor)
    return _technicians_page(contractor, form, status=422)


def _technician_form_page(contractor, technician, form, general=(), status=200):
    return _render_tab("registry/qual_technician_form.html", contractor, "registry.contractor_technicians", status,
                       technician=technician, form=form, general_errors=list(general))


@bp.route("/contractors/<int:contractor_id>/technicians/<int:technician_id>/edit")
@edit_roles
def contractor_technician_edit(contractor_id: int, technician_id: int):
    contractor = _contractor(contractor_id)
    technician = _technician(contractor, technician_id)
    form = TechnicianForm(formdata=None, obj=technician)
    form.qualifications.data = (technician.qualifications or "").replace("・", "\n")
    return _technician_form_page(contractor, technician, form)


@bp.route("/contractors/<int:contractor_id>/technicians/<int:technician_id>/edit", methods=["POST"])
@edit_roles
def contractor_technician_update(contractor_id: int, technician_id: int):
    contractor = _contractor(contractor_id)
    technician = _technician(contractor, technician_id)
    form = TechnicianForm()
    if form.validate_on_submit():
        try:
            q.update_technician(db.session, current_user, technician, **_technician_values(form))
        except ValidationFailed as exc:
            db.session.rollback()
            return _technician_form_page(contractor, technician, form, apply_errors(form, exc), 422)
        return _done(f"技術者 {technician.name} を変更しました。", "registry.contractor_technicians", contractor)
    return _technician_form_page(contractor, technician, form, status=422)


@bp.route("/contractors/<int:contractor_id>/technicians/<int:technician_id>/active", methods=["POST"])
@edit_roles
def contractor_technician_active(contractor_id: int, technician_id: int):
    """Deactivate (``active=0``) or reactivate (``active=1``) a technician."""
    contractor = _contractor(contractor_id)
    technician = _technician(contractor, technician_id)
    if not JapaneseForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    q.set_technician_active(db.session, current_user, technician, active)
    return _done(f"技術者 {technician.name} を{'有効に戻しました' if active else '無効にしました'}。",
                 "registry.contractor_technicians", contractor)


# --- 格付の見直し ------------------------------------------------------------------------------------------

def _review_params(source) -> tuple[str, int, list]:
    category = source.get("category") or "construction"
    if category not in CATEGORIES:
        category = "construction"
    options = q.period_choices(db.session)
    try:
        start_year = int(source.get("start_year") or options[1][0])
    except ValueError:
        start_year = options[1][0]
    if start_year not in [y for y, _ in options]:
        options.append((start_year, q.period_label(db.session, *q.qualification_period(db.session, start_year))))
    return category, start_year, options


def _review_page(category: str, start_year: int, options: list, general=(), status: int = 200):
    period_start, _ = q.qualification_period(db.session, start_year)
    proposals = q.propose_ranks(db.session, category, period_start)
    return render_template("registry/qual_rank_review.html", category=category, start_year=start_year,
                           options=options, categories=CATEGORIES, proposals=proposals, titles=_titles(),
                           general_errors=list(general), changed=sum(p.changed for p in proposals)), status


@bp.route("/ranks/review")
@edit_roles
def rank_review():
    """格付の見直し: current and proposed ranks of a category and period; staff confirm the selected rows."""
    category, start_year, options = _review_params(request.args)
    return _review_page(category, start_year, options)


@bp.route("/ranks/review", methods=["POST"])
@edit_roles
def rank_review_confirm():
    category, start_year, options = _review_params(request.form)
    if not JapaneseForm().validate_on_submit():
        abort(400)
    selected = {}
    for value in request.form.getlist("confirm"):
        row_id, _, rank = value.partition(":")
        if row_id.isdigit():
            selected[int(row_id)] = rank
    if not selected:
        return _review_page(category, start_year, options, ["確定する行を選んでください。"], 422)
    period_start, _ = q.qualification_period(db.session, start_year)
    proposals = {p.work_type.id: p for p in q.propose_ranks(db.session, category, period_start)}
    stale = [i for i, rank in selected.items() if i not in proposals or proposals[i].proposed != rank]
    if stale:
        return _review_page(category, start_year, options,
                            ["表示した後に点数や基準が変わった行があります。案を表示し直してから確定してください。"], 409)
    count = q.confirm_ranks(db.session, current_user, [proposals[i] for i in selected])
    db.session.commit()
    flash(f"{count} 件の格付を確定しました。", "success")
    return redirect(url_for("registry.rank_review", category=category, start_year=start_year))


# --- 共同企業体 -------------------------------------------------------------------------------------------

def _jv_rows(source) -> list[dict]:
    rows = []
    for i in range(JV_ROWS):
        rows.append({"index": i, "number": (source.get(f"member_{i}") or "").strip(),
                     "share": (source.get(f"share_{i}") or "").strip(),
                     "representative": source.get("representative") == str(i)})
    return rows


def _jv_page(form: JVForm, rows: list[dict], general=(), status: int = 200):
    return render_template("registry/qual_jv_form.html", form=form, rows=rows, general_errors=list(general)), status


@bp.route("/jvs/new")
@edit_roles
def jv_new():
    """Register a 共同企業体 from its member firms and their shares."""
    return _jv_page(JVForm(formdata=None), _jv_rows({}))


@bp.route("/jvs/new", methods=["POST"])
@edit_roles
def jv_create():
    form = JVForm()
    rows = _jv_rows(request.form)
    if not form.validate_on_submit():
        return _jv_page(form, rows, status=422)
    members, errors = [], []
    for row in rows:
        if not row["number"] and not row["share"]:
            continue
        firm = db.session.scalar(select(Contractor).where(Contractor.number == row["number"]))
        if firm is None:
            errors.append(f"{row['index'] + 1} 行目: 業者番号「{row['number']}」の業者は登録されていません。")
            continue
        members.append(q.MemberShare(firm.id, row["share"] or "0", row["representative"]))
    if errors:
        return _jv_page(form, rows, errors, 422)
    try:
        jv = q.create_jv(db.session, current_user, name=form.name.data, number=form.number.data, members=members,
                         note=form.note.data)
    except ValidationFailed as exc:
        db.session.rollback()
        return _jv_page(form, rows, apply_errors(form, exc), 422)
    db.session.commit()
    flash(f"共同企業体 {jv.name}（{jv.number}）を登録しました。", "success")
    if "registry.contractor_detail" in current_app.view_functions:
        return redirect(url_for("registry.contractor_detail", contractor_id=jv.id))
    return redirect(url_for("registry.jv_new"))
