"""The composition root: the one place in ``core`` that names the feature packages."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import INSTANCE_DIR, PROJECT_ROOT, load_config
from core.db import Base

#: The feature packages in dependency order (core ← registry ← bidding ← grading; exports reads them all).
#: Each has ``init_app(app, mode)`` and lists its table modules in ``MODEL_MODULES``.
FEATURE_PACKAGES = ("registry", "bidding", "grading", "exports")
#: Core sub-packages wired the same way, before the features.
CORE_PACKAGES = ("core.rules", "core.importing")
CORE_MODEL_MODULES = ("core.audit.models", "core.auth.models", "core.history", "core.sequences", "core.rules.models",
                      "core.importing.models")


def import_models():
    """Import every models module so ``Base.metadata`` is complete (used by Alembic too)."""
    import importlib

    modules = list(CORE_MODEL_MODULES)
    for name in FEATURE_PACKAGES:
        modules += getattr(importlib.import_module(name), "MODEL_MODULES", ())
    for module in modules:
        importlib.import_module(module)
    return Base.metadata


def _register_menu(app: Flask) -> None:
    from core import menu
    from core.auth.roles import ALL_ROLES, Role

    menu.register_group(app, "メニュー", 0)
    menu.register_group(app, "システム管理", 90)
    menu.register_group(app, "個人設定", 100)
    menu.register(app, "メニュー", "ホーム", "main.home", ALL_ROLES)
    if app.config["MODE"] != "portal":
        admin = [Role.SYSTEM_ADMIN]
        menu.register(app, "システム管理", "利用者", "admin.user_list", admin,
                      ("admin.user_new", "admin.user_detail", "admin.user_edit", "admin.user_history"))
        menu.register(app, "システム管理", "部署", "admin.department_list", admin,
                      ("admin.department_new", "admin.department_edit", "admin.department_history"))
        menu.register(app, "システム管理", "ログイン履歴", "admin.login_history", admin)
        menu.register(app, "システム管理", "ログイン中のセッション", "admin.session_list", admin)
        menu.register(app, "システム管理", "操作ログ", "audit.entry_list", admin,
                      ("audit.entry_detail", "audit.verify"))
    menu.register(app, "個人設定", "パスワード変更", "auth.change_password", ALL_ROLES)


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app. ``config`` may override settings (``KEIYAKU_*`` names or Flask keys)."""
    settings = load_config(overrides=config)
    app = Flask("keiyaku", root_path=str(PROJECT_ROOT), instance_path=str(INSTANCE_DIR),
                template_folder="templates", static_folder="static")
    app.config.update(settings)
    app.config["WTF_I18N_ENABLED"] = False
    from core.inputs import BoundedIntegerConverter

    # Before any blueprint: every ``<int:...>`` rule refuses ids no Integer column can hold (404, not 500).
    app.url_map.converters["int"] = BoundedIntegerConverter
    if settings["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["PROXY_COUNT"], x_proto=settings["PROXY_COUNT"])
    logging.basicConfig(level=logging.WARNING)
    log = logging.getLogger("keiyaku")
    log.setLevel(logging.INFO if settings["KEIYAKU_ENV"] != "test" else logging.WARNING)
    if settings["KEIYAKU_ENV"] == "production" and settings["DATABASE_URL"].startswith("sqlite"):
        log.warning("production is running on SQLite (%s); set KEIYAKU_DATABASE_URL to PostgreSQL",
                    settings["DATABASE_URL"])

    from core.extensions import csrf, db, login_manager

    import_models()
    db.init_app(app)
    from core.audit.chain import register_key

    register_key(app.extensions["keiyaku_db"]["engine"], app.config["AUDIT_KEY"])
    csrf.init_app(app)
    _init_login(app, login_manager)

    from core.web import init_web

    init_web(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_menu(app)
    _init_packages(app)
    return app


def _init_packages(app: Flask) -> None:
    """Each package wires itself into the app for the deployment mode (``KEIYAKU_MODE``)."""
    import importlib

    for name in (*CORE_PACKAGES, *FEATURE_PACKAGES):
        importlib.import_module(name).init_app(app, app.config["MODE"])


def _init_login(app: Flask, login_manager) -> None:
    from core.auth.loader import load_user, unauthorized

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def _register_blueprints(app: Flask) -> None:
    """The core's own screens; each feature package registers its blueprints in its ``init_app``."""
    from core.audit.views import bp as audit_bp
    from core.auth.admin_views import bp as admin_bp
    from core.auth.views import bp as auth_bp
    from core.permissions import public
    from core.views import bp as main_bp

    # KEIYAKU_MODE: the internet-facing portal serves applicants only; the LGWAN side serves staff only.
    blueprints = [main_bp, auth_bp]
    if app.config["MODE"] != "portal":
        blueprints += [admin_bp, audit_bp]
    for bp in blueprints:
        app.register_blueprint(bp)
    public(app.view_functions["static"])


def _register_cli(app: Flask) -> None:
    from core.audit.cli import audit_cli
    from core.cli import create_admin, demo
    from core.history_cli import history_command
    from core.migrate import db_cli

    for command in (db_cli, audit_cli, create_admin, demo, history_command):
        app.cli.add_command(command)
