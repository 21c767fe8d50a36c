"""The admin-network restriction (SPEC NF5) is part of a route's access rule: every route that only system
administrators may use is refused outside ``KEIYAKU_ADMIN_NETWORKS``, whichever blueprint it is in, so a new
administration screen cannot forget it."""

import pytest
from flask import Blueprint
from werkzeug.routing import IntegerConverter

from core import create_app
from core.auth.roles import Role
from core.config import parse_networks
from core.permissions import admin_network_only, declared_access, roles_required
from tests.helpers import login, page_text

INSIDE, OUTSIDE = "10.20.3.4", "192.0.2.10"
NETWORKS = "10.20.0.0/16"


def _admin_only_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if declared_access(view) == frozenset({Role.SYSTEM_ADMIN}):
            args = {n: 1 if isinstance(c, IntegerConverter) else "x" for n, c in rule._converters.items()}
            yield rule, view, rule.build(args, append_unknown=False)[1]


def _client(app, user, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    login(client, user)
    return client


def test_every_admin_only_route_carries_the_restriction(app):
    routes = list(_admin_only_routes(app))
    assert len(routes) >= 40
    assert [r.endpoint for r, view, _ in routes if not admin_network_only(view)] == []


def test_other_routes_are_not_restricted(app):
    for endpoint, view in app.view_functions.items():
        access = declared_access(view)
        if access != frozenset({Role.SYSTEM_ADMIN}):
            assert not admin_network_only(view), endpoint


def test_every_admin_only_route_refused_outside(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "ADMIN_NETWORKS", parse_networks(NETWORKS))
    outside = _client(app, admin, OUTSIDE)
    checked = 0
    for rule, _view, url in _admin_only_routes(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = outside.open(url, method=method)
            assert response.status_code == 403, (rule.endpoint, method, response.status_code)
            assert "許可されたネットワーク" in page_text(response), rule.endpoint
            checked += 1
    assert checked >= 40
    assert outside.get("/").status_code == 200  # the rest of the app is not restricted


def test_anonymous_outside_is_refused_before_login(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ADMIN_NETWORKS", parse_networks(NETWORKS))
    response = client.get("/admin/users", environ_base={"REMOTE_ADDR": OUTSIDE})
    assert response.status_code == 403


def test_a_new_admin_blueprint_is_restricted_without_saying_so(database_url, tmp_path, db_session, create_user):
    """A blueprint written later, with nothing but the usual role declaration, is restricted too."""
    app = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": database_url, "STORAGE_DIR": str(tmp_path),
                      "KEIYAKU_ADMIN_NETWORKS": NETWORKS})
    bp = Blueprint("new_admin", __name__, url_prefix="/admin/new")

    @bp.route("/")
    @roles_required(Role.SYSTEM_ADMIN)
    def index():
        return "new admin page"

    @bp.route("/shared")
    @roles_required(Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF)
    def shared():
        return "shared page"

    app.register_blueprint(bp)
    from core.db import db

    db.bind_session(app, bind=db_session.connection(), join_transaction_mode="create_savepoint")
    try:
        admin = create_user(Role.SYSTEM_ADMIN)
        outside, inside = _client(app, admin, OUTSIDE), _client(app, admin, INSIDE)
        refused = outside.get("/admin/new/")
        assert refused.status_code == 403 and "許可されたネットワーク" in page_text(refused)
        assert inside.get("/admin/new/").get_data(as_text=True) == "new admin page"
        assert outside.get("/admin/new/shared").get_data(as_text=True) == "shared page"
    finally:
        db.bind_session(app, bind=app.extensions["keiyaku_db"]["engine"])
        app.extensions["keiyaku_db"]["engine"].dispose()


@pytest.mark.parametrize("address, allowed", [(INSIDE, True), (OUTSIDE, False), ("not-an-ip", False)])
def test_admin_reports_follow_the_same_rule(app, admin, monkeypatch, address, allowed):
    monkeypatch.setitem(app.config, "ADMIN_NETWORKS", parse_networks(NETWORKS))
    response = _client(app, admin, address).get("/exports/reports/users.pdf?status=all")
    assert (response.status_code == 200) is allowed
