"""Route sweep (SPEC NF5, NF8 class 11): every endpoint declares who may use it, anonymous users are sent to
the login page, and every role outside the declared ones gets 403 — for every method the route accepts."""

import pytest
from werkzeug.routing import IntegerConverter

from core.auth.roles import ALL_ROLES, Role
from core.permissions import PUBLIC, declared_access

METHODS = ("GET", "POST")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = {name: 1 if isinstance(conv, IntegerConverter) else "x" for name, conv in rule._converters.items()}
        url = rule.build(args, append_unknown=False)[1]
        for method in METHODS:
            if method in rule.methods:
                yield rule.endpoint, method, url


def test_every_endpoint_declares_access(app):
    missing = [e for e, view in app.view_functions.items() if declared_access(view) is None]
    assert missing == []


def test_public_endpoints_are_few_and_known(app):
    public = sorted(e for e, view in app.view_functions.items() if declared_access(view) == PUBLIC)
    # The applicant portal's account pages (sign-up, confirmation, password reset) are public by nature.
    assert public == ["auth.login", "main.healthz", "portal.account.confirm", "portal.account.forgot_password",
                      "portal.account.resend", "portal.account.reset_password", "portal.account.signup",
                      "portal.account.signup_sent", "static"]


def test_sweep_covers_admin_routes(app):
    endpoints = {e for e, _, _ in _routes(app)}
    assert {"admin.user_list", "admin.user_deactivate", "audit.entry_list", "admin.session_end"} <= endpoints


def test_sweep_covers_grading_routes(app):
    """The grading screens admit the staff roles of grading only (each screen then checks the work)."""
    from grading.works.permissions import GRADING_ROLES

    grading = {e: declared_access(app.view_functions[e]) for e, _, _ in _routes(app) if e.startswith("grading.works.")}
    assert {"grading.works.index", "grading.works.board", "grading.works.work_detail", "grading.works.sheet",
            "grading.works.sheet_correct", "grading.works.work_settle"} <= set(grading)
    assert all(access == frozenset(GRADING_ROLES) for access in grading.values())
    assert Role.APPLICANT not in GRADING_ROLES


def test_anonymous_sent_to_login_everywhere(app, client):
    for endpoint, method, url in _routes(app):
        if declared_access(app.view_functions[endpoint]) == PUBLIC:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.location.startswith("/login"), (endpoint, method, response.location)


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r is not Role.SYSTEM_ADMIN])
def test_wrong_role_forbidden_everywhere(app, role, create_user, login_as):
    client = login_as(create_user(role))
    checked = 0
    for endpoint, method, url in _routes(app):
        access = declared_access(app.view_functions[endpoint])
        if access == PUBLIC or role in access:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 403, (role, endpoint, method, response.status_code)
        checked += 1
    assert checked >= 20


def test_admin_reaches_admin_pages(app, admin_client):
    for endpoint, method, url in _routes(app):
        if method == "GET" and endpoint.startswith(("admin.", "audit.")) and "<" not in url:
            response = admin_client.get(url)
            assert response.status_code in (200, 404), (endpoint, response.status_code)
