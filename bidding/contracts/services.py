"""Contract services (SPEC CM5, CM14): make the contract from an award, record 決裁, change contracts, 完成届, and
the 請求・支払 of 前払金, 部分払 and 完成払. Each write checks the actor, applies the ``contracts.terms`` rule in force
on its date, keeps history and never commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.bids.queries import current_award
from bidding.cases.models import TenderCase
from bidding.cases.permissions import can_manage_case
from bidding.cases.services import case_snapshot
from bidding.prices import TaxTable, tax_amount, tax_included, tax_within
from core.audit.queries import register_operations
from core.db import utcnow
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date
from core.rules import get_rule
from core.sequences import next_number

from .models import GUARANTEE_METHODS, PAYMENT_KINDS, Contract, ContractChange, Payment

SEQUENCE_KEY = "contract_number"
REASON_MAX = 1000


def contract_snapshot(c: Contract) -> dict:
    return {"number": c.number, "contractor": f"{c.contractor.number} {c.contractor.name}" if c.contractor else None,
            "contract_date": c.contract_date.isoformat(), "amount": c.amount, "tax_amount": c.tax_amount,
            "work_from": c.work_from.isoformat(), "work_to": c.work_to.isoformat(),
            "guarantee_method": c.guarantee_method, "guarantee_amount": c.guarantee_amount,
            "guarantee_exempt_reason": c.guarantee_exempt_reason, "advance_amount": c.advance_amount,
            "intermediate_allowed": c.intermediate_allowed, "advance_guarantee": c.advance_guarantee,
            "partial_payments": c.partial_payments, "document_kind": c.document_kind, "special_terms": c.special_terms,
            "state": c.state, "approval": c.approval,
            "completion_reported_on": c.completion_reported_on.isoformat() if c.completion_reported_on else None,
            "changes": [f"第{ch.seq}回 {ch.amount_after:,} 円 {ch.work_to_after.isoformat()}" for ch in c.changes],
            "payments": [f"{p.kind_label} {p.amount:,} 円 {p.claimed_on.isoformat()}"
                         + (f" 支払 {p.paid_on.isoformat()}" if p.paid_on else "") for p in c.payments]}


def register_labels() -> None:
    register_fields("contracts", {
        "number": "契約番号", "contractor": "契約者", "contract_date": "契約日", "amount": "契約金額（税込）",
        "tax_amount": "うち消費税等相当額", "work_from": "工期（始期）", "work_to": "工期（終期）",
        "guarantee_method": "契約保証",
        "guarantee_amount": "契約保証の額", "guarantee_exempt_reason": "契約保証の免除の理由", "advance_amount": "前払金の額",
        "intermediate_allowed": "中間前払金", "advance_guarantee": "前払保証", "partial_payments": "部分払の回数",
        "document_kind": "契約書・請書", "special_terms": "特約", "state": "状態", "approval": "決裁",
        "completion_reported_on": "完成届の日", "changes": "変更契約", "payments": "請求・支払",
        "change_approved": "変更契約の決裁"},
        {"guarantee_method": lambda v: GUARANTEE_METHODS.get(v, v)}, snapshot=(Contract, contract_snapshot))
    register_operations({
        "contract.create": "契約の締結", "contract.approve": "契約の決裁", "contract.change": "変更契約",
        "contract.approve_change": "変更契約の決裁",
        "contract.completion": "完成届の受付", "contract.payment": "請求の受付", "contract.paid": "支払の記録",
    }, {"contracts": "契約"})


TERMS_KEY = "contracts.terms"


def terms(session: Session, day: date) -> dict:
    return get_rule(session, TERMS_KEY, day)


def _ratio(amount: int, percent: Decimal) -> int:
    """``percent`` % of ``amount``, rounded up to a whole yen (a floor the contract must reach)."""
    return -(-amount * int(percent * 100) // 10000)


def _number(session: Session, day: date) -> str:
    pattern = get_rule(session, "numbering", day)["contract_number"]

    def taken(number: str) -> bool:
        return session.scalar(select(Contract.id).where(Contract.number == number)) is not None

    return next_number(session, rule_key=SEQUENCE_KEY, pattern=pattern, day=day, taken=taken)


def amount_problem(session: Session, amount: int, award_amount: int, contract_date: date,
                   taxes: TaxTable | None = None) -> str | None:
    """Why ``amount`` cannot be the 契約金額 of an award of ``award_amount`` (税抜) made on ``contract_date``: it must be
    the award plus the tax of that day (None when it is). ``taxes``: the bulk caller's ``TaxTable``."""
    total = taxes.included(award_amount, contract_date) if taxes else tax_included(session, award_amount, contract_date)
    if amount == total:
        return None
    return f"契約金額 {amount:,} 円が、落札金額 {award_amount:,} 円に消費税等を加えた {total:,} 円と一致しません。"


