"""LIKE wildcards in searches (security review): ``%`` and ``_`` typed into a search box match those
characters only, on SQLite and PostgreSQL, through every search path (plain LIKE, the firm search's
trigram/FTS5 path, case-insensitive matches)."""

import pytest
from sqlalchemy import select

from core.auth.queries import search_users
from core.auth.roles import Role
from core.search import contains_text, like_pattern, starts_with_text
from registry.applications.queries import application_list_query
from registry.contractors.models import Contractor
from registry.contractors.queries import search_contractors
from tests.helpers import page_text
from tests.registry.applications_support import company, submitted_application


def test_like_pattern_escapes_wildcards_and_the_escape_character():
    assert like_pattern("100%") == "%100/%%"
    assert like_pattern("a_b/c", prefix=True) == "a/_b//c%"


USERS = {"wild.card": "百%田 一郎", "wildxcard": "百X田 二郎", "under_score": "下線 三郎", "underxscore": "下線 四郎"}


@pytest.mark.parametrize("query, expected", [
    ("%", {"wild.card"}), ("百%田", {"wild.card"}), ("_", {"under_score"}), ("r_s", {"under_score"}),
    ("WILD", {"wild.card", "wildxcard"}), ("百", {"wild.card", "wildxcard"}),
])
def test_user_search_takes_wildcards_literally(db_session, create_user, query, expected):
    for login_id, name in USERS.items():
        create_user(login_id=login_id, name=name)
    found = {u.login_id for u in db_session.scalars(search_users(query, status="all"))}
    assert found & set(USERS) == expected


def test_user_list_search_page(admin_client, create_user):
    create_user(login_id="pct.user", name="百分率 太郎%")
    create_user(login_id="plain", name="普通 花子")
    html = page_text(admin_client.get("/admin/users?q=%25"))
    assert "百分率 太郎" in html and "普通 花子" not in html


@pytest.mark.parametrize("query, expected", [
    ("%", {"株式会社100%建設"}), ("_", {"A_B工業"}), ("0%建", {"株式会社100%建設"}),
    ("100%建設", {"株式会社100%建設"}), ("a_b", {"A_B工業"}), ("A_B工", {"A_B工業"}),
])
def test_firm_search_takes_wildcards_literally(db_session, create_contractor, query, expected):
    names = ("株式会社100%建設", "株式会社1000建設", "A_B工業", "AXB工業")
    for name in names:
        create_contractor(name)
    found = {c.name for c in db_session.scalars(search_contractors(q=query, eager=False))}
    assert found & set(names) == expected


def test_firm_number_prefix_takes_wildcards_literally(db_session, create_contractor):
    create_contractor("番号検索建設", number="9_1234")
    create_contractor("番号検索工業", number="901234")
    found = {c.number for c in db_session.scalars(search_contractors(q="9_", eager=False))}
    assert found & {"9_1234", "901234"} == {"9_1234"}


def test_application_search_takes_wildcards_literally(app, db_session):
    for name in ("株式会社50%建設", "株式会社500建設"):
        submitted_application(db_session, app, company_values=company(name=name))
    found = {a.firm_name for a in db_session.scalars(application_list_query("all", None, "%"))}
    assert found & {"株式会社50%建設", "株式会社500建設"} == {"株式会社50%建設"}
    found = {a.firm_name for a in db_session.scalars(application_list_query("all", None, "0%建"))}
    assert found & {"株式会社50%建設", "株式会社500建設"} == {"株式会社50%建設"}


def test_helpers_compose_with_any_column(db_session, create_contractor):
    create_contractor("X%Y商会", number="77_01")
    create_contractor("XzY商会", number="77001")
    names = set(db_session.scalars(select(Contractor.name).where(contains_text(Contractor.name, "x%y", ignore_case=True))))
    assert names & {"X%Y商会", "XzY商会"} == {"X%Y商会"}
    numbers = set(db_session.scalars(select(Contractor.number).where(starts_with_text(Contractor.number, "77_"))))
    assert numbers & {"77_01", "77001"} == {"77_01"}


def test_suspension_list_firm_search(create_user, login_as, create_contractor):
    create_contractor("停止%建設")
    client = login_as(create_user(Role.CONTRACT_STAFF))
    response = client.get("/registry/suspensions?state=all&q=%25")
    assert response.status_code == 200
