"""Legacy case import (CM12) on the sample file: the dry run's checklist per 年度 (figures verified by hand), what a
committed row makes (case, round, bid, award, contract, change, completion, history), the states, and re-imports
that change nothing or update by 案件番号 without duplicating."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from bidding.bids.models import Award, Bid, BidRound
from bidding.cases.models import TenderCase
from bidding.contracts.models import Contract, ContractChange
from core.audit.models import AuditEntry
from core.history import RecordHistory
from core.sequences import NumberSequence
from tests.bidding.cases.conftest import LINES, SAMPLE, case_of, cell, edit, encode, row, run

TABLES = (TenderCase, BidRound, Bid, Award, Contract, ContractChange, RecordHistory)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _counts(session) -> dict:
    return {model.__name__: _count(session, model) for model in TABLES}


class TestDryRun:
    def test_writes_nothing_and_counts_every_row(self, db_session, legacy_registry):
        report = run(db_session, SAMPLE.read_bytes(), dry_run=True)
        assert (report.total, report.new, report.updated, report.unchanged, report.rejected_rows) == (60, 60, 0, 0, 0)
        assert report.encoding == "cp932" and not report.committed
        assert _count(db_session, TenderCase) == 0

    def test_checklist_per_fiscal_year(self, db_session, legacy_registry):
        """Added up by hand from the file: 2021 has 12 cases, one without a contract (2021-210-0001, opened and not
        awarded), and 11 contracts of 308,918,500 + 31,698,700 + 200,230,800 + 24,288,000 + 65,821,800 +
        172,464,600 + 132,514,800 + 278,907,200 + 19,225,800 + 192,946,600 + 32,279,500 = 1,459,296,300 yen (the
        original amounts, not the 変更後契約金額 of three of them)."""
        report = run(db_session, SAMPLE.read_bytes(), dry_run=True)
        checklist = report.as_dict()["checklist"]
        years = checklist["by_fiscal_year"]
        assert list(years) == ["2021", "2022", "2023", "2024", "2025"]
        assert years["2021"] == {"cases": 12, "contracts": 11, "contract_amount": 1_459_296_300}
        assert years["2022"] == {"cases": 12, "contracts": 12, "contract_amount": 1_707_250_600}
        assert years["2024"] == {"cases": 12, "contracts": 11, "contract_amount": 1_669_624_000}
        assert checklist["total"] == {"cases": 60, "contracts": 58, "contract_amount": 8_507_942_300}
        assert all(isinstance(v["contract_amount"], int) for v in years.values())
        card = report.summary["2021年度（令和3年度）"]
        assert card == {"案件数": 12, "契約数": 11, "契約金額（円・変更前）": 1_459_296_300, "変更契約のある契約": 3}
        assert report.summary["移行後の状態別の案件数"] == {"開札済": 2, "契約済": 6, "完成": 52}

    def test_rejected_rows_are_left_out_of_the_checklist_and_listed_apart(self, db_session, legacy_registry):
        line = row("2021-130-0001")
        bad = edit(line, 契約金額="31698701")
        report = run(db_session, encode([LINES[0], bad] + [x for x in LINES[1:] if x != line]), dry_run=True)
        assert report.rejected_rows == 1 and report.rejected[0].row == 2
        assert report.as_dict()["checklist"]["by_fiscal_year"]["2021"] == {
            "cases": 11, "contracts": 10, "contract_amount": 1_459_296_300 - 31_698_700}


class TestCommit:
    def test_a_completed_case_with_its_award_contract_and_change(self, db_session, imported):
        case = case_of(db_session, "2021-130-0001")
        assert (case.migrated, case.approval, case.state, case.fiscal_year) == (True, "approved", "completed", 2021)
        assert (case.department.code, case.method, case.category, case.work_type_code) == (
            "130", "nominated", "construction", "020")
        assert (case.name, case.place) == ("市営住宅田島校舎改修工事", "防府市江泊地内")
        assert (case.design_amount, case.planned_price, case.floor_kind, case.floor_price) == (
            31_710_000, 31_710_000, "minimum", 28_756_000)
        assert case.opening_at == datetime(2021, 12, 5) and case.drafted_on == date(2021, 12, 5)
        assert (case.work_from, case.work_to, case.bidder_count) == (date(2021, 12, 17), date(2022, 2, 17), 2)
        [bid_round] = db_session.scalars(select(BidRound).where(BidRound.case_id == case.id)).all()
        assert (bid_round.number, bid_round.state, bid_round.opened_at, bid_round.floor_price) == (
            1, "opened", datetime(2021, 12, 5), 28_756_000)
        [bid] = bid_round.bids
        assert (bid.contractor.number, bid.amount, bid.status, bid.case_id) == ("100004", 28_817_000, "valid", case.id)
        award = db_session.scalar(select(Award).where(Award.case_id == case.id))
        assert (award.state, award.bid_id, award.amount, award.amount_with_tax, award.rate, award.decided_on) == (
            "decided", bid.id, 28_817_000, 31_698_700, Decimal("90.88"), date(2021, 12, 5))
        contract = db_session.scalar(select(Contract).where(Contract.case_id == case.id))
        assert (contract.number, contract.contract_date, contract.amount, contract.tax_amount) == (
            "K2021-001130", date(2021, 12, 16), 31_698_700, 2_881_700)
        assert (contract.award_id, contract.contractor_id, contract.work_from, contract.work_to) == (
            award.id, bid.contractor_id, date(2021, 12, 17), date(2022, 2, 17))
        assert (contract.state, contract.completed_on, contract.approval, contract.document_kind) == (
            "completed", date(2022, 2, 14), "approved", "contract")
        assert contract.guarantee_label == "記録なし"
        [change] = contract.changes
        assert (change.seq, change.changed_on, change.amount_before, change.amount_after, change.tax_after) == (
            1, date(2021, 12, 16), 31_698_700, 32_814_700, 32_814_700 - 32_814_700 * 100 // 110)
        assert contract.current_amount == 32_814_700 and change.work_to_after == contract.work_to

    def test_each_record_keeps_its_history_and_the_batch_one_log_entry(self, db_session, imported):
        case = case_of(db_session, "2021-130-0001")
        award = db_session.scalar(select(Award).where(Award.case_id == case.id))
        contract = db_session.scalar(select(Contract).where(Contract.case_id == case.id))
        for target_type, target_id, operation in (("tender_cases", case.id, "case.migrate"),
                                                  ("awards", award.id, "award.migrate"),
                                                  ("bids", award.bid_id, "bid.migrate"),
                                                  ("contracts", contract.id, "contract.migrate")):
            rows = db_session.scalars(select(RecordHistory).where(RecordHistory.target_type == target_type,
                                                                  RecordHistory.target_id == str(target_id))).all()
            assert [r.operation for r in rows] == [operation], target_type
        changes = db_session.scalar(select(RecordHistory).where(RecordHistory.target_type == "contracts",
                                                                RecordHistory.target_id == str(contract.id))).change_map
        assert changes["amount"] == [None, 31_698_700] and changes["changes"][1] == ["第1回 32,814,700 円 2022-02-17"]
        assert _count(db_session, AuditEntry, AuditEntry.operation == "import.commit",
                      AuditEntry.target_id == str(imported.batch_id)) == 1
        assert _count(db_session, AuditEntry, AuditEntry.operation == "case.migrate") == 0

    def test_states_as_the_data_allows(self, db_session, imported):
        opened = case_of(db_session, "2024-310-0002")  # 開札日 and 入札者数, no winner
        assert (opened.state, opened.bidder_count) == ("opened", 2)
        [bid_round] = db_session.scalars(select(BidRound).where(BidRound.case_id == opened.id)).all()
        assert bid_round.state == "opened" and bid_round.bids == []
        assert _count(db_session, Award, Award.case_id == opened.id) == 0
        contracted = case_of(db_session, "2025-130-0001")  # a change contract, no 完成日
        contract = db_session.scalar(select(Contract).where(Contract.case_id == contracted.id))
        assert (contracted.state, contract.state, contract.completed_on, contract.current_amount) == (
            "contracted", "active", None, 131_363_500)
        negotiated = case_of(db_session, "2021-510-0001")  # 随意契約 without 最低制限価格
        assert (negotiated.method, negotiated.floor_kind, negotiated.floor_price, negotiated.bidder_count) == (
            "negotiated", "none", None, 1)
        assert negotiated.state == "completed"

    def test_numbers_are_kept_and_no_sequence_is_taken(self, db_session, imported):
        assert _count(db_session, TenderCase, TenderCase.number.like("20__-___-____")) == 60
        assert _count(db_session, Contract, Contract.number.like("K20__-______")) == 58
        assert _count(db_session, NumberSequence) == 0


class TestReimport:
    def test_the_same_file_changes_nothing(self, db_session, imported):
        before = _counts(db_session)
        report = run(db_session, SAMPLE.read_bytes())
        assert (report.new, report.updated, report.unchanged, report.rejected_rows) == (0, 0, 60, 0)
        assert report.committed and _counts(db_session) == before

    def test_a_corrected_row_updates_by_case_number_and_never_duplicates(self, db_session, imported):
        before = _counts(db_session)
        line = row("2021-130-0001")
        fixed = edit(line, 工事場所="防府市江泊一丁目地内", 落札金額="28817100", 契約金額="31698810", 入札者数="3")
        lines = [fixed if x == line else x for x in LINES]
        report = run(db_session, encode(lines))
        assert (report.new, report.updated, report.unchanged, report.rejected_rows) == (0, 1, 59, 0)
        counts = _counts(db_session)
        assert {k: v for k, v in counts.items() if k != "RecordHistory"} == {
            k: v for k, v in before.items() if k != "RecordHistory"}
        case = case_of(db_session, "2021-130-0001")
        award = db_session.scalar(select(Award).where(Award.case_id == case.id))
        contract = db_session.scalar(select(Contract).where(Contract.case_id == case.id))
        assert (case.place, case.bidder_count, award.amount, award.bid.amount) == (
            "防府市江泊一丁目地内", 3, 28_817_100, 28_817_100)
        assert (contract.amount, contract.changes[0].amount_before) == (31_698_810, 31_698_810)
        history = db_session.scalars(select(RecordHistory).where(
            RecordHistory.target_type == "tender_cases", RecordHistory.target_id == str(case.id))
            .order_by(RecordHistory.id)).all()
        assert [h.operation for h in history] == ["case.migrate", "case.migrate_update"]
        assert history[1].change_map == {"place": ["防府市江泊地内", "防府市江泊一丁目地内"], "bidder_count": [2, 3]}

    def test_a_later_file_can_take_a_case_further(self, db_session, legacy_registry):
        line = row("2025-130-0001")
        bare = edit(line, 落札業者番号="", 落札金額="", 契約番号="", 契約日="", 契約金額="", 工期自="", 工期至="",
                    変更後契約金額="")
        assert run(db_session, encode([LINES[0], bare])).new == 1
        assert case_of(db_session, "2025-130-0001").state == "opened"
        report = run(db_session, encode([LINES[0], edit(line, 完成日="令和8年4月3日")]))
        assert (report.updated, report.rejected_rows) == (1, 0)
        case = case_of(db_session, "2025-130-0001")
        contract = db_session.scalar(select(Contract).where(Contract.case_id == case.id))
        assert (case.state, contract.completed_on, contract.current_amount) == ("completed", date(2026, 4, 3),
                                                                                131_363_500)
        assert _count(db_session, BidRound, BidRound.case_id == case.id) == 1
        assert cell(line, "契約番号") == contract.number
