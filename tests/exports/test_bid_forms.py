"""The forms after an opening: 入札調書 (every round, statuses, the lot's arithmetic, the award, the signature box),
入札結果一覧, 落札者決定通知書 and the 低入札価格調査 documents — their text in the PDF, page counts, the rules'
wording and deadlines, refusals and department scope."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from bidding.bids import award
from bidding.bids import services as bid_services
from core.errors import ValidationFailed
from core.rules import get_rule
from core.rules.services import add_rule_version
from exports import reports
from exports.render import render_pdf, render_xlsx
from tests.bidding.results.conftest import record_round
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf

ORG = "架空市 総務部契約課"


def _produce(name: str, raw: dict, session, actor):
    definition = reports.get(name)
    return definition.produce(session, definition.parse(raw, session), actor)


def _errors(name: str, raw: dict, session, actor) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        _produce(name, raw, session, actor)
    return info.value.errors


def _text(document) -> tuple[int, str]:
    """The page count and the text of every page on one line (table cells wrap)."""
    data = render_pdf(document, ORG, date(2026, 6, 1))
    assert_fonts_embedded(data)
    pages = read_pdf(data)
    assert all(p.is_a4_portrait or p.is_a4_landscape for p in pages)
    return len(pages), "".join(p.text for p in pages).replace("\r\n", "").replace("\n", "")


@pytest.fixture
def lot_case(db_session, tender, contract_staff):
    """Six firms: 辞退, 無効 (金額の訂正), under the floor, two tied at 27,500,000 (the lot), over 予定価格; the award."""
    case, firms = tender([None, ("invalid", 27_000_000), 25_000_000, 27_500_000, 27_500_000, 31_000_000], prefix="71")
    award.draw_lot(db_session, contract_staff, case)
    award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    return case, firms


def test_bid_record_shows_every_bid_the_lot_and_the_award(db_session, lot_case, contract_staff):
    case, firms = lot_case
    document = _produce("bid_record", {"case": case.number}, db_session, contract_staff)
    pages, text = _text(document)
    assert pages <= 2 and document.count_label == "全 1 枚"
    for expected in ("入札調書", case.number, "市道中央線道路改良工事", "土木課", "指名競争入札", "令和8年5月29日 10時00分",
                     "予定価格（税抜） 30,000,000円", "予定価格（税込） 33,000,000円", "最低制限価格（税抜） 26,000,000円",
                     "第1回の入札（開札 令和8年5月29日 10時00分）", "710001", "入札711建設", "辞退", "無効（金額の訂正）",
                     "27,000,000", "失格（最低制限価格未満）", "25,000,000", "予定価格超過", "31,000,000", "落札（くじ 1 位）",
                     "有効（くじ 2 位）", "電子くじ（27,500,000円の同額 2 者。システムの値: 入札書の受付時刻のミリ秒）",
                     # Receipt ms 400 and 500, inputs 333 and 444: くじ番号 733 and 944; 1,677 ÷ 2 leaves 1.
                     "333", "400", "733", "444", "500", "944", "（733 + 944） = 1,677、1,677 ÷ 2 の余り = 1",
                     "受付順 1 の者（入札715建設）", "残りの 1 者", "受付順 0 の者（入札714建設）",
                     "落札者", "710005 入札715建設", "落札決定", "落札金額（税抜） 27,500,000円", "落札金額（税込） 30,250,000円",
                     "91.67 %", "上記のとおり入札を執行しました", "署名欄", "執行者", "立会者", "1 / 1"):
        assert expected in text, expected
    assert "一致しません" not in text
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(document, ORG, date(2026, 6, 1))))
    cells = [c.value for row in workbook.active.iter_rows() for c in row if c.value]
    assert "入札調書" in cells and any("（733 + 944） = 1,677、1,677 ÷ 2 の余り = 1" in str(c) for c in cells)


def test_bid_record_of_rebids_a_withdrawn_award_and_a_random_coefficient(db_session, tender, contract_staff):
    case, firms = tender([31_000_000, 32_000_000], prefix="72")
    award.start_rebid(db_session, contract_staff, case)
    record_round(db_session, contract_staff, case, firms, [29_000_000, 28_000_000])
    second = bid_services.open_round(db_session, contract_staff, case, now=case.opening_at)
    second.floor_price, second.floor_coefficient = 25_987_000, "0.9995"  # as an opening with the coefficient records
    record = award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    award.undo_award(db_session, contract_staff, record, reason="落札者の辞退", on=date(2026, 6, 1))
    award.award(db_session, contract_staff, case, decided_on=date(2026, 6, 2))
    _, text = _text(_produce("bid_record", {"case": case.number}, db_session, contract_staff))
    for expected in ("第1回の入札", "第2回の入札", "31,000,000", "28,000,000", "入札時ランダム係数 0.9995（第2回）",
                     "この回の最低制限価格: 25,987,000円（入札時ランダム係数 0.9995）", "720001 入札721建設",
                     "取り消した落札決定: 入札722建設 28,000,000円", "理由: 落札者の辞退"):
        assert expected in text, expected


def test_bid_record_before_the_opening_and_of_failed_cases(db_session, tender, contract_staff):
    sealed, _ = tender([27_000_000], opened=False, prefix="73")
    message = _errors("bid_record", {"case": sealed.number}, db_session, contract_staff)["case"][0]
    assert "まだ開札していません" in message and sealed.number in message
    failed, _ = tender([32_000_000], prefix="74", days=1)
    award.declare_failed(db_session, contract_staff, failed)
    _, text = _text(_produce("bid_record", {"case": failed.number}, db_session, contract_staff))
    assert "結果 不調" in text and "32,000,000" in text


def test_bid_record_of_a_survey_case(db_session, tender, contract_staff):
    case, firms = tender([24_000_000, 27_000_000], floor_kind="survey", prefix="75")
    low = bid_services.current_round(db_session, case).bids[0]
    _, text = _text(_produce("bid_record", {"case": case.number}, db_session, contract_staff))
    assert "低入札価格調査基準価格（税抜） 26,000,000円" in text and "低入札価格調査: 調査中" in text
    assert "落札者の決定前" in text
    award.decide_survey(db_session, contract_staff, low, acceptable=True, decided_on=date(2026, 6, 5), note="適正")
    award.award(db_session, contract_staff, case, decided_on=date(2026, 6, 5))
    _, text = _text(_produce("bid_record", {"case": case.number}, db_session, contract_staff))
    assert "低入札価格調査: 契約の内容に適合した履行がされると認める（令和8年6月5日）" in text and "所見: 適正" in text


@pytest.mark.parametrize("name", ["bid_record", "award_notice", "low_bid_survey_notice", "low_bid_survey_record"])
def test_department_staff_print_their_own_departments_cases_only(db_session, lot_case, kenchiku_staff, doboku_staff,
                                                                 name, contract_staff):
    case, _ = lot_case
    assert "見つかりません" in _errors(name, {"case": case.number}, db_session, kenchiku_staff)["case"][0]
    if name.startswith("low_bid"):  # no bid of this case came under a survey
        assert "低入札価格調査の対象となった入札はありません" in _errors(name, {"case": case.number}, db_session,
                                                                        doboku_staff)["case"][0]
    else:
        assert _produce(name, {"case": case.number}, db_session, doboku_staff).pages


def test_bid_results_list(db_session, lot_case, tender, contract_staff, doboku_staff, kenchiku):
    case, _ = lot_case
    other, _ = tender([28_035_000], prefix="76", days=3, department=kenchiku)
    award.award(db_session, contract_staff, other, decided_on=date(2026, 6, 1))
    sealed, _ = tender([27_000_000], prefix="77", days=2, opened=False)
    document = _produce("bid_results", {"fiscal_year": "2026"}, db_session, contract_staff)
    assert document.landscape
    rows = {row[0]: row for row in document.spool()}
    assert set(rows) == {case.number, other.number}
    assert rows[case.number] == [case.number, "市道中央線道路改良工事", "土木課", "指名競争入札", date(2026, 5, 29), 30_000_000,
                                 26_000_000, 5, "入札715建設\n710005", 27_500_000, "91.67", "落札"]
    pages, text = _text(document)
    assert pages == 1 and "入札結果一覧" in text and "93.45" in text and sealed.number not in text
    mine = _produce("bid_results", {"fiscal_year": "2026"}, db_session, doboku_staff)
    assert [row[0] for row in mine.spool()] == [case.number]
    june = _produce("bid_results", {"fiscal_year": "2026", "opening_from": "2026-06-01"}, db_session, contract_staff)
    assert [row[0] for row in june.spool()] == [other.number]
    assert "期間の終了日" in _errors("bid_results", {"fiscal_year": "2026", "opening_from": "2026-06-30",
                                                   "opening_to": "2026-06-01"}, db_session, contract_staff)["opening_to"][0]


def test_award_notice_with_the_rules_wording_and_deadline(db_session, lot_case, contract_staff, admin):
    case, firms = lot_case
    document = _produce("award_notice", {"case": case.number}, db_session, contract_staff)
    pages, text = _text(document)
    assert pages == 1 and document.count_label == "全 1 通"
    # Decided on Friday 2026-05-29: 7 calendar days from the next day is Friday 2026-06-05.
    for expected in ("令和8年5月29日", "入札715建設", "契約担当者 市長", "落札者決定通知書",
                     "市道中央線道路改良工事の入札について、下記のとおり貴社を落札者に決定したので通知します。", "記",
                     "27,500,000円（消費税及び地方消費税相当額を含まない）", "30,250,000円（消費税及び地方消費税相当額を含む）",
                     "契約の日から 180 日間", "契約の締結期限 令和8年6月5日", "契約の締結期限（令和8年6月5日）までに", "以上"):
        assert expected in text, expected
    values = get_rule(db_session, "bidding.award_notice", date(2026, 5, 29))
    items = {"contract": {**values["items"]["contract"], "days": 5, "business_days": True}}
    add_rule_version(db_session, admin, "bidding.award_notice", date(2026, 5, 1),
                     {**values, "title": "落札決定通知書", "items": items}, note="改正")
    _, text = _text(_produce("award_notice", {"case": case.number}, db_session, contract_staff))
    # Five business days from Friday 5/29: 6/1–6/5 → Friday 2026-06-05 again; the title is the new version's.
    assert "落札決定通知書" in text and "落札者決定通知書" not in text and "令和8年6月5日" in text


def test_award_notice_needs_a_decided_award(db_session, tender, contract_staff, make_case):
    case, _ = tender([27_000_000, 28_000_000], prefix="78")
    assert "落札者が決まっていません" in _errors("award_notice", {"case": case.number}, db_session, contract_staff)["case"][0]


def test_low_bid_survey_notice_and_record(db_session, tender, contract_staff):
    case, firms = tender([24_000_000, 24_500_000, 27_000_000], floor_kind="survey", prefix="79")
    notice = _produce("low_bid_survey_notice", {"case": case.number}, db_session, contract_staff)
    pages, text = _text(notice)
    assert pages == 2 and notice.count_label == "全 2 通"
    # Opened on Friday 2026-05-29: three business days from the next day → Wednesday 2026-06-03.
    for expected in ("低入札価格調査について（通知）", "入札791建設", "入札792建設", "24,000,000円（第1回、", "入札価格の内訳書",
                     "・配置予定技術者", "提出期限 令和8年6月3日", "提出期限（令和8年6月3日）までに"):
        assert expected in text, expected
    assert "入札793建設" not in text
    one = _produce("low_bid_survey_notice", {"case": case.number, "contractor": "790002", "notice_on": "2026-06-01"},
                   db_session, contract_staff)
    _, text = _text(one)
    assert len(one.pages) == 1 and "入札792建設" in text and "令和8年6月1日" in text and "令和8年6月4日" in text
    assert "業者番号「790003」" in _errors("low_bid_survey_notice", {"case": case.number, "contractor": "790003"},
                                          db_session, contract_staff)["contractor"][0]
    low = bid_services.current_round(db_session, case).bids[0]
    award.decide_survey(db_session, contract_staff, low, acceptable=False, decided_on=date(2026, 6, 5),
                               note="労務費の積算が不足")
    record = _produce("low_bid_survey_record", {"case": case.number}, db_session, contract_staff)
    pages, text = _text(record)
    assert pages == 2
    for expected in ("低入札価格調査結果調書", "決裁欄", "調査の決定日　令和8年6月5日", "790001 入札791建設",
                     "入札金額（税抜） 24,000,000円", "調査基準価格（税抜） 26,000,000円", "入札金額／予定価格 80.00 %",
                     "入札金額／調査基準価格 92.31 %",
                     "適合した履行がされないおそれがある（失格）", "所見 労務費の積算が不足", "落札者としません（失格）",
                     "調査中です。"):
        assert expected in text, expected


def test_the_bid_tab_links_to_the_forms(login_as, doboku_staff, lot_case, tender):
    from tests.helpers import page_text

    case, _ = lot_case
    html = page_text(login_as(doboku_staff).get(f"/bidding/cases/{case.id}/bids"))
    assert f'href="/exports/reports/bid_record?case={case.number}">入札調書</a>' in html
    assert f'href="/exports/reports/award_notice?case={case.number}">落札者決定通知書</a>' in html
    assert "low_bid_survey_notice" not in html
    sealed, _ = tender([27_000_000], prefix="80", opened=False)
    assert "bid_record" not in page_text(login_as(doboku_staff).get(f"/bidding/cases/{sealed.id}/bids"))


def test_bid_record_of_a_value_case_shows_the_evaluation(db_session, make_case, contract_staff, firm):
    from bidding.cases import services as case_services
    from bidding.nominations import services as nomination_services

    case = make_case(method="value_simple", evaluation_method="division")
    case_services.approve_case(db_session, contract_staff, case)
    case_services.publish_case(db_session, contract_staff, case)
    plans = [(27_000_000, "10", "5"), (28_000_000, "20", "8")]
    for i, (amount, added, structure) in enumerate(plans):
        f = firm(f"評価{i}建設")
        p = nomination_services.record_application(db_session, contract_staff, case, f, applied_on=date(2026, 5, 10),
                                                   today=date(2026, 5, 10))
        nomination_services.review_application(db_session, contract_staff, p, admit=True, today=date(2026, 5, 10))
        bid = bid_services.record_bid(db_session, contract_staff, case, f, amount=amount, declined=False,
                                      received_at=case.opening_at.replace(day=28, second=i))
        bid_services.set_tech_scores(db_session, contract_staff, bid, standard="100", added=added, structure=structure)
    bid_services.open_round(db_session, contract_staff, case, now=case.opening_at)
    award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    _, text = _text(_produce("bid_record", {"case": case.number}, db_session, contract_staff))
    # 評価値 = (100 + 加算点 + 施工体制評価点) ÷ 入札価格 × 10^8: 128 ÷ 28,000,000 → 457.1428 ranks before 425.9259.
    for expected in ("総合評価（", "評価1建設", "457.1428", "425.9259", "落札者（落札決定", "28,000,000円"):
        assert expected in text, expected
    assert text.index("457.1428") < text.index("425.9259")
