"""The tender-case forms: 指名通知書 (a page per nominated firm), 入札執行伺, 予定価格調書 and 入札案件一覧 — their
content in the PDF and the workbook, the rule's wording by date, parameter messages and department scope."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from bidding.cases import services as case_services
from bidding.nominations import services as nomination_services
from core.errors import ValidationFailed
from core.rules import get_rule
from core.rules.services import add_rule_version
from exports import reports
from exports.render import render_pdf, render_xlsx
from exports.reports.formdoc import FormDocument
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf

ORG = "架空市 総務部契約課"
NOTICE_ON = date(2026, 5, 15)


def _produce(name: str, raw: dict, session, actor):
    definition = reports.get(name)
    return definition.produce(session, definition.parse(raw, session), actor)


def _errors(name: str, raw: dict, session, actor) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        _produce(name, raw, session, actor)
    return info.value.errors


def _pages(document) -> list[str]:
    return [p.text.replace("\r\n", "\n") for p in read_pdf(render_pdf(document, ORG, date(2026, 6, 1)))]


@pytest.fixture
def nominated_case(db_session, make_case, firm, contract_staff):
    """An approved 指名競争 case of 土木課 with two firms nominated on 2026-05-15 (one through its 受任者) and one
    picked but taken off the list."""
    case = make_case()
    case_services.approve_case(db_session, contract_staff, case)
    yamada = firm("株式会社山田建設", number="250001", representative_title="代表取締役", representative_name="山田 太郎",
                  postal_code="747-0001", address="架空市中央町1丁目2番3号")
    branch = firm("髙﨑建設株式会社", number="250002", representative_title="代表取締役", representative_name="髙﨑 一郎",
                  address="東京都千代田区丸の内1-1", branch_name="架空支店", branch_representative_title="支店長",
                  branch_representative_name="﨑山 次郎", branch_postal_code="747-0002", branch_address="架空市駅南町5-6")
    dropped = firm("取りやめ工業株式会社", number="250003")
    for f in (yamada, branch, dropped):
        nomination_services.pick_firm(db_session, contract_staff, case, f, today=date(2026, 5, 10))
    [unpicked] = [p for p in case_participants(db_session, case) if p.contractor_id == dropped.id]
    nomination_services.unpick_firm(db_session, contract_staff, unpicked, today=date(2026, 5, 10))
    nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=NOTICE_ON)
    return case


def case_participants(session, case):
    from bidding.nominations.queries import participants

    return participants(session, case.id)


# --- 指名通知書 -------------------------------------------------------------------------------------------

def test_nomination_notice_has_a_page_per_nominated_firm(db_session, nominated_case, contract_staff):
    document = _produce("nomination_notice", {"case": nominated_case.number}, db_session, contract_staff)
    assert isinstance(document, FormDocument) and document.count_label == "全 2 通"
    data = render_pdf(document, ORG, date(2026, 6, 1))
    assert_fonts_embedded(data)
    pages = read_pdf(data)
    assert len(pages) == 2 and all(p.is_a4_portrait for p in pages)
    first, second = (p.text.replace("\r\n", "\n") for p in pages)
    for text in ("令和8年5月15日", "〒747-0001", "架空市中央町1丁目2番3号", "株式会社山田建設", "代表取締役 山田 太郎　様",
                 ORG, "契約担当者 市長", "指名通知書",
                 "下記の市道中央線道路改良工事について、指名競争入札に参加する者として貴社を指名したので通知します。",
                 "記", nominated_case.number, "防府市中央町地内", "契約の日から 180 日間", "指名競争入札",
                 "令和8年5月25日〜令和8年5月28日", "令和8年5月29日 10時00分", "事後公表", "あり（最低制限価格を設定します）",
                 "開札日時（令和8年5月29日 10時00分）の前日までに入札辞退届を提出してください。", "以上"):
        assert text in first.replace("\n", "") or text in first, text
    # The 受任者 is addressed, at the branch's address; the head office is not.
    assert "髙﨑建設株式会社" in second and "架空支店" in second and "支店長 﨑山 次郎　様" in second
    assert "架空市駅南町5-6" in second and "丸の内" not in second
    assert "取りやめ工業" not in first + second
    # Confidential amounts are never on a notice of a case whose price is published afterwards.
    assert "30,000,000" not in first and "26,000,000" not in first


def test_one_firms_page(db_session, nominated_case, contract_staff):
    document = _produce("nomination_notice", {"case": nominated_case.number, "contractor": "250002"}, db_session,
                        contract_staff)
    [page] = _pages(document)
    assert "髙﨑建設株式会社" in page and "株式会社山田建設" not in page
    assert document.pages[0].label == "250002 髙﨑建設株式会社"


def test_wording_is_the_rule_version_in_force_on_the_notice_date(db_session, nominated_case, contract_staff, admin):
    values = get_rule(db_session, "bidding.nomination", NOTICE_ON)
    add_rule_version(db_session, admin, "bidding.nomination", date(2026, 5, 1),
                     {**values, "notice_title": "指名通知について", "notice_issuer": "架空市長 架空 一郎",
                      "notice_body": "{place}で行う{case_name}の入札に貴社を指名します。{unknown}"}, note="文言の改正")
    add_rule_version(db_session, admin, "bidding.nomination", date(2026, 6, 1),
                     {**values, "notice_title": "後の版の表題"}, note="後の改正")
    [page] = _pages(_produce("nomination_notice", {"case": nominated_case.number, "contractor": "250001"}, db_session,
                             contract_staff))
    assert "指名通知について" in page and "後の版の表題" not in page and "架空市長 架空 一郎" in page
    assert "防府市中央町地内で行う市道中央線道路改良工事の入札に貴社を指名します。{unknown}" in page.replace("\n", "")


def test_published_price_is_on_the_notice(db_session, make_case, firm, contract_staff):
    case = make_case(disclosure="before", floor_kind="none", floor_price=None)
    case_services.approve_case(db_session, contract_staff, case)
    nomination_services.pick_firm(db_session, contract_staff, case, firm(), today=date(2026, 5, 10))
    nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=NOTICE_ON)
    [page] = _pages(_produce("nomination_notice", {"case": case.number}, db_session, contract_staff))
    assert "事前公表" in page and "30,000,000円（消費税及び地方消費税相当額を含まない）" in page.replace("\n", "")
    assert "最低制限価格の有無" in page and "なし" in page


def test_notice_parameters_are_refused_with_japanese_messages(db_session, nominated_case, make_case, contract_staff):
    assert _errors("nomination_notice", {}, db_session, contract_staff) == {"case": ["案件番号を指定してください。"]}
    assert "案件番号「NOPE」の案件は見つかりません" in _errors(
        "nomination_notice", {"case": "NOPE"}, db_session, contract_staff)["case"][0]
    assert _errors("nomination_notice", {"case": nominated_case.number, "contractor": "250003"}, db_session,
                   contract_staff) == {"contractor": ["業者番号「250003」の業者はこの案件の指名業者ではありません。"]}
    draft = make_case()
    message = _errors("nomination_notice", {"case": draft.number}, db_session, contract_staff)["case"][0]
    assert "指名通知した業者がありません" in message and draft.number in message
    open_case = make_case(method="open_post_review")
    assert _errors("nomination_notice", {"case": open_case.number}, db_session, contract_staff)["case"] == [
        "一般競争入札（事後審査型）の案件は業者を指名しません（指名通知書はありません）。"]


@pytest.mark.parametrize("name", ["nomination_notice", "case_approval", "planned_price_record"])
def test_department_staff_print_only_their_own_departments_cases(db_session, nominated_case, doboku_staff,
                                                                 kenchiku_staff, name):
    errors = _errors(name, {"case": nominated_case.number}, db_session, kenchiku_staff)
    assert errors["case"][0].startswith(f"案件番号「{nominated_case.number}」の案件は見つかりません")
    assert _produce(name, {"case": nominated_case.number}, db_session, doboku_staff).pages


def test_the_command_line_prints_any_department(db_session, nominated_case):
    assert len(_produce("nomination_notice", {"case": nominated_case.number}, db_session, None).pages) == 2


def test_notice_workbook_has_a_sheet_per_firm(db_session, nominated_case, contract_staff):
    document = _produce("nomination_notice", {"case": nominated_case.number}, db_session, contract_staff)
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(document, ORG, date(2026, 6, 1))))
    assert wb.sheetnames == ["250001 株式会社山田建設", "250002 髙﨑建設株式会社"]
    ws = wb["250002 髙﨑建設株式会社"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    texts = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert "令和8年5月15日" in texts and "支店長 﨑山 次郎　様" in texts and "指名通知書" in texts
    assert ORG in texts and "記" in texts and "以上" in texts and "令和8年5月29日 10時00分" in texts
    fonts = {c.value: c.font for row in ws.iter_rows() for c in row if c.value}
    assert fonts["指名通知書"].name == "BIZ UDゴシック" and fonts["指名通知書"].bold  # as the PDF's title
    assert {f.name for text, f in fonts.items() if text != "指名通知書"} == {"BIZ UD明朝"}


# --- 入札執行伺・予定価格調書 --------------------------------------------------------------------------------

def test_case_approval_summarises_the_case_with_approval_boxes(db_session, nominated_case, contract_staff):
    document = _produce("case_approval", {"case": nominated_case.number}, db_session, contract_staff)
    text = "\n".join(_pages(document))
    flat = text.replace("\n", "")
    for expected in ("入札執行伺", "決裁欄", "部長", "課長", "係長", "担当", "起案日　令和8年5月1日",
                     "下記のとおり入札を執行してよろしいか伺います。", nominated_case.number, "令和8年度",
                     "市道中央線道路改良工事", "110 土木課", "建設工事／010", "延長 120 m の道路改良",
                     "30,000,000円", "26,000,000円", "事後公表", "A・B", "市内", "700 点以上", "1級土木施工管理技士",
                     "令和8年5月15日", "令和8年5月22日", "令和8年5月29日 10時00分", "指名業者", "株式会社山田建設",
                     "髙﨑建設株式会社", "指名済", "取消・参加資格なしの業者が 1 者", "決裁済", "指名済",
                     "予定価格（税込）", "33,000,000円", "（税込は令和8年5月15日の税率によります）", "1 / "):
        assert expected in flat, expected


def test_planned_price_record(db_session, nominated_case, contract_staff, make_case):
    [page] = _pages(_produce("planned_price_record", {"case": nominated_case.number}, db_session, contract_staff))
    flat = page.replace("\n", "")
    for expected in ("予定価格調書", "決裁日", "市長", "設計金額（税抜）", "30,000,000円", "予定価格（税込） 33,000,000円",
                     "金参千万円", "最低制限価格", "26,000,000円", "最低制限価格（税込） 28,600,000円", "86.67 %", "事後公表",
                     "上記の案件の予定価格等を次のとおり定めます。", "税込は令和8年5月15日の税率によります"):
        assert expected in flat, expected
    empty = make_case(design_amount=None, planned_price=None, floor_price=None, floor_kind="none")
    [page] = _pages(_produce("planned_price_record", {"case": empty.number}, db_session, contract_staff))
    assert "起案日" in page and "未入力" in page and "設定しない" in page


def test_floor_price_record_shows_the_calculation(db_session, make_case, contract_staff, kenchiku_staff):
    from bidding.cases.pricing import set_breakdown

    case = make_case(floor_price=None)
    set_breakdown(db_session, contract_staff, case, "works", {
        "direct_cost": 20_000_000, "common_temporary": 2_000_000, "site_management": 4_000_000,
        "general_admin": 4_000_000})
    document = _produce("floor_price_record", {"case": case.number}, db_session, contract_staff)
    assert document.title == "最低制限価格調書"
    flat = "".join(_pages(document)).replace("\n", "")
    for expected in ("最低制限価格調書", "決裁欄", "起案日", case.number, "積算内訳（消費税抜き）", "直接工事費", "20,000,000",
                     "合計", "30,000,000", "計算過程", "20,000,000 円 × 97% = 19,400,000 円", "算定額（算入額の合計）",
                     "27,520,000", "設定範囲 22,500,000円〜27,600,000円", "最低制限価格（税込） 30,272,000円", "91.73 %",
                     "適用したルール", "税込は令和8年5月15日の税率によります", "1 / 1"):
        assert expected in flat, expected
    assert "異なります" not in flat
    assert "見つかりません" in _errors("floor_price_record", {"case": case.number}, db_session, kenchiku_staff)["case"][0]


def test_floor_price_record_needs_a_floor_and_its_breakdown(db_session, make_case, contract_staff):
    entered = make_case()  # the floor typed in, no breakdown
    message = _errors("floor_price_record", {"case": entered.number}, db_session, contract_staff)["case"][0]
    assert "最低制限価格を積算内訳から計算できません（積算内訳が入力されていません）" in message and "「価格」タブ" in message
    without = make_case(floor_kind="none", floor_price=None)
    assert "最低制限価格等を設定しません" in _errors("floor_price_record", {"case": without.number}, db_session,
                                                      contract_staff)["case"][0]


# --- 入札案件一覧 -----------------------------------------------------------------------------------------

def test_case_list_has_the_csv_columns_and_follows_the_filters(db_session, make_case, kenchiku, doboku_staff,
                                                               contract_staff):
    mine = make_case()
    theirs = make_case(department=kenchiku, name="市民体育館改修工事", opening_at=datetime(2026, 7, 1, 14, 0))
    document = _produce("cases", {}, db_session, contract_staff)
    assert document.landscape and [c.header for c in document.columns] == [
        "案件番号", "件名", "担当課", "業種", "入札方式", "予定価格\n（税抜・円）", "最低制限\n価格等（円）",
        "公告日・\n指名通知日",
        "開札日時", "状態", "決裁"]
    rows = {row[0]: row for row in document.rows}
    assert {mine.number, theirs.number} <= set(rows)
    assert rows[mine.number] == [mine.number, "市道中央線道路改良工事", "土木課", "010 土木一式工事", "指名競争入札",
                                 30_000_000, 26_000_000, date(2026, 5, 15), datetime(2026, 5, 29, 10, 0), "起案", "起案中"]
    only_mine = _produce("cases", {}, db_session, doboku_staff)
    assert theirs.number not in {row[0] for row in only_mine.rows}
    july = _produce("cases", {"opening_from": "2026-07-01", "opening_to": "2026-07-31"}, db_session, contract_staff)
    assert [row[0] for row in july.rows if row[0] in (mine.number, theirs.number)] == [theirs.number]
    assert ("開札日", (date(2026, 7, 1), date(2026, 7, 31))) in july.conditions
    page = _pages(july)[0]
    assert "入札案件一覧" in page and "市民体育館改修工事" in page.replace("\n", "") and "令和8年7月1日 14:00" in page
    errors = _errors("cases", {"opening_from": "2026-07-31", "opening_to": "2026-07-01"}, db_session, contract_staff)
    assert errors == {"opening_to": ["期間の終了日は開始日以降の日付にしてください。"]}
    assert "状態の値「gone」は選べません" in _errors("cases", {"state": "gone"}, db_session, contract_staff)["state"][0]
