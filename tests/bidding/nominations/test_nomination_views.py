"""The 指名・参加者 tab over HTTP: the eligibility list with reasons, picking (with the override), the 指名通知,
applications and review; who may do what. The rules are tested on the services."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.cases import services as case_services
from bidding.nominations.models import CaseParticipant
from core.auth.roles import Role
from tests.helpers import page_text


@pytest.fixture
def case(db_session, make_case, contract_staff):
    c = make_case(required_qualification=None, min_points=None, notice_on=date(2026, 5, 15))
    case_services.approve_case(db_session, contract_staff, c)
    return c


def test_the_list_shows_each_firm_eligible_or_why_not(login_as, contract_staff, case, firm):
    firm("適格建設")
    firm("C等級建設", rank="C")
    client = login_as(contract_staff)
    text = page_text(client.get(f"/bidding/cases/{case.id}/nominations"))
    assert "適格建設" in text and "C等級建設" not in text
    text = page_text(client.get(f"/bidding/cases/{case.id}/nominations?show=ineligible"))
    assert "C等級建設" in text and "等級 C は参加できる等級（A・B）の外" in text


def test_pick_with_override_then_notify(login_as, contract_staff, case, firm, db_session):
    good = firm("適格建設")
    bad = firm("C等級建設", rank="C")
    client = login_as(contract_staff)
    url = f"/bidding/cases/{case.id}/nominations"
    response = client.post(url + "/pick", data={"pick": [str(good.id), str(bad.id)]})
    assert response.status_code == 422 and "C等級建設は参加資格の条件に該当しません" in page_text(response)
    assert db_session.query(CaseParticipant).count() == 0
    response = client.post(url + "/pick", data={"pick": [str(good.id), str(bad.id)],
                                                f"override-{bad.id}": "災害復旧で近隣の業者が必要"})
    assert response.status_code == 302
    assert db_session.query(CaseParticipant).count() == 2
    response = client.post(url + "/notify")
    assert response.status_code == 302
    db_session.refresh(case)
    assert case.state == "nominated"
    text = page_text(client.get(url))
    assert "指名済" in text and "災害復旧で近隣の業者が必要" in text


def test_department_staff_see_the_tab_but_cannot_pick(login_as, doboku_staff, case, firm):
    firm = firm("適格建設")
    client = login_as(doboku_staff)
    text = page_text(client.get(f"/bidding/cases/{case.id}/nominations"))
    assert "指名業者" in text and "チェックした業者を指名業者に選ぶ" not in text
    assert client.post(f"/bidding/cases/{case.id}/nominations/pick", data={"pick": [str(firm.id)]}).status_code == 403


def test_open_tender_application_and_one_click_review(login_as, contract_staff, db_session, make_case,
                                                      firm):
    case = make_case(method="open_post_review", required_qualification=None, min_points=None)
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    firm = firm("申請建設", number="80001", rank="B")
    client = login_as(contract_staff)
    url = f"/bidding/cases/{case.id}/nominations"
    response = client.post(url + "/apply", data={"number": "99999"})
    assert response.status_code == 422 and "登録されていません" in page_text(response)
    assert client.post(url + "/apply", data={"number": "80001", "applied_on": "2026-05-16"}).status_code == 302
    participant = db_session.query(CaseParticipant).one()
    response = client.post(f"{url}/{participant.id}/review", data={"decision": "admit"})
    assert response.status_code == 302
    db_session.refresh(participant)
    assert participant.status == "admitted" and participant.contractor_id == firm.id


def test_a_viewer_reads_only(login_as, create_user, case):
    viewer = login_as(create_user(Role.VIEWER))
    assert viewer.get(f"/bidding/cases/{case.id}/nominations").status_code == 200
    assert viewer.post(f"/bidding/cases/{case.id}/nominations/notify").status_code == 403
