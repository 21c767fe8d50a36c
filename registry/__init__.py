"""Contractor registry (業者登録) and qualification applications (SPEC CM1, CM9, CM12, QA1-QA4)."""

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")


def init_app(app) -> None:
    """Rules, screens, menu, import kind and forms of the registry (called by the app factory)."""
    from . import rules  # noqa: F401  (defines the registry's versioned settings)
