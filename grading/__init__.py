"""Construction performance grading (工事成績評定, SPEC GR1-GR6): versioned rules, the scoring of grade sheets and the
``grading`` commands. Reads bidding's contracts and inspections; writes into the registry only through its
services."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ("grading.works.models", "grading.explanations.models")


def init_app(app, mode: str) -> None:
    """The grading rules (tables, formula, deductions, deadlines) and the ``flask grading`` commands."""
    from bidding.contracts.events import contract_completed

    from . import rules  # noqa: F401  (defines the package's versioned settings)
    from .cli import grading_cli
    from .works.services import on_contract_completed, register_labels

    register_labels()
    contract_completed.connect(on_contract_completed)
    app.cli.add_command(grading_cli)
    from core.cli import register_demo_loader

    from .works.demo import load_demo as load_works_demo

    register_demo_loader(app, load_works_demo)
    if mode == "portal":
        return
    _register_staff_pages(app)


def _register_staff_pages(app) -> None:
    """The /grading pages: each aggregate adds its child blueprint and menu items here."""
    from flask import Blueprint

    from core import menu

    from .works import sheet_views  # noqa: F401  (the sheet routes join the works blueprint)
    from .works import views as works
    from .works.home import register_queues as register_works_queues
    from .works.permissions import GRADING_ROLES

    staff = Blueprint("grading", __name__, url_prefix="/grading")
    children: list[Blueprint] = [works.bp]
    for child in children:
        staff.register_blueprint(child)
    app.register_blueprint(staff)
    menu.register_group(app, "工事成績評定", 40)
    menu.register(app, "工事成績評定", "評定の入力", "grading.works.index", GRADING_ROLES,
                  ("grading.works.sheet", "grading.works.sheet_correct"))
    menu.register(app, "工事成績評定", "評定の進捗", "grading.works.board", GRADING_ROLES,
                  ("grading.works.work_detail", "grading.works.work_history"))
    register_works_queues(app)
    from .works.queries import score_text

    app.add_template_filter(score_text, "score")
