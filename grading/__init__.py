"""Construction performance grading (工事成績評定, SPEC GR1-GR6): versioned rules, the scoring of grade sheets and the
``grading`` commands. Reads bidding's contracts and inspections; writes into the registry only through its
services."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ("grading.works.models", "grading.explanations.models")


def init_app(app, mode: str) -> None:
    """The grading rules (tables, formula, deductions, deadlines), the ``grades`` import kind and the ``flask grading``
    commands; the staff screens unless ``mode`` is ``portal``; the contractor's pages (評定の通知, 説明請求) unless
    it is ``internal``."""
    from bidding.contracts.events import contract_completed
    from core.importing.kinds import register_kind

    from . import rules  # noqa: F401  (defines the package's versioned settings)
    from .cli import grading_cli
    from .explanations import services as explanation_services
    from .notices import rules as notice_rules  # noqa: F401  (the wording of the notice and the answers)
    from .notices import services as notice_services
    from .statistics import init_statistics
    from .works import import_services
    from .works.importers import GradesImport
    from .works.services import on_contract_completed, register_labels

    register_labels()
    notice_services.register_labels()
    explanation_services.register_labels()
    import_services.register_labels()
    register_kind(GradesImport())
    contract_completed.connect(on_contract_completed)
    app.cli.add_command(grading_cli)
    from core.cli import register_demo_loader

    from .notices.demo import load_demo as load_notice_demo
    from .works.demo import load_demo as load_works_demo
    from .works.queries import score_text

    register_demo_loader(app, load_works_demo)
    register_demo_loader(app, load_notice_demo)
    app.add_template_filter(score_text, "score")
    init_statistics(app, grading_cli)  # its demo feeds the 主観点 from the notices' demo grades too
    if mode != "portal":
        _register_staff_pages(app)
    if mode != "internal":
        _register_portal_pages(app)


def _register_staff_pages(app) -> None:
    """The /grading pages: each aggregate adds its child blueprint and menu items here."""
    from flask import Blueprint

    from core import menu

    from .explanations import views as explanations
    from .explanations.home import register_queues as register_explanation_queues
    from .explanations.permissions import STAFF_ROLES as EXPLANATION_ROLES
    from .notices import views as notices
    from .notices.permissions import NOTICE_ROLES, PUBLICATION_ROLES
    from .statistics import views as statistics
    from .statistics.permissions import VIEW_ROLES as STATISTICS_ROLES
    from .works import sheet_views  # noqa: F401  (the sheet routes join the works blueprint)
    from .works import views as works
    from .works.home import register_queues as register_works_queues
    from .works.permissions import GRADING_ROLES

    staff = Blueprint("grading", __name__, url_prefix="/grading")
    children: list[Blueprint] = [works.bp, notices.bp, explanations.bp, statistics.bp]
    for child in children:
        staff.register_blueprint(child)
    app.register_blueprint(staff)
    menu.register_group(app, "工事成績評定", 40)
    menu.register(app, "工事成績評定", "評定の入力", "grading.works.index", GRADING_ROLES,
                  ("grading.works.sheet", "grading.works.sheet_correct"))
    menu.register(app, "工事成績評定", "評定の進捗", "grading.works.board", GRADING_ROLES,
                  ("grading.works.work_detail", "grading.works.work_history"))
    menu.register(app, "工事成績評定", "評定の通知", "grading.notices.notice_list", NOTICE_ROLES,
                  ("grading.notices.notice_detail",))
    menu.register(app, "工事成績評定", "評定の公表", "grading.notices.publication", PUBLICATION_ROLES)
    menu.register(app, "工事成績評定", "説明請求", "grading.explanations.request_list", EXPLANATION_ROLES,
                  ("grading.explanations.request_detail",))
    menu.register(app, "工事成績評定", "評定の統計", "grading.statistics.overview", STATISTICS_ROLES,
                  ("grading.statistics.contractors", "grading.statistics.contractor", "grading.statistics.feed_preview"))
    menu.register(app, "工事成績評定", "優良工事の候補", "grading.statistics.commendations", STATISTICS_ROLES)
    register_works_queues(app)
    register_explanation_queues(app)


def _register_portal_pages(app) -> None:
    """/portal/grading: a firm's notices and its 説明請求, under the portal's name (``portal.grading.*``) so the pages
    carry the applicants' site and the portal's scope."""
    from core import menu
    from core.auth.roles import Role

    from .notices import views_portal

    app.register_blueprint(views_portal.bp, name_prefix="portal", url_prefix="/portal/grading")
    menu.register(app, "申請手続", "工事成績評定の通知", "portal.grading.notice_list", (Role.APPLICANT,),
                  ("portal.grading.notice_detail",))
