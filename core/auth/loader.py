"""Flask-Login glue: the cookie holds a random token; the login session row decides who is logged in."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, session, url_for

from core.db import begin_write, db, utcnow
from core.rules.catalogue import mark_applied
from core.web import is_safe_next

from .services import AuthSettings, load_login_session

EXPIRY_MESSAGES = {
    "idle_timeout": "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。",
    "absolute_timeout": "ログインの有効時間が過ぎたため、ログアウトしました。もう一度ログインしてください。",
    "forced": "システム管理者によりログアウトされました。",
    "password_changed": "パスワードが変更されたため、ログアウトしました。",
    "password_reset": "パスワードが再発行されたため、ログアウトしました。",
    "deactivated": "アカウントが無効になりました。",
    "inactive": "アカウントが無効になりました。",
}


def auth_settings() -> AuthSettings:
    """Settings for login and password screens; the password policy is the stricter of the environment
    setting and the versioned ``password_policy`` rule in force today."""
    from dataclasses import replace

    from core.rules.queries import effective_password_policy

    return replace(AuthSettings.from_config(current_app.config),
                   policy=effective_password_policy(db.session, current_app.config))


mark_applied("password_policy")


def load_user(user_id: str):
    # timeouts only: no rule lookup on every request
    settings = AuthSettings.from_config(current_app.config)
    login_session, reason = load_login_session(db.session, session.get("sid"), settings=settings, now=utcnow())
    retried = False
    if (db.session.new or db.session.dirty) and not begin_write(db.session):
        # A last-seen touch (once a minute) or an expiry is due, read in a GET request's deferred transaction,
        # which SQLite may refuse to upgrade: redo it in its own transaction that holds the write lock.
        db.session.rollback()
        begin_write(db.session)
        retried = True
        login_session, reason = load_login_session(db.session, session.get("sid"), settings=settings, now=utcnow())
    if retried or db.session.new or db.session.dirty:
        # Keeps last_seen / expiry (nothing else is pending at this point), and ends a transaction that took
        # SQLite's write lock even when another worker had touched the session first: a page must not render
        # holding it.
        db.session.commit()
    # else the read transaction goes on into the view: what it cached (rules, code lists) stays valid for it
    if login_session is None or str(login_session.user_id) != user_id:
        g.login_end_reason = reason
        return None
    g.login_session = login_session
    return login_session.user


def unauthorized():
    reason = g.get("login_end_reason")
    session.pop("sid", None)
    message = EXPIRY_MESSAGES.get(reason or "", "このページを表示するにはログインしてください。")
    flash(message, "warning" if reason in EXPIRY_MESSAGES else "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target if is_safe_next(target) else None))
