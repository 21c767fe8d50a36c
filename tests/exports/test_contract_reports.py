"""Contract forms: the 契約書 with 契約金額 in 大字 and its tax, the 変更契約書 before/after, the 契約締結伺, the 検査調書
and the contract list; another department's staff cannot print them."""

from __future__ import annotations

import io
from datetime import date

import pikepdf
import pytest

from bidding.contracts import services as contracts
from bidding.inspections import services as inspections
from core.auth.roles import Role
from core.errors import ValidationFailed
from exports.render import render_pdf
from exports.reports import get
from tests.bidding.contracts.test_contract_services import _contract, awarded  # noqa: F401  (fixture)


def _text(document) -> str:
    data = render_pdf(document, "架空市", date(2026, 6, 1))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return str(len(pdf.pages))


def _build(name, session, params, actor):
    definition = get(name)
    return definition.build(session, definition.parse(params, session), actor)


def test_contract_document_writes_the_amount_in_daiji(db_session, awarded, contract_staff):  # noqa: F811
    _contract(db_session, contract_staff, awarded)
    document = _build("contract_document", db_session, {"case": awarded.number}, contract_staff)
    fields = dict(document.pages[0].blocks[2].rows)
    assert fields["請負代金額"].startswith("金参千弐拾五万円") and "2,750,000 円" in fields["請負代金額"]
    assert document.title == "工事請負契約書" and _text(document) == "1"


def test_change_document_shows_before_and_after(db_session, awarded, contract_staff):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    with pytest.raises(ValidationFailed):
        _build("change_document", db_session, {"case": awarded.number}, contract_staff)
    contracts.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1), reason="数量の増加",
                              amount_after=31_762_500, work_to_after=date(2027, 1, 29))
    document = _build("change_document", db_session, {"case": awarded.number, "seq": "1"}, contract_staff)
    rows = dict(document.pages[0].blocks[3].rows)
    assert rows["変更前の請負代金額"] == "金参千弐拾五万円" and rows["増減額"] == "+1,512,500 円"


def test_inspection_record_and_list(db_session, awarded, contract_staff, create_user):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    contracts.report_completion(db_session, contract_staff, contract, reported_on=date(2026, 12, 20))
    inspector = create_user(Role.INSPECTOR)
    done = inspections.assign_inspection(db_session, contract_staff, contract, kind="final", inspector=inspector,
                                         scheduled_on=date(2026, 12, 22))
    inspections.record_result(db_session, inspector, done, inspected_on=date(2026, 12, 22), result="pass")
    document = _build("inspection_record", db_session, {"case": awarded.number}, contract_staff)
    assert document.pages[0].blocks[-1].rows[0][3] == "合格"
    listing = _build("contracts", db_session, {}, contract_staff)
    assert list(listing.rows)[0][0] == contract.number


def test_another_department_cannot_print(db_session, awarded, contract_staff, kenchiku_staff):  # noqa: F811
    _contract(db_session, contract_staff, awarded)
    with pytest.raises(ValidationFailed, match="見つかりません"):
        _build("contract_document", db_session, {"case": awarded.number}, kenchiku_staff)
