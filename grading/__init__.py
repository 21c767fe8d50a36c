"""Construction performance grading (工事成績評定, SPEC GR1-GR6): versioned rules, the scoring of grade sheets and the
``grading`` commands. Reads bidding's contracts and inspections; writes into the registry only through its
services."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ("grading.works.models", "grading.explanations.models")


def init_app(app, mode: str) -> None:
    """The grading rules (tables, formula, deductions, deadlines) and the ``flask grading`` commands."""
    from bidding.contracts.events import contract_completed
    from core.importing.kinds import register_kind

    from . import rules  # noqa: F401  (defines the package's versioned settings)
    from .cli import grading_cli
    from .statistics import init_statistics
    from .works import import_services
    from .works.importers import GradesImport
    from .works.services import on_contract_completed, register_labels

    register_labels()
    import_services.register_labels()
    register_kind(GradesImport())
    contract_completed.connect(on_contract_completed)
    app.cli.add_command(grading_cli)
    init_statistics(app, grading_cli)
    if mode == "portal":
        return
    _register_staff_pages(app)


def _register_staff_pages(app) -> None:
    """The /grading pages: each aggregate adds its child blueprint and menu items here."""
    from flask import Blueprint

    from core import menu

    from .statistics import views as statistics
    from .statistics.permissions import VIEW_ROLES as STATISTICS_ROLES

    staff = Blueprint("grading", __name__, url_prefix="/grading")
    children: list[Blueprint] = [statistics.bp]
    for child in children:
        staff.register_blueprint(child)
    app.register_blueprint(staff)
    menu.register_group(app, "工事成績評定", 40)
    menu.register(app, "工事成績評定", "評定の統計", "grading.statistics.overview", STATISTICS_ROLES,
                  ("grading.statistics.contractors", "grading.statistics.contractor", "grading.statistics.feed_preview"))
    menu.register(app, "工事成績評定", "優良工事の候補", "grading.statistics.commendations", STATISTICS_ROLES)
