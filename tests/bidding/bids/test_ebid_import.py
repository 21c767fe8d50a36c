"""E-bid result import (CM8) with the sample file: dry run, cases registered from the file (決裁済・開札済/落札決定),
commit, a re-import that changes nothing, a corrected file updating bids and the award by (case, round, firm), a
case Keiyaku already holds brought to 落札決定, and refusals that change nothing (中止, bad amounts, unknown case)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bidding.bids.models import Award, Bid, BidRound
from bidding.cases import services as case_services
from bidding.cases.models import TenderCase
from bidding.nominations import services as nomination_services
from bidding.nominations.models import CaseParticipant
from core.history import RecordHistory
from tests.bidding.bids.conftest import (
    AMOUNT,
    FIRM,
    RESULT,
    SAMPLE,
    encode,
    rows_of,
    sample_rows,
)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _case(session, number) -> TenderCase:
    return session.scalar(select(TenderCase).where(TenderCase.number == number))


def _bids(session, number) -> dict[str, Bid]:
    case = _case(session, number)
    return {b.contractor.number: b for b in session.scalars(select(Bid).where(Bid.case_id == case.id))}


def _award(session, number) -> Award | None:
    case = _case(session, number)
    return session.scalar(select(Award).where(Award.case_id == case.id, Award.state != "undone"))


class TestSample:
    def test_dry_run_reports_and_writes_nothing(self, db_session, departments, firms, run):
        report = run(SAMPLE.read_bytes(), dry_run=True, create=True)
        assert (report.total, report.new, report.updated, report.unchanged, report.rejected_rows) == (99, 99, 0, 0, 0)
        assert report.encoding == "cp932" and not report.committed
        data = report.as_dict()
        assert data["cases"] == {"matched": 0, "created": 20, "unmatched": 0}
        assert (data["awards"], data["no_award"], data["warnings"]) == (17, 3, [])
        assert data["options"] == {"create_missing_cases": True}
        assert report.summary["ファイルの結果別の行数"]["失格（最低制限価格未満）"] == 39
        assert _count(db_session, TenderCase) == 0 and _count(db_session, Bid) == 0

    def test_commit_registers_the_cases_rounds_bids_and_awards(self, db_session, imported):
        assert _count(db_session, TenderCase) == 20 and _count(db_session, Bid) == 99
        assert _count(db_session, BidRound) == 20 and _count(db_session, Award) == 17
        case = _case(db_session, "2025-310-0001")
        assert (case.state, case.approval, case.method, case.department.code) == ("awarded", "approved", "open_restricted",
                                                                                 "310")
        assert (case.fiscal_year, case.planned_price, case.floor_price, case.floor_kind) == (2025, 121890000, 105964000,
                                                                                            "minimum")
        assert case.opening_at == datetime(2025, 8, 27) and case.approved_at is not None
        assert (case.category, case.work_type_code) == ("construction", "010")
        assert _case(db_session, "2025-130-0005").work_type_code == "130"  # 舗装補修 by the profile's keywords
        bids = _bids(db_session, "2025-310-0001")
        assert (bids["100043"].declined, bids["100043"].amount, bids["100043"].status) == (True, None, "declined")
        assert (bids["100025"].amount, bids["100025"].status) == (99642000, "below_minimum")
        assert (bids["100017"].status, bids["100055"].status) == ("valid", "valid")
        award = _award(db_session, "2025-310-0001")
        assert (award.contractor.number, award.amount, award.state) == ("100055", 106016000, "decided")
        assert award.amount_with_tax == 116617600 and award.rate == Decimal("86.98")  # 106,016,000 ÷ 121,890,000
        assert award.decided_on == date(2025, 8, 27)
        # No 落札 in the file: 開札済, no award (all below the floor).
        assert _case(db_session, "2025-510-0004").state == "opened" and _award(db_session, "2025-510-0004") is None
        # 一般競争: admitted applicants; 指名競争: nominated firms.
        kinds = {(p.case.method, p.kind, p.status) for p in db_session.scalars(select(CaseParticipant))}
        assert kinds == {("open_restricted", "applicant", "admitted"), ("nominated", "nominated", "nominated")}

    def test_history_of_the_registered_case_names_the_import(self, db_session, imported):
        case = _case(db_session, "2025-310-0001")
        operations = [r.operation for r in db_session.scalars(
            select(RecordHistory).where(RecordHistory.target_type == "tender_cases",
                                        RecordHistory.target_id == str(case.id)).order_by(RecordHistory.id))]
        assert operations == ["case.import", "bid.import_award"]
        first = db_session.scalars(select(RecordHistory).where(RecordHistory.operation == "case.import")).first()
        assert "電子入札システムの結果の取込" in first.summary and "決裁済" in first.summary

    def test_reimport_of_the_same_file_changes_nothing(self, db_session, imported, run):
        before = _count(db_session, RecordHistory)
        report = run(SAMPLE.read_bytes(), create=True)
        assert (report.new, report.updated, report.unchanged) == (0, 0, 99) and report.committed
        assert report.as_dict()["cases"] == {"matched": 20, "created": 0, "unmatched": 0}
        assert _count(db_session, RecordHistory) == before
        assert (_count(db_session, TenderCase), _count(db_session, Bid), _count(db_session, Award)) == (20, 99, 17)

    def test_corrected_file_updates_bids_and_moves_the_award(self, db_session, imported, run):
        rows = sample_rows()
        first, _, third, fourth = rows_of(rows, "2025-310-0001")
        assert rows[first + 1][FIRM] == "100055" and rows[third][FIRM] == "100017"
        rows[first + 1][RESULT], rows[third][RESULT] = "", "落札"  # the e-bid system corrected its 落札
        rows[fourth][AMOUNT] = "99650000"  # and a disqualified amount
        report = run(encode(rows), create=True)
        assert (report.new, report.updated, report.unchanged) == (0, 3, 96)
        assert report.summary["落札決定の記録"] == {"記録した落札決定": 1, "取り消した落札決定（訂正）": 1}
        award = _award(db_session, "2025-310-0001")
        assert (award.contractor.number, award.amount) == ("100017", 113584000)
        undone = db_session.scalar(select(Award).where(Award.state == "undone"))
        assert undone.contractor.number == "100055" and "訂正で落札者が変わった" in undone.undo_reason
        assert f"取込 #{report.batch_id}" in undone.undo_reason
        assert _bids(db_session, "2025-310-0001")["100025"].amount == 99650000
        assert _case(db_session, "2025-310-0001").state == "awarded"
        changes = db_session.scalars(select(RecordHistory).where(RecordHistory.operation == "bid.import")
                                     .order_by(RecordHistory.id.desc())).first().change_map
        assert changes == {"amount": [99642000, 99650000]}
        # Keiyaku's view: the new 落札 is not the lowest valid bid (106,016,000 is).
        [warning] = report.as_dict()["warnings"]
        assert warning["row"] == third + 1 and warning["case"] == "2025-310-0001"
        assert "有効な最低価格の入札ではありません" in warning["message"] and "106,016,000 円" in warning["message"]

    def test_rebid_rounds_from_the_round_column(self, db_session, departments, firms, run):
        rows = sample_rows()
        first = rows[rows_of(rows, "2025-510-0004")[0]]
        assert first[FIRM] == "100060" and first[RESULT] == "失格（最低制限価格未満）"  # round 1: nobody valid
        second = [first[:8] + ["2", "205000000", ""], first[:6] + ["100047", "竹内建工合同会社", "2", "201000000", "落札"]]
        rows[rows_of(rows, "2025-510-0004")[-1] + 1:rows_of(rows, "2025-510-0004")[-1] + 1] = second
        report = run(encode(rows), create=True)
        assert report.committed and report.new == 101 and report.as_dict()["warnings"] == []
        case = _case(db_session, "2025-510-0004")
        assert [r.number for r in db_session.scalars(select(BidRound).where(BidRound.case_id == case.id)
                                                     .order_by(BidRound.number))] == [1, 2]
        award = _award(db_session, "2025-510-0004")
        assert (award.bid.round.number, award.contractor.number, award.amount) == (2, "100047", 201000000)
        assert case.state == "awarded"

    def test_a_file_without_the_award_withdraws_it(self, db_session, imported, run):
        rows = sample_rows()
        winner = next(i for i in rows_of(rows, "2025-110-0011") if rows[i][RESULT] == "落札")
        rows[winner][RESULT] = ""
        report = run(encode(rows), create=True)
        assert report.updated == 1 and _award(db_session, "2025-110-0011") is None
        assert _case(db_session, "2025-110-0011").state == "opened"
        assert "落札がありませんが" in report.as_dict()["warnings"][0]["message"]


class TestExistingCase:
    @pytest.fixture
    def nominated_case(self, db_session, make_case, contract_staff, departments, firms):
        """2025-310-0006 held by Keiyaku: 指名競争, three of the file's four bidders nominated (100052 is not)."""
        case = make_case(department=departments["310"], planned_price=91830000, floor_price=79756000,
                         design_amount=91830000, drafted_on=date(2025, 4, 1), notice_on=date(2025, 4, 3),
                         questions_until=date(2025, 4, 7), bids_from=date(2025, 4, 8), bids_until=date(2025, 4, 11),
                         opening_at=datetime(2025, 4, 14, 10, 0))
        case.number = "2025-310-0006"
        case_services.approve_case(db_session, contract_staff, case)
        for number in ("100036", "100018", "100026"):
            nomination_services.pick_firm(db_session, contract_staff, case, firms[number], today=date(2025, 4, 2),
                                          override_reason="試験")
        nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=date(2025, 4, 3))
        return case

    def test_matched_case_is_opened_and_awarded(self, db_session, nominated_case, contract_staff, run):
        report = run(SAMPLE.read_bytes(), contract_staff, skip_rejected=True)
        assert report.committed and (report.new, report.rejected_rows) == (4, 95)
        data = report.as_dict()
        assert data["cases"] == {"matched": 1, "created": 0, "unmatched": 19}
        assert "2025-310-0001" in data["unmatched_cases"] and (data["awards"], data["no_award"]) == (1, 0)
        assert _case(db_session, "2025-310-0006").state == "awarded"
        award = _award(db_session, "2025-310-0006")
        assert (award.contractor.number, award.amount, award.rate) == ("100036", 81681000, Decimal("88.95"))
        # The firm the case did not nominate bid in the e-bid system: registered, and the report says so.
        [warning] = data["warnings"]
        assert warning["case"] == "2025-310-0006" and "100052" in warning["message"]
        assert "指名・参加者に登録されていません" in warning["message"]
        assert _count(db_session, CaseParticipant, CaseParticipant.case_id == nominated_case.id) == 4
        ops = {r.operation for r in db_session.scalars(select(RecordHistory).where(
            RecordHistory.target_type == "tender_cases", RecordHistory.target_id == str(nominated_case.id)))}
        assert {"case.import_open", "bid.import_award"} <= ops

    def test_unknown_cases_refused_by_row_without_the_option(self, db_session, nominated_case, run):
        report = run(SAMPLE.read_bytes())
        assert not report.committed and report.rejected_rows == 95
        first = report.rejected[0]
        assert (first.row, first.column, first.value) == (2, "案件番号", "2025-310-0001")
        assert "Keiyaku にありません" in first.reason and "登録する" in first.reason
        assert _count(db_session, Bid) == 0 and nominated_case.state == "nominated"

    def test_prices_that_differ_are_warned(self, db_session, nominated_case, run):
        nominated_case.floor_price = 80000000
        db_session.flush()
        report = run(SAMPLE.read_bytes(), dry_run=True)
        messages = [w["message"] for w in report.as_dict()["warnings"]]
        assert any("最低制限価格（79,756,000 円）が案件の最低制限価格（80,000,000 円）と異なります" in m for m in messages)
        # Judged with the case's floor: no bid lies between the two floors, so no status disagrees.
        assert not any("有効と計算されます" in m for m in messages)


