"""Contractor registry (業者登録) and qualification applications (SPEC CM1, CM9, CM12, QA1-QA4).

Split by aggregate: ``contractors`` (firms), ``qualifications`` (permits, 経審, registrations and ranks,
technicians, JVs), ``suspensions`` (指名停止), ``applications`` (the applicant portal and the staff review).
``init_app`` is the one place that wires the package into an app: nothing registers itself on import.
"""

from __future__ import annotations

from flask import Blueprint, Flask

#: Every module with tables of the registry (the factory and Alembic import them).
MODEL_MODULES = ("registry.contractors.models", "registry.qualifications.models", "registry.suspensions.models",
                 "registry.applications.models")


def init_app(app: Flask, mode: str) -> None:
    """Rules, labels, import kinds and CLI always; the staff screens unless ``mode`` is ``portal``; the
    applicant portal unless ``mode`` is ``internal``."""
    from . import rules  # noqa: F401  (the registry's versioned settings)
    from .applications import accounts, bundles, review
    from .applications import rules as application_rules  # noqa: F401
    from .applications import services as application_services
    from .applications.cli import transfer_cli
    from .contractors import services as contractor_services
    from .contractors.importers import ContractorsImport
    from .qualifications import history as qualification_history
    from .suspensions import services as suspension_services

    for module in (contractor_services, qualification_history, suspension_services, accounts, application_services,
                   review, bundles):
        module.register_labels()
    from core.importing.kinds import register_kind

    register_kind(ContractorsImport())
    app.cli.add_command(transfer_cli)
    from core.cli import register_demo_loader

    from .demo import load_demo

    register_demo_loader(app, load_demo)
    if mode != "portal":
        _init_staff(app)
    if mode != "internal":
        _init_portal(app)


def _init_staff(app: Flask) -> None:
    from core import menu
    from core.db import db
    from core.timefmt import today

    from .applications import views_review, views_transfer
    from .contractors import views as contractors
    from .contractors.tabs import contractor_tabs
    from .permissions import EDIT_ROLES, VIEW_ROLES, can_edit_registry
    from .qualifications.jvs import views as jvs
    from .qualifications.keishin import views as keishin
    from .qualifications.models import PERIOD_STATUSES
    from .qualifications.permits import views as permits
    from .qualifications.ranks import views as ranks
    from .qualifications.technicians import views as technicians
    from .suspensions import views as suspensions
    from .suspensions.queries import scheduled_suspensions, suspensions_in_force

    staff = Blueprint("registry", __name__, url_prefix="/registry")
    for child in (contractors.bp, permits.bp, keishin.bp, ranks.bp, technicians.bp, jvs.bp, suspensions.bp,
                  views_review.bp, views_transfer.bp):
        staff.register_blueprint(child)
    app.register_blueprint(staff)

    def suspension_notice(contractor) -> dict:
        """The record header's banner: suspensions in force today and decided ones still to come (JVs
        through their members), by the one rule in ``registry.suspensions.queries``."""
        day = today()
        return {"active": suspensions_in_force(db.session, [contractor.id], day).get(contractor.id, []),
                "scheduled": scheduled_suspensions(db.session, [contractor.id], day).get(contractor.id, [])}

    @app.context_processor
    def _registry_globals():
        return {"contractor_tabs": contractor_tabs, "can_edit_registry": can_edit_registry,
                "suspension_notice": suspension_notice, "period_statuses": PERIOD_STATUSES}

    menu.register_group(app, "業者登録", 20)
    menu.register(app, "業者登録", "業者一覧", "registry.contractors.contractor_list", VIEW_ROLES,
                  ("registry.contractors.contractor_detail", "registry.contractors.contractor_edit",
                   "registry.contractors.contractor_history"))
    menu.register(app, "業者登録", "業者の新規登録", "registry.contractors.contractor_new", EDIT_ROLES)
    menu.register(app, "業者登録", "格付の見直し", "registry.ranks.rank_review", EDIT_ROLES, ("registry.jvs.jv_new",))
    menu.register(app, "業者登録", "指名停止", "registry.suspensions.suspension_list", VIEW_ROLES)
    menu.register(app, "業者登録", "資格審査申請", "registry.applications.application_list", EDIT_ROLES,
                  ("registry.applications.application_detail", "registry.applications.application_accept"))
    menu.register(app, "業者登録", "申請の転送", "registry.transfer.application_transfer", EDIT_ROLES)
    from .home import register_queues

    register_queues(app)


def _init_portal(app: Flask) -> None:
    from core import menu
    from core.auth.roles import Role

    from .applications import views_portal, views_portal_account

    # /portal: the account pages (public) and the application screens (applicants), as portal.account.* and
    # portal.filing.*; base.html brands every page under "portal" as the applicants' site.
    portal = Blueprint("portal", __name__, url_prefix="/portal")
    for child in (views_portal_account.bp, views_portal.bp):
        portal.register_blueprint(child)
    app.register_blueprint(portal)
    menu.register_group(app, "申請手続", 10)
    menu.register(app, "申請手続", "申請者ページ", "portal.filing.home", (Role.APPLICANT,), (
        "portal.filing.application", "portal.filing.company", "portal.filing.categories", "portal.filing.rows",
        "portal.filing.row_edit", "portal.filing.declarations", "portal.filing.change_note",
        "portal.filing.attachments"))
    menu.register_home(app, Role.APPLICANT, "portal.filing.home")
