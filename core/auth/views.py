"""Login, logout and the user's own password."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from core.db import db, utcnow
from core.permissions import any_user, public
from core.transaction import transaction
from core.web import is_safe_next

from . import services
from .forms import ChangePasswordForm, LoginForm
from .loader import auth_settings

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log in with login id and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    login_error, status = None, 200
    if form.validate_on_submit():
        refused = None
        with transaction() as tx:
            try:
                user, token = services.authenticate(
                    db.session, form.login_id.data, form.password.data, ip=request.remote_addr,
                    user_agent=request.user_agent.string, settings=auth_settings(), now=utcnow())
            except services.LoginFailed as exc:
                # authenticate has recorded the refused attempt (login history, lockout, operation log):
                # caught inside the block so that the block commits the record instead of rolling it back.
                refused = exc
        if tx.ok and refused is None:
            session.clear()
            session["sid"] = token
            login_user(user)
            if user.must_change_password:
                flash("仮パスワードでログインしました。新しいパスワードを設定してください。", "warning")
                return redirect(url_for("auth.change_password"))
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("main.home"))
        login_error = str(refused) if refused else " ".join(tx.general)
        status = 429 if isinstance(refused, services.RateLimited) else 200
    return render_template("auth/login.html", form=form, login_error=login_error), status


@bp.route("/logout", methods=["POST"])
@any_user
def logout():
    """End the login session."""
    with transaction():
        services.logout(db.session, g.login_session, now=utcnow())
    logout_user()
    session.clear()
    flash("ログアウトしました。", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@any_user
def change_password():
    """Change one's own password (forced after a one-time password)."""
    form = ChangePasswordForm()
    settings = auth_settings()
    general: list[str] = []
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.change_password(db.session, current_user, form.current_password.data, form.new_password.data,
                                     settings=settings, now=utcnow(), current_session=g.login_session)
        if tx.ok:
            flash("パスワードを変更しました。", "success")
            return redirect(url_for("main.home"))
        general = tx.general
    return render_template("auth/change_password.html", form=form, policy=settings.policy.describe(),
                           general_errors=general)
