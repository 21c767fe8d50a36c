"""The tabs of a contractor's record and what every tab page shares: the firm by id (404 if missing) and the
rendering with the header and tabs (``templates/registry/contractors/_header.html``)."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask_login import current_user

from core.db import db
from registry.codes import work_types
from registry.permissions import can_edit_registry

from . import queries
from .models import Contractor

#: (label, endpoint) in display order; endpoints take ``contractor_id``.
TABS = (
    ("基本情報", "registry.contractors.contractor_detail"),
    ("許可", "registry.permits.contractor_permits"),
    ("経審", "registry.keishin.contractor_keishin"),
    ("格付", "registry.ranks.contractor_ranks"),
    ("技術者", "registry.technicians.contractor_technicians"),
    ("指名停止", "registry.suspensions.contractor_suspensions"),
    ("履歴", "registry.contractors.contractor_history"),
)


def contractor_tabs(contractor_id: int, current: str) -> list[tuple[str, str, bool]]:
    """The tabs whose screens exist in this deployment, for ``templates/_tabs.html``. ``current`` may also be
    another route of a tab's blueprint (a POST that re-renders the tab with errors): that blueprint's first tab
    stays marked current."""
    shown = [(label, endpoint) for label, endpoint in TABS if endpoint in current_app.view_functions]
    if current not in {endpoint for _, endpoint in shown}:
        blueprint = (current or "").rpartition(".")[0]
        current = next((endpoint for _, endpoint in shown if endpoint.rpartition(".")[0] == blueprint), current)
    return [(label, url_for(endpoint, contractor_id=contractor_id), endpoint == current) for label, endpoint in shown]


def get_contractor(contractor_id: int, *, detail: bool = False) -> Contractor:
    """The firm of a tab page, or 404; ``detail`` loads its registrations and suspensions with it."""
    contractor = (queries.get_contractor_detail(db.session, contractor_id) if detail
                  else db.session.get(Contractor, contractor_id))
    if contractor is None:
        abort(404)
    return contractor


def render_tab(template: str, contractor: Contractor, endpoint: str, status: int = 200, **context):
    """A tab page of ``contractor`` with the tabs, the 業種 titles and whether the user may edit."""
    titles = {code: wt.title for code, wt in work_types(db.session).items()}
    return render_template(template, contractor=contractor, tabs=contractor_tabs(contractor.id, endpoint),
                           titles=titles, can_edit=can_edit_registry(current_user), **context), status
