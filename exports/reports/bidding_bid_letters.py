"""Letters and records after an opening (SPEC CM11): 落札者決定通知書 (to the winner), the notice of a 低入札価格調査
(to each bidder under it, asking for documents by a date) and the 低入札価格調査結果調書 (the survey's result, with
a 決裁欄).

The wording and the deadlines are the versioned rules ``bidding.award_notice`` and ``bidding.low_bid_survey``
(``bidding.results.rules``) in force on the letter's date; the deadlines are counted by ``core.rules.deadline_for``
(calendar or business days as the rule says). Cases are found with the user's department scope.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bidding.bids import queries as bids
from bidding.bids.models import SURVEY_DECISIONS, Bid
from bidding.cases.models import TenderCase
from core.errors import DomainError, ValidationFailed
from core.jp import format_date
from core.rules import deadline_for, get_rule

from . import register
from .base import Param, ReportDefinition
from .bidding import (
    CASE_PARAM,
    VIEW,
    _addressee,
    _fill,
    find_case,
    period_label,
    place_label,
    work_period,
    yen_text,
)
from .bidding_bids import at_text, opened_rounds
from .bidding_records import APPROVERS
from .formdoc import Approvals, Dateline, Fields, FormDocument, FormPage, Issuer, Ki, Note, Text, Title

FIRM_PARAM = Param("contractor", "業者番号", "text", max_length=20,
                   hint="指定しなければ低入札価格調査の対象になったすべての入札者の分（1 者 1 ページ）")


def _deadline(session, name: str, start: date, rule_key: str) -> date:
    """A deadline of the letter's rule; a count the calendar cannot make is the parameter's message."""
    try:
        return deadline_for(session, name, start, rule_key=rule_key)
    except DomainError as exc:
        raise ValidationFailed({"case": [str(exc)]}) from None


def _percent(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return "—"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} %"


# --- 落札者決定通知書 ------------------------------------------------------------------------------------

def build_award_notice(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    award = bids.current_award(session, case.id)
    if award is None:
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」は落札者が決まっていません"
                                         "（落札決定の後に印刷できます）。"]})
    if award.state != "decided":
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」の{award.contractor.name}は落札候補者"
                                         "（事後審査中）です。落札決定の後に印刷できます。"]})
    wording = get_rule(session, "bidding.award_notice", award.decided_on)
    deadline = _deadline(session, "contract", award.decided_on, "bidding.award_notice")
    values = {"case_name": case.name, "deadline": format_date(deadline)}
    items = Ki((("案件番号", case.number), ("件名", case.name), (place_label(case), case.place or "—"),
                ("落札金額（税抜）", f"{yen_text(award.amount)}（消費税及び地方消費税相当額を含まない）"),
                ("落札金額（税込）", f"{yen_text(award.amount_with_tax)}（消費税及び地方消費税相当額を含む）"),
                (period_label(case), work_period(case)), ("落札決定日", format_date(award.decided_on)),
                ("契約の締結期限", format_date(deadline))),
               notes=(_fill(wording["closing"], values),))
    firm = award.contractor
    page = FormPage([Dateline(award.decided_on), _addressee(firm), Issuer((wording["issuer"],)), Title(wording["title"]),
                     Text(_fill(wording["body"], values), indent=True), items],
                    label=f"{firm.number} {firm.name}")
    return FormDocument(wording["title"], [page], unit="通", subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="award_notice",
    title="落札者決定通知書",
    description="落札者に送る通知書です（件名・落札金額 税抜・税込・工期・契約の締結期限）。文言と締結期限の日数は"
                "ルール設定「落札者決定通知書」の、落札決定日に適用される版によります。",
    params=(CASE_PARAM,),
    build=build_award_notice,
    roles=VIEW,
))


# --- 低入札価格調査 ----------------------------------------------------------------------------------------

def _surveyed(session, case: TenderCase, number: str) -> list[Bid]:
    """The bids of the opened rounds that came under a 低入札価格調査 (optionally one firm's)."""
    rounds, _ = opened_rounds(session, case)
    surveyed = [b for r in rounds for b in r.bids if b.survey_decision is not None]
    if not surveyed:
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」に低入札価格調査の対象となった入札は"
                                         "ありません。"]})
    if number:
        surveyed = [b for b in surveyed if b.contractor.number == number]
        if not surveyed:
            raise ValidationFailed({"contractor": [f"業者番号「{number}」の業者の入札は低入札価格調査の対象ではありません。"]})
    return surveyed


