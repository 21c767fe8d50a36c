"""Contractor registry (業者登録) and qualification applications (SPEC CM1, CM9, CM12, QA1-QA4)."""

import importlib

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")

#: Screen modules; each adds its routes to ``bp`` and its menu items when imported. They must be imported
#: before the factory registers the blueprint.
VIEW_MODULES = ("registry.views_contractors", "registry.views_qualifications", "registry.views_suspensions",
                "registry.applications.views_review")

for _name in VIEW_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name != _name:
            raise


def init_app(app) -> None:
    """Rules, import kind and operation labels of the registry (called by the app factory)."""
    from . import rules  # noqa: F401  (defines the registry's versioned settings)
    from .applications import rules as application_rules  # noqa: F401
    from .applications.cli import transfer_cli

    app.cli.add_command(transfer_cli)

    try:
        from .importers import init_app as init_importers
    except ModuleNotFoundError as exc:
        if exc.name != "registry.importers":
            raise
    else:
        init_importers(app)
