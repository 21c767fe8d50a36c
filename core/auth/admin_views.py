"""Administration screens: users, departments, login history and open sessions (system admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.csvexport import csv_response
from core.db import db, utcnow
from core.formtools import choices
from core.history_views import render_history
from core.pagination import apply_sort, paginate, parse_page
from core.permissions import roles_required
from core.timefmt import format_jst
from core.transaction import transaction

from . import admin_services, queries
from .forms import ConfirmForm, DepartmentForm, LoginHistoryFilterForm, ReasonForm, UserFilterForm, UserForm
from .loader import auth_settings
from .models import LOGIN_RESULT_LABELS, Department, LoginSession, User
from .roles import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.SYSTEM_ADMIN)


def _department_choices(form) -> None:
    form.set_department_choices(db.session.scalars(queries.departments(active_only=True)))


@bp.route("/users")
@admin_only
def user_list():
    """List users with filters, sort, pagination and CSV export."""
    filters = UserFilterForm(request.args)
    filters.department_id.choices = choices([(0, "すべて")] + [
        (d.id, f"{d.code} {d.name}") for d in db.session.scalars(queries.departments())])
    filters.validate()
    stmt = queries.search_users(filters.q.data, filters.department_id.data, filters.role.data,
                                filters.status.data or "active", now=utcnow())
    stmt, sort = apply_sort(stmt, request.args.get("sort"), queries.USER_SORTS, "login_id")
    if request.args.get("format") == "csv":
        def rows():  # a generator function, so the query runs while the response streams
            for u in db.session.scalars(stmt).unique():
                yield [u.login_id, u.name, u.department.code if u.department else "",
                       u.department.name if u.department else "", "・".join(u.role_labels), u.email or "",
                       "有効" if u.is_active else "無効", format_jst(u.last_login_at)]
        with transaction():
            record_export(db.session, current_user, "利用者一覧", request.args.to_dict())
        return csv_response("利用者一覧", ["ログインID", "氏名", "部署コード", "部署名", "役割", "メールアドレス",
                                       "状態", "最終ログイン"], rows())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("admin/user_list.html", page=page, filters=filters, sort=sort, now=utcnow())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    """Register a user; shows the one-time password once."""
    form = UserForm()
    _department_choices(form)
    general: list[str] = []
    if form.validate_on_submit():
        settings = auth_settings()
        with transaction(form) as tx:
            user, password = admin_services.create_user(
                db.session, current_user, login_id=form.login_id.data, name=form.name.data,
                department_id=form.department_id.data or None, roles=form.role_values, email=form.email.data,
                policy=settings.policy, hash_method=settings.hash_method)
        if tx.ok:
            return render_template("admin/password_issued.html", user=user, password=password, created=True)
        general = tx.general
    return render_template("admin/user_form.html", form=form, user=None, general_errors=general)


def _get_user(user_id: int) -> User:
    return db.get(User, user_id)


@bp.route("/users/<int:user_id>")
@admin_only
def user_detail(user_id: int):
    """One user: account, roles, open sessions, recent logins and actions."""
    from core.audit.queries import search_entries

    user = _get_user(user_id)
    now = utcnow()
    settings = auth_settings()
    sessions = db.session.scalars(queries.open_sessions(now - settings.idle_timeout,
                                                        now - settings.absolute_timeout, user.id)).all()
    logins = db.session.scalars(queries.login_history(login_id=user.login_id).limit(10)).all()
    entries = db.session.scalars(search_entries(target_type="users", target_id=str(user.id)).limit(20)).all()
    return render_template("admin/user_detail.html", user=user, sessions=sessions, logins=logins, entries=entries,
                           now=now, reason_form=ReasonForm(), confirm_form=ConfirmForm(),
                           result_labels=LOGIN_RESULT_LABELS, tabs=_user_tabs(user, "detail"))


def _user_tabs(user: User, current: str) -> list:
    return [("基本情報", url_for("admin.user_detail", user_id=user.id), current == "detail"),
            ("履歴", url_for("admin.user_history", user_id=user.id), current == "history")]


@bp.route("/users/<int:user_id>/history")
@admin_only
def user_history(user_id: int):
    """The 履歴 tab: every change of the account, and its state on a chosen date."""
    user = _get_user(user_id)
    return render_history(db.session, table="users", record_id=user.id, current=admin_services.user_snapshot(user),
                          title=f"{user.name}（{user.login_id}）", tabs=_user_tabs(user, "history"),
                          breadcrumb=[("利用者", url_for("admin.user_list")),
                                      (user.name, url_for("admin.user_detail", user_id=user.id)), ("履歴", None)])


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    """Change a user's name, department, roles or e-mail."""
    user = _get_user(user_id)
    if Role.APPLICANT in user.roles:
        flash("申請者のアカウントは申請者ポータルの登録で管理します。ここでは無効化・再有効化・ロック解除だけができます。",
              "warning")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    form = UserForm(obj=user) if request.method == "POST" else UserForm(
        obj=user, department_id=user.department_id or 0, roles=[r.value for r in user.roles])
    _department_choices(form)
    if user.department and not user.department.is_active:
        form.department_id.choices += choices([(user.department.id, f"{user.department.code} {user.department.name}（無効）")])
    form.login_id.data = user.login_id  # the login id is fixed once issued
    general: list[str] = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            admin_services.update_user(db.session, current_user, user, name=form.name.data,
                                       department_id=form.department_id.data or None, roles=form.role_values,
                                       email=form.email.data)
        if tx.ok:
            flash(f"利用者「{user.name}」を更新しました。", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
        general = tx.general
    return render_template("admin/user_form.html", form=form, user=user, general_errors=general)


def _user_action(user_id: int, action, success: str, form_class=ConfirmForm):
    user = _get_user(user_id)
    form = form_class()
    if not form.validate_on_submit():
        messages = [m for msgs in form.errors.values() for m in msgs]
        flash(" ".join(messages) or "入力内容を確認してください。", "error")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    with transaction(flash_errors=True) as tx:
        action(user, form)
    if tx.ok:
        flash(success.format(name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_only
def user_deactivate(user_id: int):
    """Deactivate an account (with a reason)."""
    return _user_action(user_id, lambda u, f: admin_services.deactivate_user(
        db.session, current_user, u, reason=f.reason.data, now=utcnow()), "「{name}」を無効にしました。", ReasonForm)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_only
def user_reactivate(user_id: int):
    """Make a deactivated account usable again."""
    return _user_action(user_id, lambda u, f: admin_services.reactivate_user(db.session, current_user, u),
                        "「{name}」を有効に戻しました。")


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_only
def user_unlock(user_id: int):
    """Lift a lockout."""
    return _user_action(user_id, lambda u, f: admin_services.unlock_user(db.session, current_user, u),
                        "「{name}」のロックを解除しました。")


@bp.route("/users/<int:user_id>/force-logout", methods=["POST"])
@admin_only
def user_force_logout(user_id: int):
    """End every open session of the user."""
    return _user_action(user_id, lambda u, f: admin_services.force_logout(db.session, current_user, u, now=utcnow()),
                        "「{name}」を強制ログアウトしました。")


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_only
def user_reset_password(user_id: int):
    """Issue a new one-time password (shown once)."""
    user = _get_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    settings = auth_settings()
    with transaction(flash_errors=True) as tx:
        password = admin_services.reset_password(db.session, current_user, user, policy=settings.policy,
                                                 now=utcnow(), hash_method=settings.hash_method)
    if not tx.ok:
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/password_issued.html", user=user, password=password, created=False)


# --- departments -----------------------------------------------------------------------------------

@bp.route("/departments")
@admin_only
def department_list():
    """Departments with their active member counts."""
    show = request.args.get("status", "active")
    stmt = queries.departments(active_only=show == "active")
    counts = dict(db.session.execute(queries.department_member_counts()).all())
    if request.args.get("format") == "csv":
        def rows():
            for d in db.session.scalars(stmt):
                yield [d.code, d.name, counts.get(d.id, 0), "有効" if d.is_active else "無効"]
        with transaction():
            record_export(db.session, current_user, "部署一覧", request.args.to_dict())
        return csv_response("部署一覧", ["部署コード", "部署名", "有効な利用者数", "状態"], rows())
    departments = db.session.scalars(stmt).all()
    return render_template("admin/department_list.html", departments=departments, counts=counts, status=show)


@bp.route("/departments/new", methods=["GET", "POST"])
@admin_only
def department_new():
    """Register a department."""
    return _department_form(None)


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@admin_only
def department_edit(department_id: int):
    """Change a department's code or name."""
    return _department_form(db.get(Department, department_id))


def _department_form(department: Department | None):
    form = DepartmentForm(obj=department)
    general: list[str] = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            if department is None:
                department = admin_services.create_department(db.session, current_user, code=form.code.data,
                                                              name=form.name.data)
            else:
                admin_services.update_department(db.session, current_user, department, code=form.code.data,
                                                 name=form.name.data)
        if tx.ok:
            flash(f"部署「{department.name}」を保存しました。", "success")
            return redirect(url_for("admin.department_list"))
        general = tx.general
    return render_template("admin/department_form.html", form=form, department=department, general_errors=general)


@bp.route("/departments/<int:department_id>/history")
@admin_only
def department_history(department_id: int):
    """The 履歴 tab of a department."""
    department = db.get(Department, department_id)
    return render_history(db.session, table="departments", record_id=department.id,
                          current=admin_services.department_snapshot(department),
                          title=f"{department.code} {department.name}", tabs=[],
                          breadcrumb=[("部署", url_for("admin.department_list")), (department.name, None), ("履歴", None)])


@bp.route("/departments/<int:department_id>/deactivate", methods=["GET", "POST"])
@admin_only
def department_deactivate(department_id: int):
    """Deactivate a department, with a reason."""
    department = db.get(Department, department_id)
    form = ReasonForm()
    general: list[str] = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            admin_services.deactivate_department(db.session, current_user, department, reason=form.reason.data)
        if tx.ok:
            flash(f"部署「{department.name}」を無効にしました。", "success")
            return redirect(url_for("admin.department_list"))
        general = tx.general
    return render_template("admin/department_deactivate.html", form=form, department=department,
                           general_errors=general)


@bp.route("/departments/<int:department_id>/reactivate", methods=["POST"])
@admin_only
def department_reactivate(department_id: int):
    """Make a department usable again."""
    department = db.get(Department, department_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction(flash_errors=True) as tx:
        admin_services.reactivate_department(db.session, current_user, department)
    if tx.ok:
        flash(f"部署「{department.name}」を有効に戻しました。", "success")
    return redirect(url_for("admin.department_list", status="all"))


# --- login history and sessions ------------------------------------------------------------------

@bp.route("/login-history")
@admin_only
def login_history():
    """Every login attempt, logout and timeout, filterable, with CSV export."""
    filters = LoginHistoryFilterForm(request.args)
    filters.result.choices = choices([("", "すべて")] + list(LOGIN_RESULT_LABELS.items()))
    valid = filters.validate()
    stmt = queries.login_history(
        filters.login_id.data, filters.result.data, filters.ip.data,
        filters.date_from.data if valid else None, filters.date_to.data if valid else None,
        include_logout=filters.include_logout.data if "login_id" in request.args else True)
    if request.args.get("format") == "csv" and valid:
        def rows():
            for h in db.session.scalars(stmt):
                yield [format_jst(h.at, seconds=True), h.login_id, h.user.name if h.user else "",
                       LOGIN_RESULT_LABELS.get(h.result, h.result), h.ip or "", h.user_agent or ""]
        with transaction():
            record_export(db.session, current_user, "ログイン履歴", request.args.to_dict())
        return csv_response("ログイン履歴", ["日時", "ログインID", "氏名", "結果", "接続元アドレス", "ブラウザ"], rows())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("admin/login_history.html", page=page, filters=filters, labels=LOGIN_RESULT_LABELS)


@bp.route("/sessions")
@admin_only
def session_list():
    """Open login sessions, with forced logout."""
    now = utcnow()
    settings = auth_settings()
    sessions = db.session.scalars(queries.open_sessions(now - settings.idle_timeout,
                                                        now - settings.absolute_timeout)).all()
    return render_template("admin/session_list.html", sessions=sessions, confirm_form=ConfirmForm(),
                           current_session_id=g.login_session.id)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@admin_only
def session_end(session_id: int):
    """End one login session."""
    login_session = db.get(LoginSession, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction(flash_errors=True) as tx:
        admin_services.end_login_session(db.session, current_user, login_session, now=utcnow())
    if tx.ok:
        flash(f"「{login_session.user.name}」のセッションを終了しました。", "success")
    return redirect(url_for("admin.session_list"))


