"""Budget import (CM7): create, update by key and never duplicate, lines a newer file no longer holds flagged,
執行残額 checked, a changed layout refused, CP932 and UTF-8 (BOM) files, names kept when the file has none."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bidding.budget.models import BudgetLine, BudgetLineImport
from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.history import RecordHistory
from core.importing.models import ImportBatch
from core.timefmt import today
from tests.bidding.budget.conftest import SAMPLE, encode, replace_cell, sample_lines

# Columns of the sample: 年度,会計,会計名,款,款名,項,目,節,節名,所管課コード,所管課名,予算現額,執行済額,執行残額
CURRENT, EXECUTED, REMAINING = 11, 12, 13
#: Row 8 of the sample: 2025 01 一般会計 08土木費-03-01 14工事請負費, 110 土木課.
ROW8 = 7


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _line(session, chapter="08", section="03", item="01", department="110", year=2025) -> BudgetLine:
    from core.auth.models import Department

    return session.scalar(select(BudgetLine).join(Department).where(
        BudgetLine.fiscal_year == year, BudgetLine.chapter_code == chapter, BudgetLine.section_code == section,
        BudgetLine.item_code == item, Department.code == department))


def _changed_amounts(line: str, executed: int) -> str:
    current = int(line.split(",")[CURRENT])
    line = replace_cell(line, EXECUTED, str(executed))
    return replace_cell(line, REMAINING, str(current - executed))


class TestCreate:
    def test_dry_run_counts_and_writes_nothing(self, db_session, departments, run):
        report = run(SAMPLE.read_bytes(), dry_run=True)
        assert (report.total, report.new, report.updated, report.unchanged, report.rejected_rows) == (27, 27, 0, 0, 0)
        assert report.encoding == "cp932" and not report.committed
        assert _count(db_session, BudgetLine) == 0

    def test_summary_counts_and_totals_per_year_and_account(self, departments, run):
        summary = run(SAMPLE.read_bytes(), dry_run=True).summary
        assert summary["年度・会計別の科目数"] == {"2025年度 01 一般会計": 27}
        total = sum(int(line.split(",")[CURRENT]) for line in sample_lines()[1:])
        assert summary["年度・会計別の予算現額（円）"] == {"2025年度 01 一般会計": total}
        assert summary["所管課別の科目数"]["310 上下水道局工務課"] == 12
        assert sum(summary["所管課別の科目数"].values()) == 27

    def test_commit_stores_codes_names_and_amounts(self, db_session, imported):
        assert _count(db_session, BudgetLine) == 27
        line = _line(db_session)
        assert (line.account_code, line.account_name, line.chapter_code, line.chapter_name) == ("01", "一般会計", "08",
                                                                                             "土木費")
        assert (line.section_code, line.section_name, line.item_code, line.item_name) == ("03", None, "01", None)
        assert (line.project_code, line.subitem_code, line.subitem_name, line.detail_code) == ("", "14", "工事請負費", "")
        assert line.department.name == "土木課"
        assert (line.current_amount, line.allotted_amount, line.executed_amount, line.remaining_amount) == (
            719337000, None, 44197000, 675140000)
        assert line.title == "08土木費-03-01 14工事請負費" and not line.is_absent

    def test_each_line_has_its_creation_in_history_and_import_record(self, db_session, imported):
        line = _line(db_session)
        [event] = db_session.scalars(select(BudgetLineImport).where(BudgetLineImport.line_id == line.id)).all()
        assert (event.event, event.batch_id, event.current_amount) == ("new", imported.batch_id, 719337000)
        rows = db_session.scalars(select(RecordHistory).where(RecordHistory.target_type == "budget_lines",
                                                              RecordHistory.target_id == str(line.id))).all()
        assert [r.operation for r in rows] == ["budget_line.import_create"]
        assert rows[0].change_map["remaining_amount"] == [None, 675140000]


class TestReimport:
    def test_same_file_changes_nothing_and_never_duplicates(self, db_session, imported, run):
        report = run(SAMPLE.read_bytes())
        assert (report.new, report.updated, report.unchanged) == (0, 0, 27) and report.committed
        assert _count(db_session, BudgetLine) == 27
        assert _count(db_session, BudgetLineImport) == 27

    def test_changed_amounts_update_by_key_and_keep_history(self, db_session, imported, run):
        lines = sample_lines()
        lines[ROW8] = _changed_amounts(lines[ROW8], 144197000)
        report = run(encode(lines))
        assert (report.new, report.updated, report.unchanged) == (0, 1, 26)
        line = _line(db_session)
        assert (line.executed_amount, line.remaining_amount) == (144197000, 575140000)
        events = db_session.scalars(select(BudgetLineImport).where(BudgetLineImport.line_id == line.id)
                                    .order_by(BudgetLineImport.id)).all()
        assert [(e.event, e.executed_amount, e.remaining_amount) for e in events] == [
            ("new", 44197000, 675140000), ("updated", 144197000, 575140000)]
        update = db_session.scalars(select(RecordHistory).where(
            RecordHistory.target_id == str(line.id), RecordHistory.operation == "budget_line.import_update")).one()
        assert update.change_map == {"executed_amount": [44197000, 144197000],
                                     "remaining_amount": [675140000, 575140000]}

    def test_utf8_with_bom_reads_as_the_cp932_file(self, db_session, imported, run):
        report = run(encode(sample_lines(), "utf-8-sig"))
        assert report.encoding == "utf-8-sig" and (report.unchanged, report.new) == (27, 0)

    def test_utf8_without_bom_too(self, db_session, imported, run):
        assert run(encode(sample_lines(), "utf-8")).unchanged == 27

    def test_first_import_in_utf8_with_bom(self, db_session, departments, run):
        report = run(encode(sample_lines(), "utf-8-sig"))
        assert report.new == 27 and _line(db_session).chapter_name == "土木費"

    def test_wareki_year_is_the_same_key(self, db_session, imported, run):
        lines = sample_lines()
        lines[1:] = [replace_cell(line, 0, "令和7") for line in lines[1:]]
        lines[2] = replace_cell(lines[2], 0, "R7年度")
        assert run(encode(lines)).unchanged == 27

    def test_names_missing_from_the_file_keep_the_stored_ones(self, db_session, imported, run):
        lines = [",".join(c for i, c in enumerate(line.split(",")) if i not in (4, 8)) for line in sample_lines()]
        assert "款名" not in lines[0]
        assert run(encode(lines)).unchanged == 27
        blank = [replace_cell(line, 4, "") for line in sample_lines()]
        assert run(encode(blank)).unchanged == 27
        assert _line(db_session).chapter_name == "土木費"

    def test_a_new_name_is_stored(self, db_session, imported, run):
        lines = sample_lines()
        lines[ROW8] = replace_cell(lines[ROW8], 4, "土木費（新）")
        assert run(encode(lines)).updated == 1
        assert _line(db_session).chapter_name == "土木費（新）"


class TestAbsentLines:
    def test_dry_run_lists_the_lines_a_newer_file_lacks(self, db_session, imported, run):
        lines = sample_lines()
        del lines[ROW8]
        summary = run(encode(lines), dry_run=True).summary
        absent = [k for k in summary if k.startswith("今回のファイルにない科目（")]
        assert summary[absent[0]] == {"科目数": 1}
        listed = next(v for k, v in summary.items() if k.startswith("今回のファイルにない科目の予算現額"))
        assert listed == {"2025年度 01 08土木費-03-01 14工事請負費（土木課）": 719337000}
        assert not _line(db_session).is_absent

    def test_commit_flags_the_line_and_keeps_it(self, db_session, imported, run):
        lines = sample_lines()
        del lines[ROW8]
        report = run(encode(lines), file_name="budget_2025_09.csv")
        assert report.unchanged == 26 and report.committed
        assert report.summary["「最新の取込になし」の印"] == {"今回付けた科目": 1}
        line = _line(db_session)
        assert line.absent_since == today() and line.absent_batch_id == report.batch_id
        assert line.current_amount == 719337000 and _count(db_session, BudgetLine) == 27
        event = db_session.scalars(select(BudgetLineImport).where(BudgetLineImport.event == "absent")).one()
        assert (event.line_id, event.batch_id) == (line.id, report.batch_id)
        flag = db_session.scalars(select(RecordHistory).where(RecordHistory.operation == "budget_line.flag_absent")).one()
        assert flag.change_map == {"absent_since": [None, today().isoformat()]}
        batch = db_session.get(ImportBatch, report.batch_id)
        assert batch.report_data["summary"]["「最新の取込になし」の印"] == {"今回付けた科目": 1}

    def test_flag_is_kept_once_and_goes_when_the_line_returns(self, db_session, imported, run):
        lines = sample_lines()
        del lines[ROW8]
        run(encode(lines))
        second = run(encode(lines))
        assert second.summary["「最新の取込になし」の印"] == {"今回付けた科目": 0}
        assert _count(db_session, BudgetLineImport, BudgetLineImport.event == "absent") == 1
        back = run(SAMPLE.read_bytes())
        assert (back.updated, back.unchanged) == (1, 26)
        assert not _line(db_session).is_absent

    def test_a_file_of_another_year_flags_nothing(self, db_session, imported, run):
        lines = sample_lines()[:2]
        lines[1] = replace_cell(lines[1], 0, "2026")
        report = run(encode(lines))
        assert report.new == 1
        assert _count(db_session, BudgetLine, BudgetLine.absent_since.is_not(None)) == 0

    def test_skipping_rejected_rows_flags_nothing(self, db_session, imported, run):
        lines = sample_lines()
        del lines[ROW8]
        lines[1] = replace_cell(lines[1], REMAINING, "1")
        report = run(encode(lines), skip_rejected=True)
        assert report.committed and report.rejected_rows == 1
        assert report.summary["「最新の取込になし」の印"] == {"不正な行を除いて取り込んだため付けなかった科目": 2}
        assert _count(db_session, BudgetLine, BudgetLine.absent_since.is_not(None)) == 0


class TestRejected:
    def test_remaining_that_does_not_agree_names_the_row_and_both_figures(self, db_session, departments, run):
        lines = sample_lines()
        lines[1] = replace_cell(lines[1], REMAINING, "388079001")
        report = run(encode(lines))
        assert not report.committed and report.rejected_rows == 1 and _count(db_session, BudgetLine) == 0
        [rejection] = report.rejected
        assert (rejection.row, rejection.column, rejection.value) == (2, "執行残額", "388079001")
        assert "388,079,001 円" in rejection.reason
        assert "531,496,000 − 143,417,000 = 388,079,000 円" in rejection.reason

    def test_changed_layout_names_the_column_and_changes_nothing(self, db_session, imported, run):
        lines = [",".join(c for i, c in enumerate(line.split(",")) if i != EXECUTED) for line in sample_lines()]
        batches = _count(db_session, ImportBatch)
        with pytest.raises(ValidationFailed) as caught:
            run(encode(lines))
        assert "見出し「執行済額」の列がファイルにありません" in str(caught.value)
        assert _count(db_session, ImportBatch) == batches and _count(db_session, BudgetLineImport) == 27

    def test_unknown_department_is_a_clear_rejection(self, db_session, departments, run):
        lines = sample_lines()
        lines[3] = replace_cell(lines[3], 9, "999")
        report = run(encode(lines), dry_run=True)
        [rejection] = report.rejected
        assert (rejection.row, rejection.column) == (4, "所管課コード")
        assert "所管課コード「999」の部署は登録されていません" in rejection.reason

    def test_deactivated_department_is_refused(self, db_session, departments, run):
        departments["130"].is_active = False
        db_session.flush()
        report = run(SAMPLE.read_bytes(), dry_run=True)
        assert report.rejected_rows == 2 and "無効" in report.rejected[0].reason

    def test_the_same_line_twice_is_refused(self, db_session, departments, run):
        lines = sample_lines()
        lines.append(replace_cell(lines[ROW8], 0, "R7"))
        report = run(encode(lines), dry_run=True)
        assert report.rejected_rows == 1 and f"{ROW8 + 1} 行目" in report.rejected[0].reason

    def test_negative_budget_and_bad_year(self, db_session, departments, run):
        lines = sample_lines()
        lines[1] = replace_cell(replace_cell(lines[1], CURRENT, "-1"), REMAINING, "-143417001")
        lines[2] = replace_cell(lines[2], 0, "昔")
        report = run(encode(lines), dry_run=True)
        assert [(r.row, r.column) for r in report.rejected] == [(2, "予算現額"), (3, "年度")]

    def test_only_import_roles_may_import(self, db_session, departments, run, create_user):
        for role in (Role.VIEWER, Role.DEPARTMENT_STAFF):
            with pytest.raises(PermissionDenied):
                run(SAMPLE.read_bytes(), create_user(role))
        assert run(SAMPLE.read_bytes(), create_user(Role.CONTRACT_STAFF)).new == 27


class TestOptionalLevels:
    HEADER = ("年度,会計,会計名,款,款名,項,項名,目,目名,事業,事業名,節,節名,細節,細節名,所管課コード,"
              "予算現額,配当額,執行済額,執行残額")

    def test_project_and_detail_make_their_own_lines(self, db_session, departments, run):
        rows = [self.HEADER,
                "2025,01,一般会計,08,土木費,02,道路橋りょう費,01,道路維持費,,,14,工事請負費,,,120,1000,500,300,700",
                "2025,01,一般会計,08,土木費,02,道路橋りょう費,01,道路維持費,P01,舗装補修,14,工事請負費,,,120,2000,,0,2000",
                "2025,01,一般会計,08,土木費,02,道路橋りょう費,01,道路維持費,P01,舗装補修,14,工事請負費,01,本工事,120,3000,,0,3000"]
        assert run(encode(rows, "utf-8")).new == 3
        lines = db_session.scalars(select(BudgetLine).order_by(BudgetLine.current_amount)).all()
        assert [(x.project_code, x.detail_code, x.allotted_amount) for x in lines] == [
            ("", "", 500), ("P01", "", None), ("P01", "01", None)]
        assert lines[2].title == "08土木費-02-01-P01舗装補修 14工事請負費-01本工事"
        assert lines[0].section_name == "道路橋りょう費"

    def test_allotment_absent_from_a_later_file_is_kept(self, db_session, departments, run):
        first = [self.HEADER, "2025,01,一般会計,08,土木費,02,,01,,,,14,,,,120,1000,500,300,700"]
        run(encode(first, "utf-8"))
        without = ["年度,会計,款,項,目,節,所管課コード,予算現額,執行済額,執行残額", "2025,01,08,02,01,14,120,1000,400,600"]
        assert run(encode(without, "utf-8")).updated == 1
        line = db_session.scalars(select(BudgetLine)).one()
        assert (line.allotted_amount, line.executed_amount, line.account_name) == (500, 400, "一般会計")
