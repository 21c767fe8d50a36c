"""Internal records of a tender case with a 決裁欄 (SPEC CM11): 入札執行伺 (the case for approval), 予定価格調書
and 最低制限価格調書 (the floor's calculation, step by step, by ``bidding.cases.pricing``).

The case is found with the user's department scope (``bidding.find_case``); the figures are the case's own and
the 税込 amounts and the calculation come from ``bidding.cases.pricing``, the one owner of both.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bidding.cases.models import TenderCase
from bidding.cases.pricing import CasePrices, case_prices
from bidding.nominations import queries as nominations
from core.errors import DomainError, ValidationFailed
from core.jp import daiji_amount, fiscal_year_label, format_date

from . import register
from .base import ReportDefinition
from .bidding import (
    CASE_PARAM,
    VIEW,
    approved_on,
    area_text,
    find_case,
    floor_amount,
    opening_text,
    period_label,
    place_label,
    span_text,
    work_period,
    work_type_text,
    yen_text,
)
from .formdoc import Approvals, Dateline, Fields, FormDocument, FormPage, Grid, Heading, Note, Text, Title

#: The 決裁欄 of the records (the 予定価格 and the floor are decided by the 契約担当者, the mayor).
APPROVERS = ("部長", "課長", "係長", "担当")
PRICE_APPROVERS = ("市長", "部長", "課長", "係長", "担当")


def _prices(session, case: TenderCase) -> CasePrices | None:
    """The case's 税込 figures and floor calculation; None when the price rules give none on the case's date."""
    try:
        return case_prices(session, case)
    except DomainError:
        return None


def _with_tax(amount: int | None, taxed: int | None) -> str:
    if amount is None:
        return "—"
    return yen_text(taxed) if taxed is not None else "税率を確認できません"


def _tax_note(case: TenderCase) -> Note:
    return Note(f"金額は、税込と記したものを除き消費税及び地方消費税相当額を含みません（税込は{format_date(case.price_date)}"
                "の税率によります）。")


def _ratio(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return "—"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{percent} %"


def _decided(case: TenderCase) -> Dateline:
    """The day of 決裁 once approved, else the draft's."""
    if case.is_approved and case.approved_at:
        return Dateline(approved_on(case), label="決裁日")
    return Dateline(case.drafted_on, label="起案日")


def _case_fields(case: TenderCase) -> Fields:
    return Fields((("案件番号", case.number), ("担当課", case.department.name), ("件名", case.name),
                   ("入札方式", case.method_label), (place_label(case), case.place or "—"),
                   ("開札日時", opening_text(case))), pairs=True, label_width=0.3)


# --- 入札執行伺 ------------------------------------------------------------------------------------------

def _participants_grid(session, case: TenderCase) -> tuple[Grid, int]:
    everyone = nominations.participants(session, case.id)
    active = [p for p in everyone if p.is_active]
    rows = tuple((p.contractor.number, p.contractor.name,
                  "\n".join(x for x in (p.contractor.representative_title, p.contractor.representative_name) if x),
                  p.contractor.address or "", p.contractor.area_label, p.status_label) for p in active)
    grid = Grid(("業者番号", "商号又は名称", "代表者", "所在地", "地域", "状態"), rows, widths=(1.0, 2.4, 1.5, 2.6, 0.7, 1.3),
                empty="まだ選定していません。" if case.is_nominated_method else "参加申請はまだありません。")
    return grid, len(everyone) - len(active)


def build_case_approval(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    grid, dropped = _participants_grid(session, case)
    prices = _prices(session, case)
    firms = "指名業者" if case.is_nominated_method else "参加申請者"
    approval = case.approval_label
    if case.is_approved and case.approved_at:
        approval += f"（{format_date(approved_on(case))}、{case.approved_by.name if case.approved_by else '—'}）"
    blocks = [
        Approvals(APPROVERS),
        Title("入札執行伺"),
        Dateline(case.drafted_on, label="起案日"),
        Text("下記のとおり入札を執行してよろしいか伺います。", indent=True),
        Heading("1　案件"),
        Fields((("案件番号", case.number), ("年度", fiscal_year_label(case.fiscal_year, None)),
                ("担当課", f"{case.department.code} {case.department.name}"), ("入札方式", case.method_label),
                ("件名", case.name), ("区分・業種", f"{case.category_label}／{work_type_text(session, case)}"),
                (place_label(case), case.place or "—"), ("概要", case.summary or "—")), pairs=True, label_width=0.3),
        Heading("2　価格"),
        Fields((("設計金額（税抜）", yen_text(case.design_amount)), ("予定価格（税抜）", yen_text(case.planned_price)),
                ("予定価格（税込）", _with_tax(case.planned_price, prices and prices.planned_with_tax)),
                ("予定価格の公表", case.disclosure_label),
                (case.floor_label if case.floor_kind != "none" else "最低制限価格等", floor_amount(case))),
               pairs=True, label_width=0.3),
        Heading("3　参加条件"),
        Fields((("等級", "・".join(case.rank_list) or "問わない"), ("地域区分", area_text(case)),
                ("総合評定値の下限", f"{case.min_points:,} 点以上" if case.min_points is not None else "条件なし"),
                ("配置技術者の資格", case.required_qualification or "条件なし")), pairs=True, label_width=0.3),
        Heading("4　日程"),
        Fields((("起案日", format_date(case.drafted_on)), (case.notice_label, format_date(case.notice_on) or "未定"),
                ("質問期限", format_date(case.questions_until) or "—"), ("開札日時", opening_text(case)),
                ("入札期間", span_text(case.bids_from, case.bids_until)), (period_label(case), work_period(case))),
               pairs=True, label_width=0.3),
        Heading(f"5　{firms}"),
        grid,
    ]
    if dropped:
        blocks.append(Note(f"このほか、取消・参加資格なしの業者が {dropped} 者あります（「指名・参加者」を参照）。"))
    blocks += [Heading("6　決裁"), Fields((("決裁", approval), ("案件の状態", case.state_label))), _tax_note(case)]
    return FormDocument("入札執行伺", [FormPage(blocks, label=case.number)], numbered=True,
                        subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="case_approval",
    title="入札執行伺",
    description="案件の内容・価格・参加条件・日程と指名業者（参加申請者）をまとめた決裁用の伺です（決裁欄付き）。",
    params=(CASE_PARAM,),
    build=build_case_approval,
    roles=VIEW,
))


