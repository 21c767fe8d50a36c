"""Request plumbing shared by every page: guards, security headers, error pages, template helpers."""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, SecurityError

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
    """Only local absolute paths are followed after login (no scheme, no host, no ``//`` or ``\\``).

    Any control or separator character is refused too: a bare CR would break the Location header (an error
    page), and browsers drop tabs and newlines from a URL, so ``/<TAB>/evil.example`` would leave the site.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if "\\" in target or not target.isprintable():
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def holds_nul() -> bool:
    """Does the request carry a NUL character (path, query string or form)? PostgreSQL refuses text holding
    one in any query, and no screen takes it: such a request is refused before a view runs."""
    if "\x00" in request.path:
        return True
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)
    return any("\x00" in key or "\x00" in value for source in sources for key, value in source.items(multi=True))


def render_error(code: int, detail: str | None = None):
    title, message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])
    return render_template("errors.html", code=code, title=title, message=detail or g.get("error_detail") or message), code


def query_url(**changes) -> str:
    """A link to the current page with its query changed (``None`` drops a parameter): sort headers,
    pagination and export links. Relative (``?…``), so no URL building per link: a list page has a dozen."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return "?" + urlencode(args) if args else request.script_root + request.path


#: Links pages build again and again (menu, header, breadcrumbs, static files, the list's own route): a link is
#: a function of the route, its arguments and the URL root only, so templates look it up once per process.
URL_CACHE_LIMIT = 4096


def cached_url_for(app: Flask):
    """``url_for`` for templates, remembering the relative links it built (outside debug, where static file
    versions may change). External links (``_external``/``_scheme``) and unhashable arguments are built
    each time. Sound while no ``url_defaults`` hook reads the request (the one hook, ``core.assets``, gives
    a file's version)."""
    built: dict[tuple, str] = {}

    def url_for_(endpoint: str, **values) -> str:
        if app.debug or values.get("_external") or values.get("_scheme") or not has_request_context():
            return app.url_for(endpoint, **values)
        try:
            key = (endpoint, request.script_root, request.blueprint if endpoint.startswith(".") else None,
                   *sorted(values.items()))
            url = built.get(key)
        except TypeError:  # e.g. a list of values for one parameter
            return app.url_for(endpoint, **values)
        if url is None:
            url = app.url_for(endpoint, **values)
            if len(built) >= URL_CACHE_LIMIT:
                built.clear()
            built[key] = url
        return url

    return url_for_


#: Distinct fragments a process keeps (``fragment_renderer``): list rows of several pages.
FRAGMENT_CACHE_LIMIT = 4096


def fragment_renderer(app: Flask):
    """``fragment(name, **values)`` for templates: the template ``name`` rendered with ``values`` only (no
    request, no user, no globals that change), remembered per distinct values. A list row is such a fragment:
    the same firm shows the same row until its values change, and then it is another fragment. Values must be
    hashable plain data such as rows read from the database: never ``Markup``, which equals the same text as a
    plain string and would share its entry (one escaped, the other not). Not remembered in debug (templates
    may change under it)."""

    @lru_cache(maxsize=FRAGMENT_CACHE_LIMIT)
    def _rendered(name: str, items: tuple) -> Markup:
        return Markup(app.jinja_env.get_template(name).render(dict(items)))  # noqa: S704 (autoescaped template)

    def fragment(name: str, **values) -> Markup:
        if app.debug:
            return Markup(app.jinja_env.get_template(name).render(values))  # noqa: S704
        return _rendered(name, tuple(sorted(values.items())))

    return fragment


def init_web(app: Flask) -> None:
    init_compression(app)  # registered first, so it runs after every other after_request hook
    init_assets(app)

    def _refuse_untrusted_host():
        # Flask keeps the untrusted-host error (TRUSTED_HOSTS) for the dispatch; raise it before any other hook
        # could build a link from that host.
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception

    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)

    @app.errorhandler(SecurityError)
    def _untrusted_host(_exc):
        # Plain text: without a trusted host there is no URL adapter for the error page's links.
        return Response("このアドレス（ホスト名）では利用できません。 / This host name is not served here.\n", 400,
                        mimetype="text/plain")

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
        if holds_nul():
            return render_error(400, "入力に使えない文字（NUL 文字）が含まれています。入力内容を確認してください。")
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
    # Times a person entered as Japan time (開札日時), stored as they were: no time-zone conversion.
    app.jinja_env.filters["local_time"] = lambda v: f"{format_date(v.date())} {v:%H:%M}" if v else ""
    app.jinja_env.filters["yen"] = format_yen
    from core.display import init_display
    from core.formtools import render_input, render_select

    init_display(app)

    app.jinja_env.globals["select_field"] = render_select
    app.jinja_env.globals["input_field"] = render_input
    app.jinja_env.globals["query_url"] = query_url
    app.jinja_env.globals["url_for"] = cached_url_for(app)
    app.jinja_env.globals["fragment"] = fragment_renderer(app)

    @app.context_processor
    def _globals():
        return {
            "org_name": app.config["ORG_NAME"],
            "menu": menu_for(current_user) if current_user.is_authenticated else [],
        }