def document_kind(rule: dict, amount: int) -> str:
    """契約書 from the ``contracts.terms`` rule's amount (``rule`` in force on the 契約日), 請書 below it."""
    return "contract" if amount >= rule["document_threshold"] else "acceptance"


def create_contract(session: Session, actor, case: TenderCase, *, contract_date: date | None, work_from: date | None,
                    work_to: date | None, guarantee_method: str, guarantee_amount: int | None = None,
                    guarantee_exempt_reason: str | None = None, advance_amount: int | None = None,
                    intermediate_allowed: bool = False, advance_guarantee: str | None = None,
                    partial_payments: int = 0, special_terms: str | None = None,
                    amount: int | None = None) -> Contract:
    """The contract of an awarded case: 契約金額 = 落札金額 + the tax of the 契約日 (an ``amount`` typed in must agree).

    :raises ValidationFailed: per field: dates, a 契約保証 below the rule's ratio without an exemption reason, a
        前払金 above the rule's ratio, more 部分払 than the rule allows, an amount that is not the award plus tax.
    """
    require(can_manage_case(actor, case), "契約の締結は契約課の職員が行います。")
    if case.state != "awarded":
        raise ValidationFailed(f"「{case.state_label}」の案件は契約できません（落札決定した案件だけです）。")
    award = current_award(session, case.id)
    if award is None or award.state != "decided":
        raise ValidationFailed("落札決定がないため契約できません。")
    errors: dict[str, list[str]] = {}
    if contract_date is None:
        errors["contract_date"] = ["契約日を入力してください。"]
    elif contract_date < award.decided_on:
        errors["contract_date"] = [f"契約日は落札決定日（{format_date(award.decided_on)}）以後にしてください。"]
    if work_from is None or work_to is None:
        errors.setdefault("work_to", []).append("工期（始期と終期）を入力してください。")
    elif work_to < work_from:
        errors["work_to"] = [f"工期の終期（{format_date(work_to)}）が始期（{format_date(work_from)}）より前です。"]
    if errors:
        raise ValidationFailed(errors)
    rule = terms(session, contract_date)
    total = tax_included(session, award.amount, contract_date)
    if amount is not None and (problem := amount_problem(session, amount, award.amount, contract_date)):
        errors["amount"] = [problem]
    if guarantee_method not in GUARANTEE_METHODS:
        errors["guarantee_method"] = ["契約保証の方法を選んでください。"]
    elif guarantee_method == "exempt":
        if not (guarantee_exempt_reason or "").strip():
            errors["guarantee_exempt_reason"] = ["契約保証を免除する理由を入力してください。"]
    else:
        floor = _ratio(total, rule["guarantee_ratio"])
        if guarantee_amount is None or guarantee_amount < floor:
            errors["guarantee_amount"] = [f"契約保証の額は契約金額の {rule['guarantee_ratio']}% 以上（{floor:,} 円以上）に"
                                          "してください。下回るときは免除とし、理由を入力します。"]
    if advance_amount is not None:
        limit = total * int(rule["advance_ratio"] * 100) // 10000
        if advance_amount <= 0 or advance_amount > limit:
            errors["advance_amount"] = [f"前払金は契約金額の {rule['advance_ratio']}% 以内（{limit:,} 円以内）の額にして"
                                        "ください。"]
    if not 0 <= partial_payments <= rule["partial_payments"]:
        errors["partial_payments"] = [f"部分払の回数は {rule['partial_payments']} 回までです。"]
    if errors:
        raise ValidationFailed(errors)
    contract = Contract(
        number=_number(session, contract_date), case=case, award=award, contractor=award.contractor,
        contract_date=contract_date, amount=total, tax_amount=tax_amount(session, award.amount, contract_date),
        work_from=work_from, work_to=work_to, guarantee_method=guarantee_method,
        guarantee_amount=None if guarantee_method == "exempt" else guarantee_amount,
        guarantee_exempt_reason=(guarantee_exempt_reason or "").strip() or None if guarantee_method == "exempt" else None,
        advance_amount=advance_amount, intermediate_allowed=intermediate_allowed and advance_amount is not None,
        advance_guarantee=(advance_guarantee or "").strip() or None, partial_payments=partial_payments,
        document_kind=document_kind(rule, total),
        special_terms=(special_terms or "").strip() or None, state="active", approval="drafting")
    session.add(contract)
    before = case_snapshot(case)
    case.transition("contract")
    session.flush()
    record_change(session, actor, "contract.create", f"契約: {contract.number} {case.name} {award.contractor.name} "
                  f"{total:,} 円", target=contract, before=None, after=contract_snapshot(contract),
                  details={"case_id": case.id})
    record_change(session, actor, "contract.create", f"契約済: {case.number} {case.name}", target=case, before=before,
                  after=case_snapshot(case))
    return contract


