"""Tender cases and their budget, prices and nominations; later bids, contracts and inspections (SPEC CM2-CM8).

Split by aggregate as the registry is: ``cases`` (入札案件). ``init_app`` is the one place that wires the package
into an app: nothing registers itself on import.
"""

from __future__ import annotations

from flask import Blueprint, Flask

#: Every module with tables of the package (the factory and Alembic import them).
MODEL_MODULES: tuple[str, ...] = ("bidding.cases.models",)


def init_app(app: Flask, mode: str) -> None:
    """Rules and labels always; the staff screens unless ``mode`` is ``portal`` (applicants see no case yet)."""
    from . import rules  # noqa: F401  (defines the package's versioned settings)
    from .cases import services as case_services

    case_services.register_labels()
    if mode != "portal":
        _init_staff(app)


def _init_staff(app: Flask) -> None:
    from core import menu

    from .cases import views as cases
    from .cases.permissions import DRAFT_ROLES, VIEW_ROLES

    staff = Blueprint("bidding", __name__, url_prefix="/bidding")
    for child in (cases.bp,):
        staff.register_blueprint(child)
    app.register_blueprint(staff)

    menu.register_group(app, "入札・契約", 30)
    menu.register(app, "入札・契約", "入札案件", "bidding.cases.case_list", VIEW_ROLES,
                  ("bidding.cases.case_detail", "bidding.cases.case_edit", "bidding.cases.case_history"))
    menu.register(app, "入札・契約", "案件の起案", "bidding.cases.case_new", DRAFT_ROLES)
