"""Legacy case import (CM12): the file's 担当課名 against the registered department. Rows are matched by 担当課コード
only, so a department renamed over the years never refuses a row; the dry run lists each such row as a warning (on
the screen, in its CSV, in the JSON report and printed by the command line); the same name, compared after NFKC
and trimming, gives none."""

from __future__ import annotations

import io
import json

from tests.bidding.cases.conftest import LINES, SAMPLE, case_of, cell, edit, encode, run
from tests.helpers import page_text

#: Two rows of 土木課 (code 110) written with the department's former name; rows 11 and 17 of the file.
RENAMED = {"2021-110-0001": 11, "2022-110-0003": 17}
MESSAGE = ("担当課名「建設課」が登録の部署名「土木課」と異なります（担当課コード 110 の部署として取り込みます）。"
           "部署名の変更か、コードの誤りかを確かめてください。")


def _renamed() -> bytes:
    return encode([edit(x, 担当課名="建設課") if cell(x, "案件番号") in RENAMED else x for x in LINES])


def _listed(report: dict) -> list[tuple]:
    return [(w["row"], w["case"], w["department_code"], w["file_name"], w["registered_name"])
            for w in report["warnings"]]


def test_a_renamed_department_imports_and_is_listed(db_session, legacy_registry):
    report = run(db_session, _renamed(), dry_run=True)
    assert (report.total, report.new, report.rejected_rows) == (60, 60, 0)
    data = report.as_dict()
    assert _listed(data) == [(11, "2021-110-0001", "110", "建設課", "土木課"), (17, "2022-110-0003", "110", "建設課", "土木課")]
    assert data["warnings"][0]["message"] == MESSAGE and data["warning_count"] == 2
    assert data["checklist"]["total"]["cases"] == 60  # the warned rows are counted like the others

    report = run(db_session, _renamed())
    assert report.committed and report.new == 60
    for number in RENAMED:
        case = case_of(db_session, number)
        assert case.department_id == legacy_registry["110"].id and case.department.name == "土木課"


def test_the_same_name_gives_no_warning(db_session, legacy_registry):
    data = run(db_session, SAMPLE.read_bytes(), dry_run=True).as_dict()
    assert data["warnings"] == [] and data["warning_count"] == 0


def test_names_are_compared_after_nfkc_and_trimming(db_session, legacy_registry):
    """The compatibility ideograph U+FA19 (kept by the import's name tidying as CP932 sent it) is 神 U+795E
    under NFKC; spaces around the registered name do not count; a row without 担当課名 has nothing to compare.
    Another name still warns."""
    legacy_registry["120"].name = "神田道路課"
    legacy_registry["510"].name = "\u3000農林漁港整備課 "
    db_session.flush()
    lines = [edit(x, 担当課名="\ufa19田道路課") if cell(x, "担当課コード") == "120" else x for x in LINES]
    lines = [edit(x, 担当課名="") if cell(x, "案件番号") == "2021-130-0001" else x for x in lines]
    data = run(db_session, encode(lines), dry_run=True).as_dict()
    assert (data["new"], data["rejected"], data["warnings"]) == (60, [], [])

    lines = [edit(x, 担当課名="神田道路事務所") if cell(x, "案件番号") == "2025-120-0001" else x for x in lines]
    data = run(db_session, encode(lines), dry_run=True).as_dict()
    assert _listed(data) == [(60, "2025-120-0001", "120", "神田道路事務所", "神田道路課")]


def test_the_dry_run_screen_and_its_csv_list_them(db_session, legacy_registry, admin_client):
    response = admin_client.post("/admin/imports/", data={
        "kind": "cases", "profile": "旧システム", "file": (io.BytesIO(_renamed()), "legacy_cases.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    html = page_text(admin_client.get(response.location))
    assert "確認が必要な点（警告）" in html and "2 件" in html
    assert "担当課名（ファイル）" in html and "部署名（登録）" in html and MESSAGE in html
    batch_id = int(response.location.rsplit("/", 1)[1])
    csv_text = admin_client.get(f"/admin/imports/{batch_id}/warnings.csv").get_data().decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0] == "行,案件番号,担当課コード,担当課名（ファイル）,部署名（登録）,内容"
    assert lines[1] == f"11,2021-110-0001,110,建設課,土木課,{MESSAGE}"


def test_the_command_line_prints_them_and_writes_them_as_json(app, db_session, legacy_registry, tmp_path):
    source, out = tmp_path / "legacy_cases.csv", tmp_path / "report.json"
    source.write_bytes(_renamed())
    result = app.test_cli_runner().invoke(args=["import", "cases", str(source), "--dry-run", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "警告 2 件（取込は止めません）:" in result.output
    assert f"  11 行目［2021-110-0001］［110］［建設課］［土木課］: {MESSAGE}" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert _listed(report)[1] == (17, "2022-110-0003", "110", "建設課", "土木課") and report["warning_count"] == 2