def approve_contract(session: Session, actor, contract: Contract, *, now: datetime | None = None) -> Contract:
    """契約締結の決裁 (CM14): after it the contract changes only through a change contract."""
    require(can_manage_case(actor, contract.case), "契約の決裁の記録は契約課の職員が行います。")
    if contract.is_approved:
        raise ValidationFailed("この契約は決裁済みです。")
    before = contract_snapshot(contract)
    contract.approval, contract.approved_at, contract.approved_by = "approved", now or utcnow(), actor
    session.flush()
    record_change(session, actor, "contract.approve", f"契約の決裁: {contract.number}", target=contract, before=before,
                  after=contract_snapshot(contract))
    return contract


def approve_change(session: Session, actor, change: ContractChange, *, now: datetime | None = None) -> ContractChange:
    """変更契約の決裁 (CM14): recorded once; the change itself is never edited (a later change is a new record)."""
    contract = change.contract
    require(can_manage_case(actor, contract.case), "変更契約の決裁の記録は契約課の職員が行います。")
    if change.approval == "approved":
        raise ValidationFailed(f"第{change.seq}回変更契約は決裁済みです。")
    before = contract_snapshot(contract)
    change.approval, change.approved_at = "approved", now or utcnow()
    session.flush()
    # The snapshot lists the changes without their 決裁; the history names the approved change instead.
    after = contract_snapshot(contract)
    record_change(session, actor, "contract.approve_change", f"変更契約の決裁: {contract.number} 第{change.seq}回",
                  target=contract, before={**before, "change_approved": None},
                  after={**after, "change_approved": f"第{change.seq}回 {format_date(change.approved_at.date())}"})
    return change


def fiscal_year_end(day: date) -> date:
    """March 31 closing the 年度 of ``day``."""
    return date((day.year if day.month >= 4 else day.year - 1) + 1, 3, 31)


