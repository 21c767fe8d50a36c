"""Import kind ``grades`` (GR5, CM12): the sample's dry run and commit, the checklist per 年度 against hand-computed
files, every rejection with its reason, re-imports that change nothing or update by 契約番号, and the link to the
contracts the legacy case import made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bidding.contracts.models import Contract
from core.auth.roles import Role
from core.errors import PermissionDenied
from core.history import RecordHistory, history_of
from core.importing.models import ImportBatch
from core.rules import get_rule
from core.rules import services as rule_services
from grading.rules import FORMULA_KEY
from grading.works.models import GradedWork
from tests.bidding.cases.conftest import imported, legacy_registry  # noqa: F401  (fixtures)
from tests.grading.grades_support import HEADER, SAMPLE, grade_row, grades_file, run_grades


def _works(session) -> int:
    return session.scalar(select(func.count()).select_from(GradedWork))


def _work(session, number: str) -> GradedWork:
    return session.scalar(select(GradedWork).where(GradedWork.contract_number == number))


def _history(session) -> int:
    return session.scalar(select(func.count()).select_from(RecordHistory).where(
        RecordHistory.target_type == "graded_works"))


class TestSample:
    def test_dry_run_accepts_every_row_and_writes_nothing(self, db_session, legacy_registry):  # noqa: F811
        report = run_grades(db_session, SAMPLE.read_bytes(), dry_run=True)
        assert (report.total, report.new, report.rejected_rows, report.encoding) == (360, 360, 0, "cp932")
        assert _works(db_session) == 0
        years = report.as_dict()["checklist"]["by_fiscal_year"]
        assert list(years) == [str(y) for y in range(2016, 2026)]
        assert sum(y["works"] for y in years.values()) == 360 == report.as_dict()["checklist"]["total"]["works"]

    def test_commit_then_the_same_file_again_changes_nothing(self, db_session, legacy_registry):  # noqa: F811
        report = run_grades(db_session, SAMPLE.read_bytes())
        assert report.committed and report.new == 360 and _works(db_session) == 360
        work = _work(db_session, "K2016-101210")  # K2016-101210,華城地区集会所新築工事,100014,66,H29.2.23,020,210,38816000
        assert (work.name, work.contractor.number, work.final_score, work.completed_on, work.fiscal_year) == (
            "華城地区集会所新築工事", "100014", Decimal("66.0"), date(2017, 2, 23), 2016)
        assert (work.work_type_code, work.department.code, work.contract_amount) == ("020", "210", 38_816_000)
        assert (work.source, work.state, work.contract_id, work.grading_table) == ("import", "notified", None, None)
        assert work.import_batch_id == report.batch_id
        assert report.summary["取込の記録"] == {"この取込で登録・更新した工事": 360}
        [created] = history_of(db_session, "graded_works", work.id)
        assert created.operation == "grading.import" and created.change_map["final_score"] == [None, "66.0"]
        count = _history(db_session)
        again = run_grades(db_session, SAMPLE.read_bytes())
        assert (again.new, again.updated, again.unchanged, again.rejected_rows) == (0, 0, 360, 0)
        assert _works(db_session) == 360 and _history(db_session) == count
        db_session.refresh(work)
        assert work.import_batch_id == report.batch_id  # the batch that wrote it


class TestChecklist:
    def test_per_fiscal_year_by_hand(self, db_session, legacy_registry):  # noqa: F811
        """FY2019 (平成31年3月31日 is FY2018): 80 + 75 → 77.50; FY2018: 70 and 71 → 70.50; FY2020: 81.
        R2.3.31 is still FY2019 — 80, 75 and 82 → 79.00."""
        rows = [grade_row("A1", 評定点="80", 完成日="令和元年5月10日"), grade_row("A2", 評定点="75", 完成日="2019/11/30"),
                grade_row("A3", 評定点="70", 完成日="H31.3.31"), grade_row("A4", 評定点="71", 完成日="2018-04-01"),
                grade_row("A5", 評定点="82", 完成日="R2.3.31"), grade_row("A6", 評定点="81", 完成日="R2.4.1")]
        report = run_grades(db_session, grades_file(rows), dry_run=True)
        checklist = report.as_dict()["checklist"]
        assert checklist["by_fiscal_year"] == {
            "2018": {"works": 2, "average": "70.50", "linked": 0},
            "2019": {"works": 3, "average": "79.00", "linked": 0},
            "2020": {"works": 1, "average": "81.00", "linked": 0}}
        assert checklist["total"] == {"works": 6, "average": "76.50", "linked": 0}  # 459 / 6
        assert report.summary["2019年度（令和元年度）"] == {"工事数": 3, "平均点": "79.00", "本システムの契約と結び付く工事": 0}

    def test_the_legacy_number_profile(self, db_session, legacy_registry):  # noqa: F811
        header = ["工事番号" if h == "契約番号" else h for h in HEADER]
        rows = [{"工事番号": "H30-0001", **{k: v for k, v in grade_row().items() if k != "契約番号"}}]
        report = run_grades(db_session, grades_file(rows, header), profile="旧システム（工事番号）")
        assert report.committed and report.new == 1 and _work(db_session, "H30-0001").final_score == 78


class TestRejections:
    @pytest.mark.parametrize(("cells", "column", "reason"), [
        ({"業者番号": "999999"}, "業者番号", "業者番号「999999」の業者は登録されていません"),
        ({"担当課コード": "999"}, "担当課コード", "担当課コード「999」の部署は登録されていません"),
        ({"業種コード": "999"}, "業種コード", "業種コード「999」はコード表にありません"),
        ({"業種コード": "510"}, "業種コード", "建設工事の業種ではありません"),
        ({"評定点": "100.5"}, "評定点", "0〜100 の範囲外"),
        ({"評定点": "-1"}, "評定点", "0〜100 の範囲外"),
        ({"評定点": "良"}, "評定点", "数値ではありません"),
        ({"評定点": "78.5"}, "評定点", "小数点以下の桁数"),
        ({"評定点": ""}, "評定点", "評定点が空です"),
        ({"完成日": "令和3年2月30日"}, "完成日", ""),
        ({"完成日": "2099/04/01"}, "完成日", "今日より後"),
        ({"契約番号": ""}, "契約番号", "契約番号が空です"),
        ({"最終契約金額": ""}, "最終契約金額", "最終契約金額が必要です"),
        ({"最終契約金額": "0"}, "最終契約金額", "1 円以上"),
    ])
    def test_each_reason_names_the_column_and_nothing_is_written(  # noqa: F811
            self, db_session, legacy_registry, cells, column, reason):  # noqa: F811
        rows = [grade_row("OK-1"), grade_row("BAD-1", **cells)]
        report = run_grades(db_session, grades_file(rows))
        assert report.rejected_rows == 1 and not report.committed
        [rejection] = report.rejected
        assert (rejection.row, rejection.column) == (3, column) and reason in rejection.reason
        assert _works(db_session) == 0  # a file with a bad row changes nothing

    def test_whole_points_ending_in_zero_are_whole(self, db_session, legacy_registry):  # noqa: F811
        report = run_grades(db_session, grades_file([grade_row(評定点="７８．０")]))
        assert report.committed and _work(db_session, "K2020-101110").final_score == Decimal("78.0")

    def test_a_rule_with_one_place_accepts_tenths(self, db_session, legacy_registry, admin):  # noqa: F811
        values = get_rule(db_session, FORMULA_KEY, date(2020, 4, 1))
        rule_services.add_rule_version(db_session, admin, FORMULA_KEY, date(2020, 4, 1), {**values, "final_places": 1},
                                       "小数第1位まで（テスト）")
        report = run_grades(db_session, grades_file([grade_row("B1", 評定点="78.5"),
                                                     grade_row("B2", 評定点="78.5", 完成日="H31.3.31"),
                                                     grade_row("B3", 評定点="78.25")]))
        assert [(r.row, r.column) for r in report.rejected] == [(3, "評定点"), (4, "評定点")]  # before 2020-04-01: 0 places
        assert "1 桁" in report.rejected[1].reason

    def test_a_work_graded_in_this_system_is_never_overwritten(self, db_session, work):
        # ``work`` is graded in this system under its contract's number (fixtures of tests/grading/conftest.py).
        row = grade_row(work.contract_number, 業者番号=work.contractor.number, 担当課コード=work.department.code)
        report = run_grades(db_session, grades_file([row]), skip_rejected=True)
        [rejection] = report.rejected
        assert rejection.column == "契約番号" and "本システムで評定した工事" in rejection.reason
        db_session.refresh(work)
        assert (work.source, work.name, work.state) == ("system", "市道中央線道路改良工事", "pending")

    def test_only_the_contract_section_imports(self, db_session, legacy_registry, create_user):  # noqa: F811
        with pytest.raises(PermissionDenied):
            run_grades(db_session, grades_file([grade_row()]), actor=create_user(Role.DEPARTMENT_STAFF))
        report = run_grades(db_session, grades_file([grade_row()]), actor=create_user(Role.CONTRACT_STAFF))
        assert report.committed and _works(db_session) == 1


class TestReimport:
    def test_a_corrected_row_updates_by_number(self, db_session, legacy_registry):  # noqa: F811
        run_grades(db_session, grades_file([grade_row("C1"), grade_row("C2")]))
        report = run_grades(db_session, grades_file([grade_row("C1", 評定点="81", 工事名="中関地区道路改良工事（その2）"),
                                                     grade_row("C2")]))
        assert (report.new, report.updated, report.unchanged) == (0, 1, 1) and _works(db_session) == 2
        work = _work(db_session, "C1")
        assert (work.final_score, work.name) == (Decimal("81.0"), "中関地区道路改良工事（その2）")
        update = history_of(db_session, "graded_works", work.id)[-1]
        assert update.operation == "grading.import_update"
        assert update.change_map == {"final_score": ["78.0", "81.0"], "name": ["中関地区道路改良工事",
                                                                              "中関地区道路改良工事（その2）"]}
        assert work.import_batch_id == report.batch_id
        assert db_session.get(ImportBatch, report.batch_id).updated == 1


class TestContracts:
    def test_a_row_of_a_migrated_contract_is_linked_and_takes_its_amount(self, db_session, imported):  # noqa: F811
        """K2021-001130 (legacy_cases.csv): 100004, 020, 河川港湾課, 変更後契約金額 32,814,700, 完成 令和4年2月14日."""
        contract = db_session.scalar(select(Contract).where(Contract.number == "K2021-001130"))
        row = grade_row("K2021-001130", 業者番号="100004", 業種コード="020", 担当課コード="130", 完成日="令和4年2月14日",
                        最終契約金額="")
        report = run_grades(db_session, grades_file([row]))
        assert report.committed and report.as_dict()["checklist"]["total"]["linked"] == 1
        work = _work(db_session, "K2021-001130")
        assert (work.contract_id, work.contract_amount, work.fiscal_year) == (contract.id, 32_814_700, 2021)

    def test_the_sample_links_every_completed_case(self, db_session, imported):  # noqa: F811
        report = run_grades(db_session, SAMPLE.read_bytes())
        assert report.committed and report.as_dict()["checklist"]["total"]["linked"] == 52  # the 52 完成 cases
        linked = db_session.scalar(select(func.count()).select_from(GradedWork).where(GradedWork.contract_id.is_not(None)))
        assert linked == 52

    def test_a_contract_imported_later_is_linked_on_reimport(self, db_session, legacy_registry):  # noqa: F811
        from tests.bidding.cases.conftest import SAMPLE as CASES
        from tests.bidding.cases.conftest import run

        rows = [grade_row("K2021-001130", 業者番号="100004", 業種コード="020", 担当課コード="130", 完成日="令和4年2月14日")]
        run_grades(db_session, grades_file(rows))
        assert _work(db_session, "K2021-001130").contract_id is None
        run(db_session, CASES.read_bytes())
        report = run_grades(db_session, grades_file(rows))
        assert report.updated == 1
        assert _work(db_session, "K2021-001130").contract.number == "K2021-001130"

    def test_a_contract_of_another_firm_refuses_the_row(self, db_session, imported):  # noqa: F811
        row = grade_row("K2021-001130", 業者番号="100017", 業種コード="020", 担当課コード="130")
        report = run_grades(db_session, grades_file([row]))
        [rejection] = report.rejected
        assert rejection.column == "業者番号" and "業者番号 100004" in rejection.reason
