"""Legacy case import (CM12) on the screen and the command line: the checklist per 年度 shown and printed, the JSON
report's ``checklist``, and the migrated case's pages (badge, 開札日 and 入札者数, no raw values)."""

from __future__ import annotations

import io
import json

from core.auth.roles import Role
from core.rules.catalogue import definitions
from tests.bidding.cases.conftest import LINES, SAMPLE, case_of, edit, encode, row
from tests.helpers import page_text
from tests.test_raw_values import raw_findings


def test_the_command_line_prints_the_checklist_and_writes_it_as_json(app, db_session, legacy_registry, tmp_path):
    source = tmp_path / "legacy_cases.csv"
    lines = [edit(x, 落札業者番号="999999") if x == row("2021-130-0001") else x for x in LINES]
    source.write_bytes(encode(lines))
    out = tmp_path / "report.json"
    result = app.test_cli_runner().invoke(args=["import", "cases", str(source), "--dry-run", "--report", str(out)])
    assert result.exit_code == 1, result.output
    assert "2021年度（令和3年度）: 案件数 11、契約数 10、契約金額（円・変更前） 1427597600" in result.output
    assert "3 行目［落札業者番号］「999999」: 落札業者番号「999999」の業者は登録されていません" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["checklist"]["by_fiscal_year"]["2021"] == {"cases": 11, "contracts": 10,
                                                             "contract_amount": 1_459_296_300 - 31_698_700}
    assert report["checklist"]["by_fiscal_year"]["2025"] == {"cases": 12, "contracts": 12,
                                                             "contract_amount": 1_940_747_600}
    assert [(r["row"], r["column"]) for r in report["rejected"]] == [(3, "落札業者番号")]


def test_the_import_screen_shows_the_checklist_then_commits(db_session, legacy_registry, admin_client):
    response = admin_client.post("/admin/imports/", data={
        "kind": "cases", "profile": "旧システム", "file": (io.BytesIO(SAMPLE.read_bytes()), "legacy_cases.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    html = page_text(admin_client.get(response.location))
    assert "事前確認" in html and "2021年度（令和3年度）" in html and "1,459,296,300" in html
    assert "契約金額（円・変更前）" in html and "8,507,942,300" in html
    batch_id = int(response.location.rsplit("/", 1)[1])
    done = admin_client.post(f"/admin/imports/{batch_id}/commit", data={})
    assert "取込済み" in page_text(admin_client.get(done.location))
    assert case_of(db_session, "2021-130-0001").state == "completed"


def test_a_migrated_case_on_its_pages(db_session, imported, create_user, login_as):
    client = login_as(create_user(Role.CONTRACT_STAFF))
    keys = [d.key for d in definitions()]
    problems = []
    for number in ("2021-130-0001", "2024-310-0002"):
        case = case_of(db_session, number)
        for tab in ("", "/bids", "/contract", "/history"):
            response = client.get(f"/bidding/cases/{case.id}{tab}")
            assert response.status_code == 200, (number, tab)
            html = page_text(response)
            assert "旧システムから" in html
            problems += [f"{number}{tab}: {p}" for p in raw_findings(html, keys, staff_only=True)]
    assert not problems, "\n".join(problems)
    case = case_of(db_session, "2021-130-0001")
    bids = page_text(client.get(f"/bidding/cases/{case.id}/bids"))
    assert "入札者数" in bids and "2 者（旧システムの記録）" in bids and "落札者の入札だけを記録しています" in bids
    assert "00:00" not in bids
    contract = page_text(client.get(f"/bidding/cases/{case.id}/contract"))
    assert "記録なし（旧システムから移行した契約のため）" in contract and "完成届の記録はありません" in contract
    opened = page_text(client.get(f"/bidding/cases/{case_of(db_session, '2024-310-0002').id}/bids"))
    assert "第1回の入札は記録していません" in opened
