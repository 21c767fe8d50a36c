"""The record of a tender's bids (SPEC CM4, CM11): 入札調書 (every bidder of every opened round, the statuses, the
電子くじ with each input and step so that anyone can recompute it, the award, and the boxes for the 執行者 and
立会者) and the printed 入札結果一覧 of a period.

The case is found with the user's department scope (``bidding.find_case``); rounds, bids, lots and awards are
``bidding.bids.queries``'; the 入札結果一覧 is the published results' rows (``bidding.results.queries``: the
事後公表 rule and every column are defined there, once). The letters after an opening are in
``bidding_bid_letters``.
"""

from __future__ import annotations

from datetime import datetime

from bidding.bids import lots
from bidding.bids import queries as bids
from bidding.bids.models import SURVEY_DECISIONS, Bid, BidRound, LotDraw
from bidding.bids.outcome import competing, evaluate_round
from bidding.bids.services import rules as bid_rules
from bidding.cases import queries as cases
from bidding.cases.models import TenderCase
from bidding.prices import tax_included
from bidding.results import queries as results
from core.auth import queries as auth_queries
from core.errors import DomainError, ValidationFailed
from core.jp import fiscal_year, fiscal_year_label, format_date

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, period_check, today
from .bidding import CASE_PARAM, VIEW, find_case, opening_text, period_label, place_label, work_period, yen_text
from .formdoc import Approvals, Fields, FormDocument, FormPage, Grid, Heading, Note, Text, Title

#: Where a 電子くじ takes the system's three digits.
LOT_METHODS = {"receipt_ms": "入札書の受付時刻のミリ秒", "random": "乱数"}
#: The boxes where the 執行者 and the 立会者 sign or seal the record (top right, as a 決裁欄 sits on city forms).
SIGNERS = ("執行者", "立会者", "立会者")


def at_text(value: datetime | None) -> str:
    return f"{format_date(value)} {value.hour}時{value.minute:02d}分" if value else "—"


def opened_rounds(session, case: TenderCase) -> tuple[list[BidRound], list[BidRound]]:
    """The case's opened rounds and those still taking bids; a case not yet opened has no 入札調書 (its bids stay
    sealed until the opening)."""
    rounds = bids.rounds_of(session, case.id)
    opened = [r for r in rounds if r.state == "opened"]
    if not opened:
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」はまだ開札していません"
                                         "（入札の記録は開札の後に印刷できます）。"]})
    return opened, [r for r in rounds if r.state != "opened"]


def planned_with_tax(session, case: TenderCase) -> str:
    if case.planned_price is None:
        return "—"
    try:
        return yen_text(tax_included(session, case.planned_price, case.price_date))
    except DomainError:
        return "税率を確認できません"


def floor_title(case: TenderCase) -> str:
    return "低入札価格調査基準価格" if case.floor_kind == "survey" else "最低制限価格"


# --- 入札調書 ---------------------------------------------------------------------------------------------

def _summary(session, case: TenderCase, rounds: list[BidRound]) -> Fields:
    rows = [("案件番号", case.number), ("年度", fiscal_year_label(case.fiscal_year, None)),
            ("担当課", case.department.name), ("入札方式", case.method_label), ("件名", case.name),
            (place_label(case), case.place or "—"), (period_label(case), work_period(case)),
            ("開札日時", at_text(rounds[0].opened_at) if rounds[0].opened_at else opening_text(case)),
            ("予定価格（税抜）", yen_text(case.planned_price)), ("予定価格（税込）", planned_with_tax(session, case)),
            ("予定価格の公表", case.disclosure_label)]
    if case.floor_kind == "none":
        rows.append(("最低制限価格等", "設定しない"))
    else:
        floor = next((r.floor_price for r in rounds if r.floor_price is not None), case.floor_price)
        rows.append((f"{floor_title(case)}（税抜）", yen_text(floor, "未算定")))
        coefficients = [f"{r.floor_coefficient}（第{r.number}回）" for r in rounds if r.floor_coefficient is not None]
        if coefficients:
            rows.append(("入札時ランダム係数", "、".join(coefficients)))
    return Fields(tuple(rows), pairs=True, label_width=0.3)


