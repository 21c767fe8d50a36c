"""Legacy case import (CM12), row by row: each rejection with its reason and column, and what is read from dates in
mixed styles (令和/平成 in kanji, R03.12.08, 2017/03/01, 元年), amounts with commas and full-width digits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bidding.bids.models import Award
from bidding.cases.models import TenderCase
from bidding.contracts.models import Contract
from tests.bidding.cases.conftest import LINES, case_of, edit, encode, row, run

GOOD = row("2021-130-0001")  # 指名競争, award 28,817,000, contract K2021-001130 of 31,698,700 with a change, completed


def _rejection(session, *lines: str):
    report = run(session, encode([LINES[0], *lines]), dry_run=True)
    assert report.rejected_rows == 1, report.rejected
    return report.rejected[0]


@pytest.mark.parametrize("cells, column, fragment", [
    ({"落札業者番号": "999999"}, "落札業者番号", "落札業者番号「999999」の業者は登録されていません"),
    ({"工期自": "令和4年2月17日", "工期至": "令和3年12月17日"}, "工期至",
     "工期の終了（令和3年12月17日）が開始（令和4年2月17日）より前です"),
    ({"開札日": "平成31年5月1日"}, "開札日", "平成31年は4月30日までです"),
    ({"最低制限価格": "31710001"}, "最低制限価格", "最低制限価格（31,710,001 円）が予定価格（31,710,000 円）を超えています"),
    ({"案件番号": ""}, "案件番号", "案件番号が空です"),
    ({"契約金額": "31698701"}, "契約金額", "契約金額 31,698,701 円が、落札金額 28,817,000 円に消費税等を加えた 31,698,700 円と"),
    ({"担当課コード": "999"}, "担当課コード", "担当課コード「999」の部署は登録されていません"),
    ({"入札方式": "せり売り"}, "入札方式", "入札方式「せり売り」は不明です"),
    ({"業種コード": "999"}, "業種コード", "業種コード「999」はコード表にありません"),
    ({"年度": "来年"}, "年度", "年度「来年」を読み取れません"),
    ({"開札日": "令和20年1月1日"}, "開札日", "今日より後です"),
    ({"契約日": ""}, "契約日", "契約の契約日が空です"),
    ({"落札業者番号": "", "落札金額": ""}, "落札業者番号", "契約があるのに落札業者番号・落札金額が空です"),
    ({"落札金額": ""}, "落札金額", "落札業者番号と落札金額は両方入れてください（落札金額が空です）"),
    ({"契約日": "令和3年12月1日", "契約金額": "31698700"}, "契約日",
     "契約日（令和3年12月1日）が開札日（令和3年12月5日）より前です"),
    ({"変更後契約金額": "31698700"}, "変更後契約金額", "変更後契約金額が当初の契約金額と同じです"),
    ({"完成日": "令和3年12月1日"}, "完成日", "完成日（令和3年12月1日）が工期自（令和3年12月17日）より前です"),
    ({"入札者数": "0"}, "入札者数", "落札者があるのに入札者数が 0 です"),
    ({"入札者数": "多数"}, "入札者数", "整数ではありません"),
    ({"設計金額": "-5,000"}, "設計金額", "0 以上 1 兆円未満"),
])
def test_each_rejection_names_its_column_and_reason(db_session, legacy_registry, cells, column, fragment):
    rejection = _rejection(db_session, edit(GOOD, **cells))
    assert rejection.row == 2 and rejection.column == column
    assert fragment in rejection.reason


def test_a_change_or_completion_without_a_contract(db_session, legacy_registry):
    bare = edit(row("2021-210-0001"), 変更後契約金額="1000000")
    rejection = _rejection(db_session, bare)
    assert (rejection.column, rejection.reason) == (
        "変更後契約金額", "契約のない行に変更後契約金額があります（契約番号・契約日・契約金額が空です）。")


def test_a_contract_number_twice_in_the_file(db_session, legacy_registry):
    other = edit(row("2021-130-0002"), 契約番号="K2021-001130")
    report = run(db_session, encode([LINES[0], GOOD, other]), dry_run=True)
    assert [(r.row, r.column) for r in report.rejected] == [(3, "契約番号")]
    assert "2 行目の案件の契約にも使われています" in report.rejected[0].reason


def test_a_contract_number_of_another_stored_case(db_session, imported):
    other = edit(row("2021-130-0002"), 契約番号="K2021-001130")
    rejection = _rejection(db_session, other)
    assert rejection.column == "契約番号" and "登録済みの別の案件（2021-130-0001）の契約です" in rejection.reason


def test_the_same_case_number_twice(db_session, legacy_registry):
    report = run(db_session, encode([LINES[0], GOOD, edit(GOOD, 工事場所="別")]), dry_run=True)
    assert report.rejected[0].row == 3 and "2 行目にもあります" in report.rejected[0].reason


def test_rejected_rows_block_the_commit_unless_skipped(db_session, legacy_registry):
    lines = [edit(x, 落札業者番号="999999") if x == GOOD else x for x in LINES]
    report = run(db_session, encode(lines))
    assert not report.committed and report.rejected_rows == 1
    assert db_session.scalar(select(TenderCase.id).limit(1)) is None
    report = run(db_session, encode(lines), skip_rejected=True)
    assert report.committed and report.new == 59 and case_of(db_session, "2021-130-0001") is None


class TestStyles:
    #: A 平成28年度 case: dates in four styles, amounts with commas and full-width digits, 8 % tax.
    HEISEI = edit(GOOD, 案件番号="２０１６-１１０-０００１", 年度="H28", 担当課コード="１１０", 入札方式="一般競争入札（制限付）",
                  設計金額="13,500,000", 予定価格="１３,５００,０００", 最低制限価格="11,880,000",
                  開札日="平成29年2月10日", 入札者数="４", 落札業者番号="１０００１３", 落札金額="12,000,000",
                  契約番号="K2016-001110", 契約日="2017/03/01", 契約金額="12,960,000", 工期自="H29.03.02",
                  工期至="２０１７年６月３０日", 変更後契約金額="", 完成日="平成29年6月20日")
    #: 令和元年: 元年 in kanji and R01 in short form, the 8 % of 2019-05-28.
    GANNEN = edit(GOOD, 案件番号="2019-120-0001", 年度="令和元", 担当課コード="120", 開札日="令和元年5月20日",
                  落札金額="10000000", 契約番号="K2019-001120", 契約日="R01.05.28", 契約金額="10,800,000",
                  工期自="令和元年5月29日", 工期至="R02.03.19", 変更後契約金額="", 完成日="R2.3.10")
    #: The first day of 10 %: R03.12.08 style too.
    REIWA = edit(GOOD, 案件番号="2019-120-0002", 年度="2019", 担当課コード="120", 開札日="R01.09.30",
                 落札金額="10000000", 契約番号="K2019-002120", 契約日="R01.10.01", 契約金額="11000000",
                 工期自="R01.10.02", 工期至="R02.03.19", 変更後契約金額="", 完成日="")

    def test_mixed_dates_commas_and_full_width_digits(self, db_session, legacy_registry):
        report = run(db_session, encode([LINES[0], self.HEISEI, self.GANNEN, self.REIWA]))
        assert (report.new, report.rejected_rows) == (3, 0), report.rejected
        case = case_of(db_session, "2016-110-0001")
        assert (case.fiscal_year, case.department.code, case.method, case.bidder_count) == (2016, "110",
                                                                                             "open_restricted", 4)
        assert (case.design_amount, case.planned_price, case.floor_price) == (13_500_000, 13_500_000, 11_880_000)
        assert case.opening_at.date() == date(2017, 2, 10)
        award = db_session.scalar(select(Award).where(Award.case_id == case.id))
        assert (award.contractor.number, award.amount, award.amount_with_tax) == ("100013", 12_000_000, 12_960_000)
        contract = db_session.scalar(select(Contract).where(Contract.case_id == case.id))
        assert (contract.contract_date, contract.amount, contract.tax_amount) == (date(2017, 3, 1), 12_960_000, 960_000)
        assert (contract.work_from, contract.work_to, contract.completed_on) == (
            date(2017, 3, 2), date(2017, 6, 30), date(2017, 6, 20))
        gannen = db_session.scalar(select(Contract).where(Contract.number == "K2019-001120"))
        assert (gannen.case.fiscal_year, gannen.contract_date, gannen.work_to, gannen.completed_on) == (
            2019, date(2019, 5, 28), date(2020, 3, 19), date(2020, 3, 10))
        reiwa = db_session.scalar(select(Contract).where(Contract.number == "K2019-002120"))
        assert (reiwa.contract_date, reiwa.amount, reiwa.tax_amount, reiwa.state) == (
            date(2019, 10, 1), 11_000_000, 1_000_000, "active")

    def test_the_tax_is_that_of_the_contract_date(self, db_session, legacy_registry):
        """10 % on 2019-10-01: the 8 % amount of the day before is refused, with both figures."""
        rejection = _rejection(db_session, edit(self.REIWA, 契約金額="10800000"))
        assert rejection.reason == ("契約金額 10,800,000 円が、落札金額 10,000,000 円に消費税等を加えた 11,000,000 円と"
                                    "一致しません。")

    def test_a_utf8_file_reads_the_same(self, db_session, legacy_registry):
        report = run(db_session, encode(LINES, encoding="utf-8-sig"), dry_run=True)
        assert (report.encoding, report.new, report.rejected_rows) == ("utf-8-sig", 60, 0)
