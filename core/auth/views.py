"""Login, logout and the user's own password."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from core.db import db, utcnow
from core.errors import ValidationFailed
from core.permissions import any_user, public
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
        try:
            user, token = services.authenticate(
                db.session, form.login_id.data, form.password.data, ip=request.remote_addr,
                user_agent=request.user_agent.string, settings=auth_settings(), now=utcnow())
        except services.RateLimited as exc:
            login_error, status = str(exc), 429
        except services.LoginFailed as exc:
            login_error = str(exc)
        else:
            db.session.commit()
            session.clear()
            session["sid"] = token
            login_user(user)
            if user.must_change_password:
                flash("仮パスワードでログインしました。新しいパスワードを設定してください。", "warning")
                return redirect(url_for("auth.change_password"))
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("main.home"))
        db.session.commit()  # failed attempts are recorded (history, lockout, operation log)
    return render_template("auth/login.html", form=form, login_error=login_error), status


@bp.route("/logout", methods=["POST"])
@any_user
def logout():
    """End the login session."""
    services.logout(db.session, g.login_session, now=utcnow())
    db.session.commit()
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
    if form.validate_on_submit():
        try:
            services.change_password(db.session, current_user, form.current_password.data, form.new_password.data,
                                     settings=settings, now=utcnow(), current_session=g.login_session)
        except ValidationFailed as exc:
            db.session.rollback()
            for field, messages in exc.errors.items():
                getattr(form, field).errors = [*getattr(form, field).errors, *messages]
        else:
            db.session.commit()
            flash("パスワードを変更しました。", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form, policy=settings.policy.describe())
