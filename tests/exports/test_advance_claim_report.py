"""前払金請求受付票: the claim with its limit check, the 前払保証, the contract's 決裁 and the 支払期限."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.contracts import services as contracts
from core.errors import ValidationFailed
from tests.bidding.contracts.test_contract_services import _contract, awarded  # noqa: F401  (fixture)
from tests.exports.test_contract_reports import _build, _text


def test_the_advance_claim_form_names_the_claim_and_its_checks(db_session, awarded, contract_staff):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded, advance_guarantee="東日本建設業保証 第123号")
    with pytest.raises(ValidationFailed, match="前払金・中間前払金の請求がありません"):
        _build("advance_claim", db_session, {"case": awarded.number}, contract_staff)
    contracts.claim_payment(db_session, contract_staff, contract, kind="advance", amount=12_100_000,
                            claimed_on=date(2026, 6, 10))
    document = _build("advance_claim", db_session, {"case": awarded.number}, contract_staff)
    fields = dict(document.pages[0].blocks[2].rows)
    assert document.title == "前払金請求受付票" and fields["受付番号"] == "2026-K0001-1"
    assert fields["請求額"] == "12,100,000円" and fields["支払期限"] == "令和8年7月10日"  # 30 days by the rule
    checks = dict(document.pages[0].blocks[4].rows)
    assert checks["請求額が限度額以内"].startswith("適") and "12,100,000 円以内" in checks["請求額が限度額以内"]
    assert checks["前払保証"] == "東日本建設業保証 第123号" and checks["契約の決裁"].startswith("起案中")
    contracts.approve_contract(db_session, contract_staff, contract)
    document = _build("advance_claim", db_session, {"case": awarded.number, "claim": "1"}, contract_staff)
    assert dict(document.pages[0].blocks[4].rows)["契約の決裁"] == "決裁済" and _text(document) == "1"


def test_a_claim_that_is_not_an_advance_is_refused(db_session, awarded, contract_staff):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    contracts.claim_payment(db_session, contract_staff, contract, kind="advance", amount=12_000_000,
                            claimed_on=date(2026, 6, 10))
    contracts.claim_payment(db_session, contract_staff, contract, kind="partial", amount=5_000_000,
                            claimed_on=date(2026, 9, 10))
    for raw, words in (("2", "前払金・中間前払金の請求ではありません"), ("x", "数字"), ("9", "ではありません")):
        with pytest.raises(ValidationFailed) as info:
            _build("advance_claim", db_session, {"case": awarded.number, "claim": raw}, contract_staff)
        assert words in info.value.errors["claim"][0]


def test_another_department_cannot_print_it(db_session, awarded, contract_staff, kenchiku_staff):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    contracts.claim_payment(db_session, contract_staff, contract, kind="advance", amount=12_000_000,
                            claimed_on=date(2026, 6, 10))
    with pytest.raises(ValidationFailed):
        _build("advance_claim", db_session, {"case": awarded.number}, kenchiku_staff)
