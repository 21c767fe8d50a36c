"""Tender cases and their budget, prices and nominations; later bids, contracts and inspections (SPEC CM2-CM8).

Split by aggregate as the registry is: ``cases`` (入札案件), ``nominations`` (指名・参加申請), ``prices`` (最低制限価格等,
消費税, 予定価格: calculations other aggregates call), ``budget`` (予算科目 from the finance system, CM7). ``init_app``
is the one place that wires the package into an app: nothing registers itself on import.
"""

from __future__ import annotations

from flask import Blueprint, Flask

#: Every module with tables of the package (the factory and Alembic import them).
MODEL_MODULES: tuple[str, ...] = ("bidding.cases.models", "bidding.nominations.models", "bidding.budget.models",
                                  "bidding.bids.models", "bidding.contracts.models", "bidding.inspections.models")


def init_app(app: Flask, mode: str) -> None:
    """Rules, labels and import kinds always; the staff screens unless ``mode`` is ``portal`` (applicants see no
    case yet)."""
    from . import price_rules, rules  # noqa: F401  (define the package's versioned settings)
    from .bids import import_services as bid_import_services
    from .bids import legacy as bid_legacy
    from .bids import rules as bid_rules  # noqa: F401
    from .bids import services as bid_services
    from .bids.importers import EbidResultsImport
    from .budget import services as budget_services
    from .budget.importers import BudgetImport
    from .cases import legacy as case_legacy
    from .cases import services as case_services
    from .cases.importers import LegacyCasesImport
    from .contracts import legacy as contract_legacy
    from .contracts import rules as contract_rules  # noqa: F401
    from .contracts import services as contract_services
    from .evaluation import rules as evaluation_rules  # noqa: F401  (総合評価: 除算方式・加算方式)
    from .inspections import services as inspection_services
    from .nominations import rules as nomination_rules  # noqa: F401
    from .nominations import services as nomination_services
    from .nominations.cli import nominations_cli
    from .results import rules as result_rules  # noqa: F401  (the wording of the letters after an opening)
    from .results.cli import results_cli

    case_services.register_labels()
    nomination_services.register_labels()
    bid_services.register_labels()
    contract_services.register_labels()
    inspection_services.register_labels()
    bid_import_services.register_labels()
    budget_services.register_labels()
    case_legacy.register_labels()
    bid_legacy.register_labels()
    contract_legacy.register_labels()
    app.cli.add_command(nominations_cli)
    app.cli.add_command(results_cli)
    from .prices.cli import prices_cli

    app.cli.add_command(prices_cli)
    from core.importing.kinds import register_kind

    register_kind(BudgetImport())
    register_kind(EbidResultsImport())
    register_kind(LegacyCasesImport())
    from core.cli import register_demo_loader

    from .budget.demo import load_demo as load_budget_demo
    from .contracts.demo import load_demo as load_contract_demo
    from .demo import load_demo

    register_demo_loader(app, load_budget_demo)  # first: the demo cases are charged to its lines
    register_demo_loader(app, load_demo)
    register_demo_loader(app, load_contract_demo)  # after the cases: its cases follow theirs in numbering
    if mode != "portal":
        _init_staff(app)


def _init_staff(app: Flask) -> None:
    from core import menu

    from .bids import views as bids
    from .budget import views as budget
    from .budget.permissions import VIEW_ROLES as BUDGET_VIEW_ROLES
    from .cases import charge_views, price_views  # noqa: F401  (routes of the 予算 section and 価格 tab)
    from .cases import views as cases
    from .cases.permissions import DRAFT_ROLES, VIEW_ROLES
    from .contracts import budget_section as contract_budget_section
    from .contracts import views as contracts
    from .inspections import views as inspections
    from .inspections.views import ROLES as INSPECTION_ROLES
    from .nominations import views as nominations
    from .prices import views as prices
    from .prices.permissions import CALCULATOR_ROLES
    from .results import views as results

    staff = Blueprint("bidding", __name__, url_prefix="/bidding")
    for child in (cases.bp, nominations.bp, bids.bp, contracts.bp, inspections.bp, prices.bp, budget.bp, results.bp):
        staff.register_blueprint(child)
    app.register_blueprint(staff)
    charge_views.register_budget_section(app)
    contract_budget_section.register_budget_section(app)

    @app.context_processor
    def _bidding_globals():
        return {"case_notices": _case_notices}

    menu.register_group(app, "入札・契約", 30)
    menu.register(app, "入札・契約", "入札案件", "bidding.cases.case_list", VIEW_ROLES,
                  ("bidding.cases.case_detail", "bidding.cases.case_edit", "bidding.cases.case_history",
                   "bidding.cases.case_prices", "bidding.nominations.case_nominations",
                   "bidding.bids.case_bids", "bidding.contracts.case_contract"))
    menu.register(app, "入札・契約", "案件の起案", "bidding.cases.case_new", DRAFT_ROLES)
    menu.register(app, "入札・契約", "入札結果", "bidding.results.result_list", VIEW_ROLES)
    menu.register(app, "入札・契約", "契約一覧", "bidding.contracts.contract_list", VIEW_ROLES)
    menu.register(app, "入札・契約", "検査", "bidding.inspections.worklist", INSPECTION_ROLES,
                  ("bidding.inspections.inspection_detail",))
    menu.register(app, "入札・契約", "最低制限価格の計算", "bidding.prices.calculator", CALCULATOR_ROLES)
    menu.register(app, "入札・契約", "予算科目", "bidding.budget.line_list", BUDGET_VIEW_ROLES,
                  ("bidding.budget.line_detail", "bidding.budget.line_history"))
    from .home import register_queues

    register_queues(app)


def _case_notices(case) -> list[str]:
    """Warnings shown in every tab header of a case: nominations cancelled by a suspension, and nominated
    firms whose decided suspension starts before the opening (``nominations.queries`` owns the rule)."""
    from core.db import db
    from core.timefmt import today

    from .nominations.queries import participants, suspension_warnings

    return suspension_warnings(db.session, case, participants(db.session, case.id), today())
