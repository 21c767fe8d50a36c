"""E-bid import (CM8) beyond the sample: another city's layout through a profile (columns in another order, 開札日 as
R08.01.03 and 令和8年1月3日 mixed, amounts with commas, its own result words), firms by 法人番号 and name
suggestions, each kind of warning, the profile's checks, the command line and the import screens."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from bidding.bids.models import Award, Bid
from bidding.cases.models import TenderCase
from core.errors import ValidationFailed
from core.importing import profiles
from core.importing.models import ImportBatch
from core.jp import parse_date
from registry.suspensions.models import Suspension
from tests.bidding.bids.conftest import (
    AMOUNT,
    FIRM,
    FIRM_NAME,
    FLOOR,
    METHOD,
    NAME,
    NUMBER,
    OPENING,
    PLANNED,
    RESULT,
    ROUND,
    SAMPLE,
    encode,
    rows_of,
    sample_rows,
)
from tests.helpers import page_text

OTHER_HEADER = ["工事番号", "開札年月日", "業者コード", "商号又は名称", "回数", "入札額（税抜）", "入札結果", "工事名",
                "入札方法", "予定価格（税抜）", "最低制限価格（税抜）"]
OTHER_PROFILE = {
    "encoding": "auto", "has_header": True,
    "columns": {"case_number": "工事番号", "opening_on": "開札年月日", "firm_number": "業者コード", "firm_name": "商号又は名称",
                "round": "回数", "amount": "入札額（税抜）", "result": "入札結果", "case_name": "工事名", "method": "入札方法",
                "planned_price": "予定価格（税抜）", "floor_price": "最低制限価格（税抜）"},
    "keys": ["case_number", "round", "firm_number"],
    "results": {"落札者": "award", "": "valid", "失格(最低制限価格未満)": "below_minimum", "予定価格超過": "over_planned",
                "入札辞退": "declined", "無効（記名なし）": "invalid:unsigned"},
    "methods": {"一般競争": "open_restricted", "指名競争": "nominated"},
}
WORDS = {"落札": "落札者", "辞退": "入札辞退"}
METHODS = {"一般競争入札": "一般競争", "指名競争入札": "指名競争"}


def _short_era(text: str) -> str:
    day = parse_date(text)
    return f"R{day.year - 2018:02d}.{day.month:02d}.{day.day:02d}"


def other_city_rows() -> list[list[str]]:
    """The sample in the other city's layout: its column order and words, 開札日 in both 和暦 forms, commas."""
    rows = [OTHER_HEADER]
    for n, cells in enumerate(sample_rows()[1:]):
        opening = _short_era(cells[OPENING]) if n % 2 else cells[OPENING]
        money = [f"{int(cells[i]):,}" if cells[i] else "" for i in (AMOUNT, PLANNED, FLOOR)]
        rows.append([cells[NUMBER], opening, cells[FIRM], cells[FIRM_NAME], cells[ROUND], money[0],
                     WORDS.get(cells[RESULT], cells[RESULT]), cells[NAME], METHODS[cells[METHOD]], money[1], money[2]])
    return rows


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def other_city(db_session, kind, admin):
    profiles.save_profile(db_session, admin, kind, name="隣市の電子入札", description="", settings=OTHER_PROFILE,
                          create=True)
    return "隣市の電子入札"


class TestOtherCity:
    def test_layout_words_dates_and_commas_through_the_profile(self, db_session, departments, firms, run, other_city):
        rows = other_city_rows()
        mixed = [rows[i][1] for i in rows_of(rows, "2025-510-0012")]
        assert mixed == ["令和8年1月3日", "R08.01.03", "令和8年1月3日"] and rows[2][5] == "106,016,000"
        report = run(encode(rows, "utf-8-sig"), create=True, profile=other_city)
        assert report.committed and (report.new, report.rejected_rows) == (99, 0), report.rejected[:3]
        data = report.as_dict()
        assert data["cases"] == {"matched": 0, "created": 20, "unmatched": 0} and (data["awards"], data["no_award"]) == (
            17, 3)
        case = db_session.scalar(select(TenderCase).where(TenderCase.number == "2025-510-0012"))
        assert case.opening_at.date() == date(2026, 1, 3) and case.method == "nominated" and case.fiscal_year == 2025
        award = db_session.scalar(select(Award).where(Award.case_id == case.id))
        assert (award.contractor.number, award.amount) == ("100050", 173470000)
        # The same results as the sample's layout: importing the sample now changes nothing.
        again = run(SAMPLE.read_bytes(), create=True)
        assert (again.new, again.updated, again.unchanged) == (0, 0, 99)

    def test_its_own_invalid_word_with_a_reason_code(self, db_session, departments, firms, run, other_city):
        rows = other_city_rows()
        rows[3][6] = "無効（記名なし）"
        run(encode(rows), create=True, profile=other_city)
        bid = db_session.scalar(select(Bid).join(TenderCase).where(TenderCase.number == "2025-310-0001",
                                                                   Bid.amount == 113584000))
        assert (bid.status, bid.invalid_reason) == ("invalid", "unsigned")

    def test_the_standard_words_are_not_its_words(self, db_session, departments, firms, run, other_city):
        rows = other_city_rows()
        rows[2][6] = "落札"
        [rejected] = run(encode(rows), create=True, profile=other_city, dry_run=True).rejected
        assert rejected.row == 3 and rejected.column == "結果" and "「落札者」" in rejected.reason

    @pytest.mark.parametrize("settings, words", [
        ({"results": {"落札": "win"}}, "「win」は使えません"),
        ({"results": {"": "valid"}}, "落札（award）"),
        ({"methods": {"一般競争": "open"}}, "方式コード「open」"),
        ({"case_number_pattern": r"(?P<fy>\d{4})"}, "year と department"),
        ({"case_number_pattern": "(["}, "正規表現"),
        ({"work_types": [["舗装"]]}, "work_types"),
    ])
    def test_profile_settings_are_checked(self, db_session, kind, admin, settings, words):
        with pytest.raises(ValidationFailed) as info:
            profiles.save_profile(db_session, admin, kind, name="壊れ", description="",
                                  settings={**OTHER_PROFILE, **settings})
        assert words in " ".join(info.value.errors["config"])


