"""Out-of-range ids in URLs (security review): every ``<int:...>`` route answers 404 for a number no database
column can hold, instead of failing inside the database driver (500) on SQLite or PostgreSQL."""

import pytest
from flask import url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from core.auth.roles import Role
from core.permissions import PUBLIC, declared_access
from tests.helpers import login
from tests.registry.applications_support import make_account

HUGE = "9" * 20  # beyond 64 bits: SQLite refuses it
JUST_OVER = str(2**31)  # beyond PostgreSQL's integer: "integer out of range"


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            yield rule, ints


def _url(rule, value: str) -> str:
    args = {name: (1 if isinstance(conv, IntegerConverter) else "x") for name, conv in rule._converters.items()}
    url = rule.build(args, append_unknown=False)[1]
    # Put the huge number in every integer segment (build() would refuse a value the converter rejects).
    parts = rule.rule.split("/")
    built = url.split("/")
    for i, part in enumerate(parts):
        if part.startswith("<int:"):
            built[i] = value
    return "/".join(built)


@pytest.fixture
def clients(app, db_session, admin_client):
    account = make_account(db_session, app)
    applicant = app.test_client()
    assert login(applicant, account.email).status_code == 302
    return {"staff": admin_client, "applicant": applicant}


def test_sweep_finds_the_integer_routes(app):
    assert len(list(_int_rules(app))) >= 34


@pytest.mark.parametrize("value", [HUGE, JUST_OVER])
def test_huge_ids_are_404_on_every_integer_route(app, clients, value):
    checked = []
    for rule, _ in _int_rules(app):
        access = declared_access(app.view_functions[rule.endpoint])
        client = clients["staff"] if access == PUBLIC or Role.SYSTEM_ADMIN in access else clients["applicant"]
        url = _url(rule, value)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method)
            assert response.status_code == 404, (rule.endpoint, method, url, response.status_code)
            checked.append(rule.endpoint)
    assert len(set(checked)) >= 34


def test_largest_integer_id_is_still_routed(app, admin_client):
    """2**31 - 1 fits every id column: the route matches and the missing record is the usual 404 page."""
    adapter = app.url_map.bind("")
    assert adapter.match(f"/registry/contractors/{2**31 - 1}")[0] == "registry.contractors.contractor_detail"
    assert adapter.match("/registry/contractors/007")[1] == {"contractor_id": 7}
    response = admin_client.get(f"/registry/contractors/{2**31 - 1}")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


def test_out_of_range_ids_match_no_route(app):
    adapter = app.url_map.bind("")
    for value in (JUST_OVER, "9999999999", HUGE, "1" * 5000):
        for method in ("GET", "POST"):
            with pytest.raises(NotFound):
                adapter.match(f"/registry/contractors/{value}", method=method)


def test_ids_still_build_into_urls(app):
    with app.test_request_context():
        assert url_for("registry.contractors.contractor_detail", contractor_id=42) == "/registry/contractors/42"
