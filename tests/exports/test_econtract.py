"""The e-contract bundle: the contract's PDFs and econtract.json with the parties, amounts, dates and the SHA-256
of every document; the command writes it to a folder, the 契約 tab serves it as a ZIP (contract section, in scope)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

from bidding.contracts import services as contracts
from tests.bidding.contracts.test_contract_services import _contract, awarded  # noqa: F401  (fixture)


def test_the_command_writes_the_documents_and_their_hashes(app, db_session, awarded, contract_staff, tmp_path):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    contracts.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1), reason="数量の増加",
                              amount_after=31_762_500, work_to_after=date(2027, 1, 29))
    db_session.flush()
    result = app.test_cli_runner().invoke(args=["contracts", "export-econtract", contract.number, "--out",
                                                str(tmp_path)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "econtract.json").read_text(encoding="utf-8"))
    assert meta["contract"]["amount"] == 31_762_500 and meta["contract"]["original_amount"] == 30_250_000
    assert meta["parties"]["contractor"]["name"] == "契約建設" and len(meta["documents"]) == 2
    for doc in meta["documents"]:
        assert hashlib.sha256((tmp_path / doc["file"]).read_bytes()).hexdigest() == doc["sha256"]
    assert app.test_cli_runner().invoke(args=["contracts", "export-econtract", "NO-SUCH", "--out",
                                              str(tmp_path)]).exit_code != 0


def test_the_zip_download_is_for_the_contract_section(login_as, db_session, awarded, contract_staff,  # noqa: F811
                                                      doboku_staff):
    _contract(db_session, contract_staff, awarded)
    response = login_as(contract_staff).get(f"/exports/econtract/{awarded.id}.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "econtract.json" in names and any(n.endswith(".pdf") for n in names)
    assert login_as(doboku_staff).get(f"/exports/econtract/{awarded.id}.zip").status_code == 403