class TestFirms:
    def test_by_corporate_number_then_leading_zeros_and_width(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[0].append("法人番号")
        for cells in rows[1:]:
            cells.append("")
        rows[3][FIRM], rows[3][-1] = "999999", "1100017000000"  # 金子電気: unknown 業者番号, its 法人番号
        rows[2][FIRM] = "0100055"
        rows[4][FIRM] = "１０００２５"
        report = run(encode(rows), create=True)
        assert report.rejected_rows == 0 and report.summary["業者の照合（業者数）"]["法人番号で一致"] == 1
        bid = db_session.scalar(select(Bid).where(Bid.amount == 113584000))
        assert bid.contractor.number == "100017"
        assert {b.contractor.number for b in db_session.scalars(select(Bid).where(Bid.amount.in_((106016000,
                                                                                                  99642000))))} == {
            "100055", "100025"}

    def test_unknown_firm_refused_with_the_closest_names(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[2][FIRM], rows[2][FIRM_NAME] = "999998", "株式会社堀舗道（本店）"
        report = run(encode(rows), create=True, dry_run=True)
        [rejected] = report.rejected
        assert (rejected.row, rejected.column, rejected.value) == (3, "業者番号", "999998")
        assert "登録されていません" in rejected.reason and "100055 株式会社堀舗道" in rejected.reason
        [firm] = report.as_dict()["unmatched_firms"]
        assert firm["number"] == "999998" and firm["rows"] == 1 and firm["suggestions"][0] == "100055 株式会社堀舗道"
        assert report.summary["業者の照合（業者数）"]["見つからない業者"] == 1

    def test_a_name_that_differs_is_warned(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[2][FIRM_NAME] = "株式会社ホリ舗道"
        warnings = run(encode(rows), create=True, dry_run=True).as_dict()["warnings"]
        assert [(w["row"], w["case"]) for w in warnings] == [(3, "2025-310-0001")]
        assert "登録名「株式会社堀舗道」と異なります" in warnings[0]["message"]


class TestWarnings:
    def test_each_disagreement_with_keiyakus_view(self, db_session, departments, firms, run):
        rows = sample_rows()
        r06 = rows_of(rows, "2025-310-0006")
        assert [rows[i][FIRM] for i in r06] == ["100036", "100018", "100026", "100052"]
        rows[r06[0]][RESULT], rows[r06[2]][RESULT] = "", "落札"  # 85,534,000 wins over 81,681,000
        r02 = rows_of(rows, "2025-110-0002")
        assert rows[r02[1]][FIRM] == "100052"
        rows[r02[1]][RESULT] = ""  # 11,359,000 below the floor 11,543,000, called valid
        r01 = rows_of(rows, "2025-310-0001")
        rows[r01[2]][RESULT] = "失格（最低制限価格未満）"  # 113,584,000: within the range
        r03 = rows_of(rows, "2025-110-0003")
        rows[r03[0]][RESULT] = ""  # 109,365,000 over the 予定価格 107,430,000
        db_session.add(Suspension(contractor_id=firms["100021"].id, cause_code="breach", decided_on=date(2025, 5, 1),
                                  starts_on=date(2025, 5, 10), ends_on=date(2025, 6, 9), period_text="1か月", facts="x"))
        db_session.flush()
        report = run(encode(rows), create=True)
        assert report.committed  # warnings never block
        found = {(w["row"], w["case"]): w["message"] for w in report.as_dict()["warnings"]}
        assert "有効な最低価格の入札ではありません（最低は 100036 株式会社原田組 81,681,000 円" in found[
            (r06[2] + 1, "2025-310-0006")]
        assert "最低制限価格（11,543,000 円）を下回っていますが、ファイルでは「有効」です" in found[(r02[1] + 1, "2025-110-0002")]
        assert "有効と計算されますが、ファイルでは「失格（最低制限価格未満）」です" in found[(r01[2] + 1, "2025-310-0001")]
        assert "予定価格（107,430,000 円）を超えていますが" in found[(r03[0] + 1, "2025-110-0003")]
        winner = next(i for i in r02 if rows[i][RESULT] == "落札")
        suspended = found[(winner + 1, "2025-110-0002")]
        assert "落札者 100021 合同会社中川管工業 は開札日（令和7年5月19日）に指名停止中です" in suspended
        assert len(found) == 5
        # The file's decisions are recorded as given.
        award = db_session.scalar(select(Award).join(TenderCase).where(TenderCase.number == "2025-310-0006"))
        assert award.amount == 85534000


class TestCommandLine:
    def test_flag_dry_run_and_json_report(self, app, db_session, departments, firms, tmp_path):
        source = tmp_path / "ebid.csv"
        source.write_bytes(SAMPLE.read_bytes())
        out = tmp_path / "report.json"
        runner = app.test_cli_runner()
        result = runner.invoke(args=["import", "ebid_results", str(source), "--create-missing-cases", "--dry-run",
                                     "--report", str(out)])
        assert result.exit_code == 0, result.output
        assert "指定: Keiyaku にない案件を" in result.output and "案件の照合" in result.output
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["cases"] == {"matched": 0, "created": 20, "unmatched": 0}
        assert (report["awards"], report["no_award"], report["warnings"]) == (17, 3, [])
        assert report["options"] == {"create_missing_cases": True}
        without = runner.invoke(args=["import", "ebid_results", str(source), "--dry-run"])
        assert without.exit_code == 1 and "Keiyaku にありません" in without.output
        assert _count(db_session, TenderCase) == 0

    def test_flag_of_another_kind_refused(self, app, tmp_path):
        source = tmp_path / "staff.csv"
        source.write_text("ログインID,氏名\r\nx,y\r\n", encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["import", "users", str(source), "--create-missing-cases"])
        assert result.exit_code == 2 and "指定はありません" in result.output

    def test_help_shows_the_flag(self, app):
        result = app.test_cli_runner().invoke(args=["import", "--help"])
        assert "--create-missing-cases" in result.output and "ebid_results" in result.output


class TestScreens:
    def _upload(self, client, data: bytes, **extra):
        return client.post("/admin/imports/", data={"kind": "ebid_results", "profile": "電子入札（標準）",
                                                    "file": (io.BytesIO(data), "ebid.csv"), **extra},
                           content_type="multipart/form-data")

    def test_option_checkbox_shown_for_the_kind(self, admin_client):
        html = admin_client.get("/admin/imports/?kind=ebid_results").get_data(as_text=True)
        assert 'name="option" value="create_missing_cases"' in html and 'data-kind-options="ebid_results">' in html
        assert "Keiyaku にない案件を、ファイルの案件の列から登録する" in html

    def test_dry_run_with_the_option_then_commit_keeps_it(self, admin_client, db_session, departments, firms):
        response = self._upload(admin_client, SAMPLE.read_bytes(), option="create_missing_cases")
        assert response.status_code == 302
        batch = db_session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
        assert batch.option_values == {"create_missing_cases": True} and batch.dry_run
        text = page_text(admin_client.get(response.location))
        assert "取込の指定" in text and "Keiyaku にない案件を、ファイルの案件の列から登録する" in text
        assert "ファイルから登録する案件" in text
        done = admin_client.post(f"/admin/imports/{batch.id}/commit", data={})
        run = db_session.get(ImportBatch, int(done.location.rsplit("/", 1)[-1]))
        assert run.committed and run.option_values == {"create_missing_cases": True}
        assert _count(db_session, TenderCase) == 20

    def test_warnings_on_the_batch_page_and_as_csv(self, admin_client, db_session, departments, firms):
        rows = sample_rows()
        rows[3][RESULT] = "失格（最低制限価格未満）"
        response = self._upload(admin_client, encode(rows), option="create_missing_cases")
        batch_id = int(response.location.rsplit("/", 1)[-1])
        text = page_text(admin_client.get(response.location))
        assert "確認が必要な点（警告）" in text and "有効と計算されますが" in text
        csv_text = admin_client.get(f"/admin/imports/{batch_id}/warnings.csv").get_data().decode("utf-8-sig")
        assert csv_text.splitlines()[0] == "行,案件番号,内容" and "4,2025-310-0001," in csv_text

    def test_without_the_option_unknown_cases_are_rejected_rows(self, admin_client, db_session, departments, firms):
        response = self._upload(admin_client, SAMPLE.read_bytes())
        batch = db_session.get(ImportBatch, int(response.location.rsplit("/", 1)[-1]))
        assert batch.option_values == {} and batch.rejected == 99
        assert "取込の指定" in page_text(admin_client.get(response.location))
