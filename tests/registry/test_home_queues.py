"""The home page as a work queue: applications to review, permits and 経審 expiring soon, suspensions starting
or ending this week — counts that match the filtered lists they link to, shown only to roles that may open
those lists, in a handful of queries."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from core.auth.roles import Role
from core.db import utcnow
from core.timefmt import today
from registry.applications.models import Application
from registry.qualifications.models import KeishinScore, Permit
from registry.suspensions.models import Suspension
from registry.suspensions.queries import week_of
from tests.helpers import page_text

_seq = itertools.count(1)


def _application(session, status: str) -> Application:
    n = next(_seq)
    application = Application(reference=f"HQ-{n:05d}", kind="new", status=status, applicant_email=f"a{n}@example.jp",
                              firm_name=f"株式会社待ち建設{n}", revision=1, submitted_at=utcnow(), data={})
    session.add(application)
    session.flush()
    return application


def _permit(session, contractor, expires_on: date, code: str = "010") -> Permit:
    permit = Permit(contractor_id=contractor.id, work_type_code=code, authority="governor", prefecture="山口県",
                    grade="general", permit_year=5, permit_number=next(_seq), granted_on=expires_on - timedelta(days=1826),
                    expires_on=expires_on)
    session.add(permit)
    session.flush()
    return permit


def _keishin(session, contractor, base_date: date, valid_until: date, code: str = "010") -> KeishinScore:
    score = KeishinScore(contractor_id=contractor.id, work_type_code=code, base_date=base_date, x1=700, x2=700,
                         y=700, z=700, w=700, p_computed=700, valid_until=valid_until)
    session.add(score)
    session.flush()
    return score


def _suspension(session, contractor, starts_on: date, ends_on: date, lifted_on: date | None = None) -> Suspension:
    s = Suspension(contractor_id=contractor.id, cause_code="bribery", decided_on=starts_on - timedelta(days=1),
                   starts_on=starts_on, ends_on=ends_on, period_text="1か月", facts="事実", lifted_on=lifted_on)
    session.add(s)
    session.flush()
    return s


def _queue_counts(html: str) -> dict[str, tuple[int, str]]:
    """Label → (count, link) of each queue line of the home page."""
    found = re.findall(r'<a class="queue__link" href="([^"]+)"><span class="queue__label">([^<]+)</span>\s*'
                       r'<span class="queue__count[^"]*">([\d,]+)', html)
    return {label: (int(count.replace(",", "")), href.replace("&amp;", "&")) for href, label, count in found}


@pytest.fixture
def staff(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


def test_application_counts_link_to_the_filtered_list(staff, db_session):
    for status in ("submitted", "submitted", "under_review", "returned", "draft"):
        _application(db_session, status)
    queues = _queue_counts(page_text(staff.get("/")))
    count, link = queues["提出済（審査待ち）"]
    assert count == 2 and link.endswith("/registry/applications?state=submitted")
    assert queues["審査中"][0] == 1
    listed = page_text(staff.get(link))
    assert listed.count("株式会社待ち建設") == 2
    assert page_text(staff.get(queues["審査中"][1])).count("株式会社待ち建設") == 1


def test_expiring_permits_and_keishin(staff, db_session, create_contractor):
    day = today()
    soon, later, lapsed_firm = create_contractor("許可まもなく建設"), create_contractor("許可先の建設"), \
        create_contractor("失効した建設", status="lapsed")
    _permit(db_session, soon, day + timedelta(days=30))
    _permit(db_session, later, day + timedelta(days=400))
    _permit(db_session, lapsed_firm, day + timedelta(days=10))
    _permit(db_session, create_contractor("許可切れ建設"), day - timedelta(days=1))
    # 経審: the latest score of a 業種 counts; an old one superseded by a later 審査基準日 does not.
    k_soon, k_renewed = create_contractor("経審まもなく建設"), create_contractor("経審更新済建設")
    _keishin(db_session, k_soon, day - timedelta(days=500), day + timedelta(days=20))
    _keishin(db_session, k_renewed, day - timedelta(days=500), day + timedelta(days=20))
    _keishin(db_session, k_renewed, day - timedelta(days=100), day + timedelta(days=480))
    queues = _queue_counts(page_text(staff.get("/")))
    permit_label = next(k for k in queues if k.startswith("建設業許可（"))
    keishin_label = next(k for k in queues if k.startswith("経審（"))
    assert "90 日以内" in permit_label and "60 日以内" in keishin_label  # the warning days of the rule
    assert queues[permit_label][0] == 1 and queues[keishin_label][0] == 1
    permits_list = page_text(staff.get(queues[permit_label][1]))
    assert "許可まもなく建設" in permits_list and "許可先の建設" not in permits_list
    assert "失効した建設" not in permits_list and "許可切れ建設" not in permits_list
    keishin_list = page_text(staff.get(queues[keishin_label][1]))
    assert "経審まもなく建設" in keishin_list and "経審更新済建設" not in keishin_list


def test_suspensions_starting_and_ending_this_week(staff, db_session, create_contractor):
    monday, sunday = week_of(today())
    firm = create_contractor("停止業者建設")
    _suspension(db_session, firm, monday + timedelta(days=2), monday + timedelta(days=60))  # starts
    _suspension(db_session, firm, monday - timedelta(days=60), sunday)  # ends on Sunday
    # Lifted from Tuesday: its last day was Monday, this week.
    _suspension(db_session, firm, monday - timedelta(days=30), monday + timedelta(days=30), monday + timedelta(days=1))
    _suspension(db_session, firm, monday - timedelta(days=90), monday - timedelta(days=1))  # ended last week
    _suspension(db_session, firm, sunday + timedelta(days=1), sunday + timedelta(days=40))  # starts next week
    queues = _queue_counts(page_text(staff.get("/")))
    assert queues["今週始まるもの"][0] == 1
    assert queues["今週終わるもの"][0] == 2
    listed = page_text(staff.get(queues["今週終わるもの"][1]))
    assert listed.count("停止業者建設") == 2


@pytest.mark.parametrize("role, shown, hidden", [
    (Role.CONTRACT_STAFF, {"資格審査申請", "今週の指名停止"}, set()),
    (Role.VIEWER, {"今週の指名停止"}, {"資格審査申請"}),
    (Role.DEPARTMENT_STAFF, {"今週の指名停止"}, {"資格審査申請"}),
    (Role.INSPECTOR, {"満了が近い許可・経審"}, {"資格審査申請"}),
])
def test_queues_follow_the_roles_of_the_lists(create_user, login_as, role, shown, hidden):
    html = page_text(login_as(create_user(role)).get("/"))
    for title in shown:
        assert f'<h3 class="card__title">{title}</h3>' in html
    for title in hidden:
        assert title not in html
    assert "/registry/applications?state" not in html if "資格審査申請" in hidden else True


def test_applicant_still_lands_on_the_portal(app, db_session):
    from tests.registry.applications_support import make_account

    account = make_account(db_session, app)
    client = app.test_client()
    client.post("/login", data={"login_id": account.email, "password": "Test-Passw0rd-2026"})
    response = client.get("/")
    assert response.status_code == 302 and "/portal" in response.headers["Location"]


def test_home_page_reads_in_a_handful_of_queries(app, staff, db_session, create_contractor):
    """One statement per queue line group (4 of the registry, 1 of the tender cases, 1 of the grading notices and
    説明請求) and the rule they share; with the login session, the user and the recent logins the page reads 12
    statements."""
    firm = create_contractor()
    _permit(db_session, firm, today() + timedelta(days=5))
    _application(db_session, "submitted")
    engine = app.extensions["keiyaku_db"]["engine"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    staff.get("/")  # rule caches warm, as on a running server
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert staff.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 12, "\n\n".join(statements)


def test_menu_cards_sit_below_their_section_heading(staff):
    html = staff.get("/").get_data(as_text=True)
    # Headings go h1 → h2 (いま対応が必要なもの, メニュー) → h3 (each card), not back to h2 for every card.
    assert '<h2 class="section-title">メニュー</h2>' in html
    assert '<h3 class="card__title">業者一覧</h3>' in html and '<h2 class="card__title">' not in html