def _result_text(bid: Bid, reasons: dict, winner_id: int | None, lot_place: dict[int, int]) -> str:
    """The status, with the invalid reason and the lot's place in brackets, and the survey on a line of its own."""
    notes = []
    if bid.invalid_reason:
        notes.append(reasons.get(bid.invalid_reason, {}).get("label", bid.invalid_reason))
    if bid.id in lot_place:
        notes.append(f"くじ {lot_place[bid.id]} 位")
    lines = [("落札" if bid.id == winner_id else bid.status_label) + (f"（{'、'.join(notes)}）" if notes else "")]
    if bid.survey_decision:
        when = f"（{format_date(bid.survey_decided_on)}）" if bid.survey_decided_on else ""
        lines.append(f"低入札価格調査: {SURVEY_DECISIONS[bid.survey_decision]}{when}")
        if bid.survey_note:
            lines.append(f"所見: {bid.survey_note}")
    return "\n".join(lines)


def _lot_blocks(draw: LotDraw, firms: dict[int, str]) -> list:
    """The lot's inputs and each step's arithmetic, and whether recomputing them gives the recorded order. Firms are
    named as in the round's table (``firms`` by bid id), else as the draw recorded them."""
    names = {e["bid_id"]: firms.get(e["bid_id"], e["contractor"]) for e in draw.entries}
    order = {e["bid_id"]: e["order"] for e in draw.entries}
    entries = Grid(("受付順", "商号又は名称", "くじ入力番号", "システムの値", "くじ番号（下 3 桁）"),
                   tuple((str(e["order"]), names[e["bid_id"]], e["input"], f"{e['system_value']:03d}", f"{e['lot_number']:03d}")
                         for e in draw.entries), widths=(0.8, 3.2, 1.2, 1.2, 1.6))
    steps = [f"{n} 位: {s['formula']} → 受付順 {s['index']} の者（{names.get(s['winner_bid_id'], '')}）"
             for n, s in enumerate(draw.steps, 1)]
    last = [i for i in draw.ranking if i not in {s["winner_bid_id"] for s in draw.steps}]
    if last:
        steps.append(f"{len(draw.steps) + 1} 位: 残りの 1 者 → 受付順 {order.get(last[0], '')} の者（{names.get(last[0], '')}）")
    blocks = [Text(f"電子くじ（{draw.amount:,}円の同額 {len(draw.entries)} 者。システムの値: "
                   f"{LOT_METHODS.get(draw.method, draw.method)}）"), entries, Text("\n".join(steps))]
    try:
        recomputed = lots.ranking(lots.draw([lots.LotEntry(e["bid_id"], e["contractor"], e["input"], e["system_value"])
                                             for e in sorted(draw.entries, key=lambda e: e["order"])]))
    except ValueError:
        recomputed = None
    if recomputed != list(draw.ranking):
        blocks.append(Note("注意: 記録された順位と、上の入力から計算し直した順位が一致しません。"))
    blocks.append(Note("くじ番号 = くじ入力番号 + システムの値 の下 3 桁。同額の入札者を受付順に 0, 1, 2 … と番号付け、"
                       "くじ番号の合計 ÷ 人数 の余りの番号の者が上位（残りの者で繰り返す）。"))
    return blocks