def change_contract(session: Session, actor, contract: Contract, *, changed_on: date | None, reason: str | None,
                    amount_after: int | None = None, work_to_after: date | None = None,
                    guideline_reason: str | None = None, budget_line_id: int | None = None) -> ContractChange:
    """変更契約 第n回: a new amount (税込) and/or 工期 with the reason. Beyond the guideline (an increase above the
    rule's share of the original amount, or a 工期 past the 年度's end) it needs ``guideline_reason``. A change of
    amount is charged to one of the case's budget lines (``budget_line_id``; the only one when there is one), so the
    line's committed amount follows it."""
    require(can_manage_case(actor, contract.case), "変更契約は契約課の職員が行います。")
    if contract.state != "active":
        raise ValidationFailed(f"「{contract.state_label}」の契約は変更できません。")
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        errors["reason"] = [f"変更の理由を {REASON_MAX} 文字以内で入力してください。"]
    last_day = contract.changes[-1].changed_on if contract.changes else contract.contract_date
    if changed_on is None:
        errors["changed_on"] = ["変更契約の日を入力してください。"]
    elif changed_on < last_day:
        errors["changed_on"] = [f"変更契約の日は契約日・前回の変更日（{format_date(last_day)}）以後にしてください。"]
    new_amount = contract.current_amount if amount_after is None else amount_after
    new_work_to = contract.current_work_to if work_to_after is None else work_to_after
    if new_amount <= 0:
        errors["amount_after"] = ["変更後の契約金額は 1 円以上にしてください。"]
    if new_amount == contract.current_amount and new_work_to == contract.current_work_to:
        errors.setdefault("amount_after", []).append("契約金額か工期のどちらかを変えてください。")
    if new_amount < contract.paid_total:
        errors.setdefault("amount_after", []).append(
            f"変更後の契約金額が請求済みの額（{contract.paid_total:,} 円）を下回ります。")
    if new_work_to < contract.work_from:
        errors["work_to_after"] = ["変更後の工期の終期が始期より前です。"]
    line_id = None
    if new_amount != contract.current_amount:
        line_id, line_error = change_line(contract, budget_line_id)
        if line_error:
            errors["budget_line_id"] = [line_error]
    if errors:
        raise ValidationFailed(errors)
    rule = terms(session, changed_on)
    beyond = []
    if new_amount > contract.amount + _ratio(contract.amount, rule["change_guideline"]) - 1:
        increase = (Decimal(new_amount - contract.amount) * 100 / contract.amount).quantize(Decimal("0.1"))
        beyond.append(f"当初契約金額からの増額が {increase}%（目安 {rule['change_guideline']}%）")
    if new_work_to > fiscal_year_end(contract.contract_date):
        beyond.append(f"工期の終期が契約年度の末日（{format_date(fiscal_year_end(contract.contract_date))}）を越える"
                      "（繰越の手続が必要）")
    guideline_reason = (guideline_reason or "").strip() or None
    if beyond and not guideline_reason:
        raise ValidationFailed({"guideline_reason": [f"{'、'.join(beyond)}ため、確認の理由を入力してください。"]})
    before = contract_snapshot(contract)
    change = ContractChange(contract=contract, seq=len(contract.changes) + 1, changed_on=changed_on, reason=reason,
                            amount_before=contract.current_amount, amount_after=new_amount,
                            tax_after=tax_within(session, new_amount, changed_on), work_to_before=contract.current_work_to,
                            work_to_after=new_work_to, guideline_reason=guideline_reason if beyond else None,
                            budget_line_id=line_id)
    session.add(change)
    session.flush()
    record_change(session, actor, "contract.change", f"変更契約 第{change.seq}回: {contract.number} "
                  f"{change.amount_before:,} → {new_amount:,} 円", target=contract, before=before,
                  after=contract_snapshot(contract))
    return change


def change_line(contract: Contract, budget_line_id: int | None) -> tuple[int | None, str | None]:
    """The budget line a change of amount is charged to, or the message saying why not: one of the case's lines
    (the only one when the case has one); None for a case without charges (a migrated case)."""
    line_ids = [charge.budget_line_id for charge in contract.case.charges]
    if not line_ids:
        return None, None
    if budget_line_id is None and len(line_ids) == 1:
        return line_ids[0], None
    if budget_line_id in line_ids:
        return budget_line_id, None
    return None, "増減額を充当する予算科目を、案件に充当した科目から選んでください。"