# --- 予定価格調書 ----------------------------------------------------------------------------------------

def build_planned_price_record(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    prices = _prices(session, case)
    planned = case.planned_price
    amounts = [("設計金額（税抜）", yen_text(case.design_amount)), ("予定価格（税抜）", yen_text(planned)),
               ("予定価格（税込）", _with_tax(planned, prices and prices.planned_with_tax)),
               ("予定価格（大字）", daiji_amount(planned) if planned is not None else "—")]
    if case.floor_kind != "none":
        amounts += [(case.floor_label, floor_amount(case)),
                    (f"{case.floor_label}（税込）", _with_tax(case.floor_price, prices and prices.floor_with_tax)),
                    ("予定価格に対する割合", _ratio(case.floor_price, planned))]
    else:
        amounts.append(("最低制限価格等", "設定しない"))
    amounts.append(("予定価格の公表", case.disclosure_label))
    blocks = [
        Approvals(PRICE_APPROVERS),
        _decided(case),
        Title("予定価格調書"),
        _case_fields(case),
        Text("上記の案件の予定価格等を次のとおり定めます。", indent=True),
        Fields(tuple(amounts)),
        _tax_note(case),
    ]
    return FormDocument("予定価格調書", [FormPage(blocks, label=case.number)], subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="planned_price_record",
    title="予定価格調書",
    description="設計金額・予定価格（税抜・税込・大字）・最低制限価格等と予定価格に対する割合を記載した調書です（決裁欄付き）。",
    params=(CASE_PARAM,),
    build=build_planned_price_record,
    roles=VIEW,
))


# --- 最低制限価格調書 ------------------------------------------------------------------------------------

def build_floor_price_record(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    if case.floor_kind == "none":
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」は最低制限価格等を設定しません"
                                         "（調書はありません）。"]})
    prices = _prices(session, case)
    result = prices.result if prices else None
    if result is None:
        reason = (prices.problem if prices else None) or "積算内訳が入力されていません"
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」の{case.floor_label}を積算内訳から計算できません"
                                         f"（{reason.rstrip('。')}）。「価格」タブで積算内訳を入力してください。"]})
    breakdown = dict(case.cost_breakdown or {})
    items = [(label, yen_text(breakdown.get(key, 0))) for key, label in prices.components]
    items.append(("合計", yen_text(sum(breakdown.get(key, 0) for key, _ in prices.components))))
    title = f"{case.floor_label}調書"
    blocks = [
        Approvals(PRICE_APPROVERS),
        _decided(case),
        Title(title),
        _case_fields(case),
        Heading("1　積算内訳（消費税抜き）"),
        Fields(tuple(items), pairs=True, label_width=0.3),
        Heading("2　結果"),
        Fields(((f"{case.floor_label}（税抜）", yen_text(case.floor_price, "未算定")),
                (f"{case.floor_label}（税込）", _with_tax(case.floor_price, prices.floor_with_tax)),
                ("予定価格（税抜）", yen_text(case.planned_price)),
                ("予定価格比", _ratio(case.floor_price, case.planned_price)),
                ("設定範囲", f"{result.lower:,}円〜{result.upper:,}円"), ("適用したルール", result.model)),
               pairs=True, label_width=0.3),
        _tax_note(case),
    ]
    if case.floor_price != result.result:
        blocks.append(Note(f"案件に記録した額（{yen_text(case.floor_price, '未算定')}）と、今の設定で計算し直した額"
                           f"（{yen_text(result.result)}）が異なります。「価格」タブで確認してください。"))
    blocks += [Heading("3　計算過程"),
               Grid(("項目", "計算", "金額（円）"), tuple((s.label, s.formula, f"{s.amount:,}") for s in result.steps),
                    widths=(1.7, 4.3, 1.1), numeric=(2,))]
    return FormDocument(title, [FormPage(blocks, label=case.number)], numbered=True,
                        subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="floor_price_record",
    title="最低制限価格調書",
    description="積算内訳から最低制限価格（または低入札価格調査基準価格）を求めた計算過程と結果の調書です（決裁欄付き）。"
                "価格の計算は案件の「価格」タブと同じです。",
    params=(CASE_PARAM,),
    build=build_floor_price_record,
    roles=VIEW,
))