def _evaluation_blocks(bid_round: BidRound) -> list:
    """総合評価 cases: the round's ranking with each figure and its arithmetic (``bids.outcome`` owns the rule)."""
    bids = competing(bid_round)
    if not bids:
        return []
    try:
        ev = evaluate_round(bid_round, bids)
    except ValidationFailed as exc:
        return [Note("総合評価を計算できません: " + " ".join(m for ms in exc.errors.values() for m in ms))]
    price = ev.method == "addition"
    headers = ("順位", "商号又は名称", "入札金額（円）", ev.technical_label, *(("価格評価点",) if price else ()),
               ev.score_label, "計算")
    rows = tuple((f"{row.rank}{'（同点）' if row.tied else ''}", row.label, f"{row.amount:,}", str(row.technical_score),
                  *((str(row.price_score),) if price else ()), str(row.score), row.formula) for row in ev.rows)
    widths = (0.6, 1.9, 1.2, 1.0, *((1.0,) if price else ()), 1.0, 3.4)
    numeric = (2, 3, 4, 5) if price else (2, 3, 4)
    return [Text(f"総合評価（{ev.model.name}）"), Grid(headers, rows, widths=widths, numeric=numeric),
            *([Note("／".join(ev.conditions))] if ev.conditions else [])]


def _round_blocks(case: TenderCase, bid_round: BidRound, number: int, reasons: dict, winner_id: int | None) -> list:
    lot_place = {bid_id: place for draw in bid_round.lots for place, bid_id in enumerate(draw.ranking, 1)}
    rows = tuple((b.contractor.number, b.contractor.name, f"{b.amount:,}" if b.amount is not None else "—",
                  _result_text(b, reasons, winner_id, lot_place)) for b in bid_round.bids)
    blocks = [Heading(f"{number}　第{bid_round.number}回の入札（開札 {at_text(bid_round.opened_at)}）"),
              Grid(("業者番号", "商号又は名称", "入札金額（円・税抜）", "結果"), rows, widths=(1.1, 3.0, 1.5, 2.8), numeric=(2,),
                   empty="入札はありません。")]
    if bid_round.floor_price is not None and bid_round.floor_price != case.floor_price:
        coefficient = f"（入札時ランダム係数 {bid_round.floor_coefficient}）" if bid_round.floor_coefficient else ""
        blocks.append(Note(f"この回の{floor_title(case)}: {bid_round.floor_price:,}円{coefficient}"))
    if case.is_value_method:
        blocks += _evaluation_blocks(bid_round)
    firms = {b.id: b.contractor.name for b in bid_round.bids}
    for draw in bid_round.lots:
        blocks += _lot_blocks(draw, firms)
    return blocks


def _award_blocks(case: TenderCase, awards: list, number: int) -> list:
    current = next((a for a in awards if a.state != "undone"), None)
    if current is not None:
        blocks = [Heading(f"{number}　落札者（{current.state_label}、{format_date(current.decided_on)}）"),
                  Fields((("落札者", f"{current.contractor.number} {current.contractor.name}"),
                          ("落札率", f"{current.rate} %" if current.rate is not None else "—"),
                          ("落札金額（税抜）", yen_text(current.amount)),
                          ("落札金額（税込）", yen_text(current.amount_with_tax))), pairs=True, label_width=0.3)]
    else:
        result = results.RESULTS[results.result_of_state(case.state)]
        why = f"（{case.cancel_reason}）" if case.state == "cancelled" and case.cancel_reason else ""
        blocks = [Heading(f"{number}　落札者"),
                  Fields((("結果", f"{result}{why}" if case.state != "opened" else "落札者の決定前"),))]
    for undone in (a for a in awards if a.state == "undone"):
        blocks.append(Note(f"取り消した落札決定: {undone.contractor.name} {undone.amount:,}円（{format_date(undone.decided_on)}"
                           f"決定、{format_date(undone.undone_on)}取消。理由: {undone.undo_reason}）"))
    return blocks