def report_completion(session: Session, actor, contract: Contract, *, reported_on: date | None) -> Contract:
    """完成届 received (the 完成検査 follows)."""
    require(can_manage_case(actor, contract.case), "完成届の受付は契約課の職員が行います。")
    if reported_on is None:
        raise ValidationFailed({"reported_on": ["完成届の日を入力してください。"]})
    if reported_on < contract.work_from:
        raise ValidationFailed({"reported_on": ["完成届の日が工期の始期より前です。"]})
    before = contract_snapshot(contract)
    contract.completion_reported_on = reported_on
    session.flush()
    record_change(session, actor, "contract.completion", f"完成届: {contract.number}（{format_date(reported_on)}）",
                  target=contract, before=before, after=contract_snapshot(contract))
    return contract


def claim_payment(session: Session, actor, contract: Contract, *, kind: str, amount: int | None,
                  claimed_on: date | None) -> Payment:
    """A 請求 of 前払金, 中間前払金, 部分払 or 完成払; its 支払期限 follows from the rule. The total claimed can never
    exceed the current contract amount."""
    require(can_manage_case(actor, contract.case), "請求の受付は契約課の職員が行います。")
    errors: dict[str, list[str]] = {}
    if kind not in PAYMENT_KINDS:
        errors["kind"] = ["請求の種類を選んでください。"]
    if claimed_on is None:
        errors["claimed_on"] = ["請求日を入力してください。"]
    elif claimed_on < contract.contract_date:
        errors["claimed_on"] = ["請求日が契約日より前です。"]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = ["請求額は 1 円以上の整数（円）で入力してください。"]
    elif amount > contract.remaining:
        errors["amount"] = [f"請求額 {amount:,} 円が支払残額 {contract.remaining:,} 円を超えます。"]
    if errors:
        raise ValidationFailed(errors)
    kinds = [p.kind for p in contract.payments]
    if kind == "advance" and (contract.advance_amount is None or "advance" in kinds or amount > contract.advance_amount):
        raise ValidationFailed({"amount": [f"前払金は契約で定めた額（{contract.advance_amount or 0:,} 円）まで、1 回だけ"
                                           "請求できます。"]})
    if kind == "intermediate" and (not contract.intermediate_allowed or "intermediate" in kinds):
        raise ValidationFailed({"kind": ["この契約では中間前払金を請求できません（または請求済み）。"]})
    if kind == "partial" and kinds.count("partial") >= contract.partial_payments:
        raise ValidationFailed({"kind": [f"部分払は {contract.partial_payments} 回までです。"]})
    if kind == "final" and contract.completed_on is None:
        raise ValidationFailed({"kind": ["完成払は完成検査に合格してから請求できます。"]})
    rule = terms(session, claimed_on)
    days = rule["final_payment_days"] if kind == "final" else rule["other_payment_days"]
    before = contract_snapshot(contract)
    payment = Payment(contract=contract, kind=kind, amount=amount, claimed_on=claimed_on,
                      due_on=claimed_on + timedelta(days=days))
    session.add(payment)
    session.flush()
    record_change(session, actor, "contract.payment", f"{payment.kind_label}の請求: {contract.number} {amount:,} 円"
                  f"（支払期限 {format_date(payment.due_on)}）", target=contract, before=before,
                  after=contract_snapshot(contract))
    return payment


def record_paid(session: Session, actor, payment: Payment, *, paid_on: date | None) -> Payment:
    contract = payment.contract
    require(can_manage_case(actor, contract.case), "支払の記録は契約課の職員が行います。")
    if paid_on is None or paid_on < payment.claimed_on:
        raise ValidationFailed({"paid_on": ["支払日を請求日以後の日で入力してください。"]})
    before = contract_snapshot(contract)
    payment.paid_on = paid_on
    session.flush()
    late = "（支払期限後）" if paid_on > payment.due_on else ""
    record_change(session, actor, "contract.paid", f"{payment.kind_label}の支払: {contract.number} {payment.amount:,} 円"
                  f"{late}", target=contract, before=before, after=contract_snapshot(contract))
    return payment
