"""Tender cases, bids and award, contracts, inspections, e-bid and budget imports (SPEC CM2-CM8).

Split by aggregate: ``budget`` (予算科目 from the finance system, CM7); the other aggregates are built in the
registry's shape by their issues. ``init_app`` is the one place that wires the package into an app."""

from __future__ import annotations

from flask import Blueprint, Flask

MODEL_MODULES: tuple[str, ...] = ("bidding.budget.models",)


def init_app(app: Flask, mode: str) -> None:
    """Rules, labels and import kinds always; the staff screens unless ``mode`` is ``portal``."""
    from . import rules  # noqa: F401  (defines the package's versioned settings)
    from .budget import services as budget_services
    from .budget.importers import BudgetImport

    budget_services.register_labels()
    from core.importing.kinds import register_kind

    register_kind(BudgetImport())
    from core.cli import register_demo_loader

    from .budget.demo import load_demo as load_budget_demo

    register_demo_loader(app, load_budget_demo)
    if mode != "portal":
        _init_staff(app)


def _init_staff(app: Flask) -> None:
    from core import menu

    from .budget import views as budget
    from .budget.permissions import VIEW_ROLES as BUDGET_VIEW_ROLES

    staff = Blueprint("bidding", __name__, url_prefix="/bidding")
    for child in (budget.bp,):
        staff.register_blueprint(child)
    app.register_blueprint(staff)

    menu.register_group(app, "入札・契約", 30)
    menu.register(app, "入札・契約", "予算科目", "bidding.budget.line_list", BUDGET_VIEW_ROLES,
                  ("bidding.budget.line_detail", "bidding.budget.line_history"))