def build_bid_record(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    rounds, waiting = opened_rounds(session, case)
    awards = bids.awards_of(session, case.id)
    current = next((a for a in awards if a.state != "undone"), None)
    reasons = bid_rules(session, case)["invalid_reasons"]
    blocks = [Approvals(SIGNERS, title="署名欄"), Title("入札調書"), _summary(session, case, rounds)]
    for number, bid_round in enumerate(rounds, 1):
        winner = current.bid_id if current is not None and current.bid.round_id == bid_round.id else None
        blocks += _round_blocks(case, bid_round, number, reasons, winner)
    if waiting:
        blocks.append(Note(f"第{waiting[0].number}回の入札は開札前のため記載していません。"))
    blocks += _award_blocks(case, awards, len(rounds) + 1)
    blocks.append(Text("上記のとおり入札を執行しました。"))  # every amount says 税抜 or 税込: no separate tax note
    return FormDocument("入札調書", [FormPage(blocks, label=case.number)], numbered=True,
                        subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="bid_record",
    title="入札調書",
    description="開札した案件の入札の記録です。各回の入札者・入札金額・結果（無効の理由、低入札価格調査の結果）、"
                "電子くじの入力と計算、落札者、執行者・立会者の署名欄を記載します。",
    params=(CASE_PARAM,),
    build=build_bid_record,
    roles=VIEW,
))


# --- 入札結果一覧 ----------------------------------------------------------------------------------------

def _year_choices(session) -> list[tuple[str, str]]:
    years = sorted(set(cases.fiscal_years(session)) | {fiscal_year(today())}, reverse=True)
    return [(str(y), f"{y} 年度（{fiscal_year_label(y)}）") for y in years]


def _department_choices(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + [(d.code, f"{d.code} {d.name}") for d in session.scalars(auth_queries.departments())]


RESULT_CHOICES = (("", "すべて"), *results.RESULTS.items())


def build_bid_results(session, params: dict, actor) -> Document:
    departments = {d.code: d for d in session.scalars(auth_queries.departments())}
    department = departments.get(params.get("department") or "")
    filters = results.ResultFilters(fiscal_year=int(params["fiscal_year"]), opening_from=params.get("opening_from"),
                                    opening_to=params.get("opening_to"),
                                    department_id=department.id if department else None,
                                    result=params.get("result") or None, sort="opening")
    rows = ([r.number, r.name, r.department, r.method_label, r.opened_on, r.planned_price, r.floor_price, r.bidders,
             f"{r.winner_name}\n{r.winner_number}" if r.winner_name else None, r.amount, r.rate_text or None,
             r.result_label] for r in results.result_rows(session, actor, filters))
    # Dates and amounts take the width of their longest value; the text columns share the rest by these weights.
    columns = [Column("案件番号", "text", 2.25), Column("案件名称", "text", 2.4), Column("担当課", "text", 2.2),
               Column("入札方式", "text", 1.8), Column("開札日", "date"), Column("予定価格", "yen"),
               Column("最低制限\n価格等（円）", "yen"), Column("入札\n者数", "int"),
               Column("落札者", "text", 2.2), Column("落札金額", "yen"), Column("落札率\n（%）", "text", 1.0),
               Column("結果", "text", 1.15)]
    conditions = [("年度", label_for(_year_choices(session), params["fiscal_year"])),
                  ("担当課", f"{department.code} {department.name}" if department else "すべて"),
                  ("結果", label_for(RESULT_CHOICES, params.get("result") or ""))]
    if params.get("opening_from") or params.get("opening_to"):
        conditions.append(("開札日", (params.get("opening_from"), params.get("opening_to"))))
    return Document("入札結果一覧", columns, rows, conditions=conditions,
                    empty_message="条件に当てはまる開札済みの案件はありません。")


register(ReportDefinition(
    name="bid_results",
    title="入札結果一覧",
    description="開札した案件の入札結果（予定価格・最低制限価格等・入札者数・落札者・落札金額・落札率・結果）の一覧です。"
                "開札前の案件は載りません（事後公表）。担当課の職員は自分の課の案件だけが載ります。金額は税抜です。",
    params=(
        Param("fiscal_year", "年度", "choice", choices=_year_choices, default=lambda t: str(fiscal_year(t))),
        Param("opening_from", "開札日（開始）", "date"),
        Param("opening_to", "開札日（終了）", "date"),
        Param("department", "担当課", "choice", choices=_department_choices),
        Param("result", "結果", "choice", choices=RESULT_CHOICES),
    ),
    build=build_bid_results,
    roles=VIEW,
    landscape=True,
    check=period_check("opening_from", "opening_to", 3660),
))
