"""Inspections over HTTP: the contract section assigns from the 契約 tab; the assigned 検査員 sees it in the worklist
and records the result; another 検査員 gets 404 (not revealed) and cannot record; department staff get 403."""

from __future__ import annotations

from datetime import date

from bidding.contracts import services as contracts
from bidding.inspections.models import Inspection
from core.auth.roles import Role
from tests.bidding.contracts.test_contract_services import _contract, awarded  # noqa: F401  (fixture)
from tests.helpers import page_text


def test_assigned_inspector_records_the_final_inspection(login_as, create_user, contract_staff, awarded,  # noqa: F811
                                                         db_session, doboku_staff):
    contract = _contract(db_session, contract_staff, awarded)
    contracts.report_completion(db_session, contract_staff, contract, reported_on=date(2026, 12, 20))
    inspector, other = create_user(Role.INSPECTOR, name="検査 一郎"), create_user(Role.INSPECTOR, name="検査 二郎")
    staff = login_as(contract_staff)
    response = staff.post(f"/bidding/cases/{awarded.id}/contract/inspections",
                          data={"assign-kind": "final", "assign-inspector_id": str(inspector.id),
                                "assign-scheduled_on": "2026-12-22"})
    assert response.status_code == 302
    inspection = db_session.query(Inspection).one()
    mine = login_as(inspector)
    assert "完成検査" in page_text(mine.get("/bidding/inspections"))
    url = f"/bidding/inspections/{inspection.id}"
    assert login_as(other).get(url).status_code == 404
    assert "指定された検査はありません" in page_text(login_as(other).get("/bidding/inspections"))
    assert login_as(other).post(url + "/result", data={"result": "pass"}).status_code == 404
    assert login_as(doboku_staff).get(url).status_code == 403
    response = mine.post(url + "/result", data={"inspected_on": "2026-12-22", "result": "pass", "remarks": "良好"})
    assert response.status_code == 302
    db_session.refresh(contract)
    assert contract.state == "completed" and contract.completed_on == date(2026, 12, 22)