class TestRefusals:
    def test_case_in_cancelled_state_refuses_its_rows(self, db_session, departments, firms, make_case, contract_staff,
                                                     run):
        case = make_case(department=departments["310"])
        case.number = "2025-310-0007"
        case_services.cancel_case(db_session, contract_staff, case, "設計の見直し")
        report = run(SAMPLE.read_bytes(), create=True)
        assert not report.committed and report.rejected_rows == 4
        rejected = report.rejected[0]
        assert rejected.column == "案件番号" and "中止されています（設計の見直し）" in rejected.reason
        assert rows_of(sample_rows(), "2025-310-0007")[0] + 1 == rejected.row
        assert _count(db_session, Bid) == 0 and _count(db_session, TenderCase) == 1

    @pytest.mark.parametrize("text, words", [
        ("abc", "読み取れません"), ("12万円", "単位"), ("-5,000", "1 円以上"), ("0", "1 円以上")])
    def test_bad_amount_names_row_and_field_and_changes_nothing(self, db_session, departments, firms, run, text, words):
        rows = sample_rows()
        rows[3][AMOUNT] = text  # row 4: 金子電気有限会社 of 2025-310-0001
        report = run(encode(rows), create=True)
        assert not report.committed and report.rejected_rows == 1
        [rejected] = report.rejected
        assert (rejected.row, rejected.column, rejected.value) == (4, "入札金額", text)
        assert words in rejected.reason
        assert _count(db_session, TenderCase) == 0 and _count(db_session, Bid) == 0

    def test_skipping_the_rejected_rows_imports_the_rest(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[3][AMOUNT] = "abc"
        report = run(encode(rows), create=True, skip_rejected=True)
        assert report.committed and (report.new, report.rejected_rows) == (98, 1)
        assert "100017" not in _bids(db_session, "2025-310-0001") and _count(db_session, Bid) == 98

    @pytest.mark.parametrize("text, words", [("0", "1〜99"), ("二", "整数ではありません"), ("100", "1〜99")])
    def test_bad_round(self, db_session, departments, firms, run, text, words):
        rows = sample_rows()
        rows[3][8] = text
        [rejected] = run(encode(rows), create=True, dry_run=True).rejected
        assert (rejected.row, rejected.column) == (4, "入札回数") and words in rejected.reason

    def test_unknown_result_word_names_the_profile(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[3][RESULT] = "保留"
        [rejected] = run(encode(rows), create=True, dry_run=True).rejected
        assert rejected.column == "結果" and "「保留」" in rejected.reason and "results" in rejected.reason

    def test_amount_needed_unless_declined(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[3][AMOUNT] = ""
        [rejected] = run(encode(rows), create=True, dry_run=True).rejected
        assert (rejected.row, rejected.column) == (4, "入札金額") and "金額が必要" in rejected.reason

    def test_two_awards_in_one_case(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[3][RESULT] = "落札"
        [rejected] = run(encode(rows), create=True, dry_run=True).rejected
        assert rejected.row == 4 and "3 行目にも" in rejected.reason

    def test_case_columns_must_agree(self, db_session, departments, firms, run):
        rows = sample_rows()
        rows[3][3] = "令和7年8月28日"
        [rejected] = run(encode(rows), create=True, dry_run=True).rejected
        assert rejected.column == "開札日" and "2 行目" in rejected.reason

    def test_department_not_found_refuses_creation(self, db_session, doboku, firms, run):
        report = run(SAMPLE.read_bytes(), create=True, dry_run=True)
        rejected = report.rejected[0]
        assert rejected.column == "案件番号" and "部署コード「310」" in rejected.reason
        assert report.as_dict()["cases"] == {"matched": 0, "created": 5, "unmatched": 15}  # 5 cases of 110
        assert report.rejected_rows == 99 - sum(1 for r in sample_rows()[1:] if r[0].startswith("2025-110-"))

    def test_only_the_contract_section_imports(self, db_session, departments, firms, run, create_user):
        from core.auth.roles import Role
        from core.errors import PermissionDenied

        with pytest.raises(PermissionDenied):
            run(SAMPLE.read_bytes(), create_user(Role.DEPARTMENT_STAFF, department=departments["110"]), create=True)