def build_survey_notice(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    pages, title = [], "低入札価格調査について（通知）"
    for bid in _surveyed(session, case, params.get("contractor") or ""):
        opened = bid.round.opened_at
        notice_on = params.get("notice_on") or (opened.date() if opened else case.price_date)
        wording = get_rule(session, "bidding.low_bid_survey", notice_on)
        deadline = _deadline(session, "documents", notice_on, "bidding.low_bid_survey")
        values = {"case_name": case.name, "deadline": format_date(deadline)}
        documents = "\n".join(f"・{d.strip()}" for d in wording["documents"].split("、") if d.strip())
        items = Ki((("案件番号", case.number), ("件名", case.name), ("開札日時", at_text(opened)),
                    ("入札金額", f"{yen_text(bid.amount)}（第{bid.round.number}回、消費税及び地方消費税相当額を含まない）"),
                    ("提出書類", documents or "—"), ("提出期限", format_date(deadline))),
                   notes=(_fill(wording["closing"], values),))
        title = wording["title"]
        pages.append(FormPage([Dateline(notice_on), _addressee(bid.contractor), Issuer((wording["issuer"],)),
                               Title(title), Text(_fill(wording["body"], values), indent=True), items],
                              label=f"{bid.contractor.number} {bid.contractor.name}"))
    return FormDocument(title, pages, unit="通", subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="low_bid_survey_notice",
    title="低入札価格調査の通知書",
    description="入札価格が低入札価格調査基準価格を下回った入札者に、調査を行うことと提出書類・提出期限を知らせる通知書"
                "です（入札者ごとに 1 ページ）。文言と提出期限の日数はルール設定「低入札価格調査の通知」の、通知日に"
                "適用される版によります。",
    params=(CASE_PARAM, FIRM_PARAM,
            Param("notice_on", "通知日", "date", hint="指定しなければ開札日")),
    build=build_survey_notice,
    roles=VIEW,
))


def build_survey_record(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    pages = []
    for bid in _surveyed(session, case, params.get("contractor") or ""):
        floor = bid.round.floor_price if bid.round.floor_price is not None else case.floor_price
        decision = SURVEY_DECISIONS.get(bid.survey_decision, bid.survey_decision)
        blocks = [
            Approvals(APPROVERS),
            Dateline(bid.survey_decided_on, label="調査の決定日") if bid.survey_decided_on else Dateline(None),
            Title("低入札価格調査結果調書"),
            Fields((("案件番号", case.number), ("担当課", case.department.name), ("件名", case.name),
                    ("入札方式", case.method_label), ("開札日時", at_text(bid.round.opened_at)),
                    ("入札回", f"第{bid.round.number}回")), pairs=True, label_width=0.3),
            Text("上記の案件の入札について、低入札価格調査の結果を次のとおり報告します。", indent=True),
            Fields((("入札者", f"{bid.contractor.number} {bid.contractor.name}"),
                    ("入札金額（税抜）", yen_text(bid.amount)),
                    ("調査基準価格（税抜）", yen_text(floor, "未算定")),
                    ("予定価格（税抜）", yen_text(case.planned_price)),
                    ("入札金額／予定価格", _percent(bid.amount, case.planned_price)),
                    ("入札金額／調査基準価格", _percent(bid.amount, floor)),
                    ("調査の結果", decision),
                    ("決定日", format_date(bid.survey_decided_on) if bid.survey_decided_on else "—"),
                    ("所見", bid.survey_note or "—"))),
        ]
        if bid.survey_decision == "pending":
            blocks.append(Note("調査中です。結果を記録すると、この調書に記載されます。"))
        elif bid.survey_decision == "unacceptable":
            blocks.append(Note("この入札は、契約の内容に適合した履行がされないおそれがあるため、落札者としません（失格）。"))
        pages.append(FormPage(blocks, label=f"{bid.contractor.number} {bid.contractor.name}"))
    return FormDocument("低入札価格調査結果調書", pages, subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="low_bid_survey_record",
    title="低入札価格調査結果調書",
    description="低入札価格調査の対象となった入札ごとに、入札金額・調査基準価格・調査の結果・決定日・所見を記載した調書です"
                "（決裁欄付き）。",
    params=(CASE_PARAM, FIRM_PARAM),
    build=build_survey_record,
    roles=VIEW,
))
