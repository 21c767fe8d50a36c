"""Request plumbing shared by every page: guards, security headers, error pages, template helpers."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.assets import init_assets
from core.audit.services import AuditContext, reset_context, set_context
from core.compression import init_compression
from core.db import db
from core.menu import menu_for
from core.permissions import PUBLIC, declared_access
from core.timefmt import display_datetime

log = logging.getLogger("keiyaku")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'self'",
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "base-uri 'self'",
    "form-action 'self'",
])

ERROR_MESSAGES = {
    400: ("不正なリクエストです", "入力内容を確認して、もう一度操作してください。"),
    403: ("アクセスが許可されていません", "このページを表示する権限がありません。必要な場合はシステム管理者に連絡してください。"),
    404: ("ページが見つかりません", "指定されたページまたはデータは存在しません。URL を確認してください。"),
    405: ("この操作はできません", "このページでは指定された方法の操作を受け付けていません。"),
    413: ("ファイルが大きすぎます", "アップロードできるファイルの大きさの上限を超えています。"),
    429: ("アクセスが集中しています", "短時間に多くの操作が行われました。しばらく時間をおいてから再度お試しください。"),
    500: ("システムエラーが発生しました", "処理中に問題が発生しました。操作は完了していません。"
          "時間をおいて再度お試しいただき、解決しない場合はシステム管理者に連絡してください。"),
    503: ("現在ご利用いただけません", "システムの準備ができていません。システム管理者に連絡してください。"),
}

#: Endpoints a user who must change the one-time password may still reach.
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static", "main.healthz"}


def is_safe_next(target: str | None) -> bool:
    """Only local absolute paths are followed after login (no scheme, no host, no ``//`` or ``\\``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target and "\n" not in target


def address_allowed(address: str | None, networks) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in networks)


def restrict_to_admin_networks(blueprint) -> None:
    """Refuse the blueprint's pages from outside ``KEIYAKU_ADMIN_NETWORKS`` (SPEC NF5)."""

    @blueprint.before_request
    def _check_network():
        if not address_allowed(request.remote_addr, current_app.config["ADMIN_NETWORKS"]):
            g.error_detail = "管理機能は許可されたネットワークからのみ利用できます。"
            abort(403)


def render_error(code: int, detail: str | None = None):
    title, message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])
    return render_template("errors.html", code=code, title=title, message=detail or g.get("error_detail") or message), code


def init_web(app: Flask) -> None:
    init_compression(app)  # registered first, so it runs after every other after_request hook
    init_assets(app)

    @app.before_request
    def _enter():
        g.audit_token = set_context(AuditContext(ip=request.remote_addr, endpoint=request.endpoint))
        if app.config["CHECK_MIGRATIONS"] and not app.extensions.get("keiyaku_schema_ok"):
            from core.migrate import migration_state

            state = migration_state(db.engine)
            if state != "ok":
                log.error("database schema is %s; run `flask --app wsgi db upgrade`", state)
                return render_error(503, "データベースが最新の状態に移行されていません（マイグレーション未実行）。"
                                         "管理者は `flask --app wsgi db upgrade` を実行してください。")
            app.extensions["keiyaku_schema_ok"] = True
        if request.endpoint is None:
            return None  # 404/405 follow
        view = app.view_functions.get(request.endpoint)
        access = declared_access(view)
        if access is None:
            log.error("endpoint %s declares no access rule; refused", request.endpoint)
            abort(403)
        if access != PUBLIC and current_user.is_authenticated and current_user.must_change_password \
                and request.endpoint not in PASSWORD_CHANGE_ALLOWED:
            flash("初回ログインまたはパスワード再発行後は、パスワードの変更が必要です。", "warning")
            return redirect(url_for("auth.change_password"))
        return None

    @app.teardown_request
    def _leave(_exc):
        token = g.pop("audit_token", None)
        if token is not None:
            reset_context(token)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc):
        return render_error(400, "送信されたフォームの有効期限が切れているか、正しくない送信です。"
                                 "ページを再読み込みしてから、もう一度操作してください。")

    from core.errors import NotFound, PermissionDenied

    @app.errorhandler(NotFound)
    def _not_found(_exc):
        db.session.rollback()
        return render_error(404)

    @app.errorhandler(PermissionDenied)
    def _forbidden(_exc):
        db.session.rollback()
        return render_error(403)

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        if exc.code in ERROR_MESSAGES:
            return render_error(exc.code)
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return render_error(500)

    from core.jp import format_date, format_yen

    app.jinja_env.filters["jst"] = display_datetime
    app.jinja_env.filters["jst_seconds"] = lambda v: display_datetime(v, seconds=True)
    def _jdate(value):
        # JSON documents (applications) keep dates as ISO text.
        if isinstance(value, str) and value:
            from datetime import date

            value = date.fromisoformat(value)
        return format_date(value)

    app.jinja_env.filters["jdate"] = _jdate
    app.jinja_env.filters["yen"] = format_yen
    from core.display import init_display
    from core.formtools import render_select

    init_display(app)

    app.jinja_env.globals["select_field"] = render_select

    @app.context_processor
    def _globals():
        return {
            "org_name": app.config["ORG_NAME"],
            "menu": menu_for(current_user) if current_user.is_authenticated else [],
        }
