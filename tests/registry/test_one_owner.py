"""Rules that were written several times and now have one owner: each screen, export and form that shows the
rule is checked here, for the case that used to differ (a JV through its members, a scheduled measure, a
full-width 業者番号)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.auth.roles import Role
from core.errors import InvalidTransition
from core.timefmt import today
from exports import reports
from registry.applications.models import TRANSITIONS, Application
from registry.contractors.queries import search_contractors
from registry.qualifications.models import JVMember, RegisteredWorkType
from registry.suspensions.models import Suspension
from registry.suspensions.queries import in_force, is_suspended, scheduled_suspensions, suspensions_in_force
from tests.helpers import page_text


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


@pytest.fixture
def jv_of_suspended_member(db_session, create_contractor):
    """A JV (業者番号 71001) whose member 71002 is suspended today; the JV has no suspension of its own."""
    day = today()
    jv = create_contractor("一owner特定建設工事共同企業体", number="71001", is_jv=True)
    member = create_contractor("株式会社一owner構成員", number="71002")
    db_session.add(JVMember(jv_id=jv.id, member_id=member.id, share_percent=Decimal("100"), is_representative=True))
    db_session.add(Suspension(contractor_id=member.id, cause_code="breach", decided_on=day - timedelta(days=3),
                              starts_on=day - timedelta(days=1), ends_on=day + timedelta(days=30), period_text="1か月",
                              facts="契約違反"))
    db_session.flush()
    return jv, member


def test_the_rule_agrees_for_sql_and_for_a_loaded_row(db_session, jv_of_suspended_member):
    jv, member = jv_of_suspended_member
    day = today()
    [suspension] = member.suspensions
    for when in (day - timedelta(days=2), day, day + timedelta(days=30), day + timedelta(days=31)):
        in_sql = db_session.scalar(select(in_force(when)).where(Suspension.id == suspension.id))
        assert bool(in_sql) == suspension.is_active_on(when)
    assert is_suspended(db_session, jv.id, day) and is_suspended(db_session, member.id, day)
    assert set(suspensions_in_force(db_session, [jv.id, member.id], day)) == {jv.id, member.id}


def test_jv_is_badged_on_the_list_and_matched_by_the_filter(staff_client, jv_of_suspended_member):
    html = page_text(staff_client.get("/registry/contractors?q=71001&status=all"))
    assert "一owner特定建設工事共同企業体" in html and "指名停止中" in html
    filtered = page_text(staff_client.get("/registry/contractors?q=71001&suspended=yes&status=all"))
    assert "一owner特定建設工事共同企業体" in filtered


def test_jv_is_marked_in_the_csv_and_excel_exports(staff_client, jv_of_suspended_member):
    body = staff_client.get("/registry/contractors?q=71001&format=csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][0] == "71001" and rows[1][rows[0].index("指名停止中")] == "指名停止中"
    book = load_workbook(io.BytesIO(staff_client.get("/registry/contractors?q=71001&format=xlsx").get_data()))
    sheet = book["業者一覧"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("指名停止中") + 1).value == "指名停止中"


def test_jv_header_shows_the_member_suspension(staff_client, jv_of_suspended_member):
    jv, _member = jv_of_suspended_member
    html = page_text(staff_client.get(f"/registry/contractors/{jv.id}"))
    assert "指名停止中（" in html and "構成員 株式会社一owner構成員 の停止による" in html


def test_scheduled_measure_shows_on_the_header_and_the_ledger(db_session, staff_client, create_contractor):
    firm = create_contractor("予定建設", number="71010")
    day = today()
    db_session.add(Suspension(contractor_id=firm.id, cause_code="breach", decided_on=day, starts_on=day + timedelta(days=2),
                              ends_on=day + timedelta(days=32), period_text="1か月", facts="契約違反"))
    db_session.flush()
    assert scheduled_suspensions(db_session, [firm.id], day)[firm.id]
    assert not is_suspended(db_session, firm.id, day)
    html = page_text(staff_client.get(f"/registry/contractors/{firm.id}"))
    assert "指名停止の予定（" in html
    definition = reports.get("contractor_ledger")
    document = definition.produce(db_session, definition.parse({"number": "71010"}, db_session))
    flat = " ".join(str(v) for row in document.rows for v in row)
    assert "【予定】" in flat and "なし" not in flat.split("指名停止")[-1][:20]


def test_jv_member_lookup_normalises_the_number(staff_client, create_contractor, db_session):
    create_contractor("全角構成員A", number="71021")
    create_contractor("全角構成員B", number="71022")
    response = staff_client.post("/registry/jvs/new", data={
        "name": "全角特定建設工事共同企業体", "member_0": "７１０２１", "share_0": "60", "member_1": "71022 ",
        "share_1": "40", "representative": "0"})
    assert response.status_code == 302, page_text(response)[:2000]
    [jv] = db_session.scalars(search_contractors(q="全角特定")).all()
    assert {m.member.number for m in jv.jv_members} == {"71021", "71022"}


def test_total_points_one_rule():
    assert RegisteredWorkType.points_total(None, 30, 20) is None
    assert RegisteredWorkType.points_total(1200, None, None) == 1200
    assert RegisteredWorkType.points_total(1200, 30, -10) == 1220
    assert RegisteredWorkType(objective_points=1200, subjective_points=-20).total_points == 1180
    assert RegisteredWorkType(objective_points=1200, subjective_points=-20, performance_points=20).total_points == 1200


@pytest.mark.parametrize("status, step, allowed", [
    ("draft", "submit", True), ("returned", "submit", True), ("submitted", "submit", False),
    ("submitted", "start_review", True), ("under_review", "start_review", False),
    ("under_review", "check", True), ("submitted", "check", False),
    ("submitted", "return", True), ("under_review", "reject", True), ("accepted", "reject", False),
    ("under_review", "accept", True), ("submitted", "accept", False), ("rejected", "return", False),
])
def test_application_transitions_follow_the_table(status, step, allowed):
    application = Application(status=status)
    assert application.can(step) is allowed
    if allowed:
        application.transition(step)
        assert application.status == (TRANSITIONS[step].target or status)
    else:
        with pytest.raises(InvalidTransition):
            application.transition(step)
        assert application.status == status


def test_period_status_one_rule_on_both_screens(staff_client, create_contractor):
    from datetime import date

    from registry.qualifications.models import Registration

    r = Registration(period_start=date(2025, 4, 1), period_end=date(2027, 3, 31))
    assert [r.period_status(d) for d in (date(2025, 3, 31), date(2025, 4, 1), date(2027, 3, 31), date(2027, 4, 1))] \
        == ["upcoming", "current", "current", "ended"]
    firm = create_contractor("期間建設")
    for url in (f"/registry/contractors/{firm.id}", f"/registry/contractors/{firm.id}/ranks"):
        assert "有効期間内" in page_text(staff_client.get(url)), url
