"""The contract of a case migrated from the legacy system (SPEC CM12): the contract as made (契約番号, 契約日, 契約金額,
工期), one change contract when the export has a 変更後契約金額, and the completion on the 完成日.

The export does not say when the contract was changed, so the change is dated on the 契約日 (its reason says so)
and its tax is that day's; a change made later in this system follows it. A migrated contract is 決裁済, its
契約書・請書 by the ``contracts.terms`` rule of the 契約日, its 契約保証 recorded as 記録なし (``LEGACY_GUARANTEE_REASON``).

``new_contract`` gives the records of a new case for the bulk write (``bidding.cases.legacy_bulk``);
``import_contract`` creates or updates them on a stored case through the ORM, from the same columns.
"""

from __future__ import annotations

from datetime import datetime

from bidding.bids.models import Award
from bidding.cases.legacy import LegacyCase, Record, assign
from bidding.cases.models import TenderCase
from bidding.prices import TaxTable
from core.audit.queries import register_operations
from core.history import BulkWriter
from core.rules import RuleTimeline
from registry.contractors.models import Contractor

from .models import LEGACY_GUARANTEE_REASON, Contract, ContractChange
from .services import TERMS_KEY, contract_snapshot, document_kind

CHANGE_REASON = "旧システムからの移行（変更後契約金額。変更契約の日は記録がないため契約日としています）"


def register_labels() -> None:
    register_operations({"contract.migrate": "契約の移行（旧システムからの取込）"}, {})


def terms_by_day(session) -> RuleTimeline:
    """The ``contracts.terms`` rule over time, read once per import."""
    return RuleTimeline(session, TERMS_KEY)


def contract_columns(target: LegacyCase, taxes: TaxTable, terms: RuleTimeline) -> dict:
    legacy = target.contract
    return {"number": legacy.number, "contractor_id": target.award.contractor_id, "contract_date": legacy.contract_date,
            "amount": legacy.amount, "tax_amount": taxes.amount(target.award.amount, legacy.contract_date),
            "work_from": legacy.work_from, "work_to": legacy.work_to,
            "document_kind": document_kind(terms.values(legacy.contract_date), legacy.amount),
            "state": "completed" if legacy.completed_on else "active", "completed_on": legacy.completed_on}


def _new_columns(actor, now: datetime) -> dict:
    """What a migrated contract has that the export does not say."""
    return {"guarantee_method": "exempt", "guarantee_exempt_reason": LEGACY_GUARANTEE_REASON,
            "intermediate_allowed": False, "partial_payments": 0, "approval": "approved", "approved_at": now,
            "approved_by_id": getattr(actor, "id", None)}


def change_columns(target: LegacyCase, taxes: TaxTable, now: datetime) -> dict:
    """The first change contract: the 変更後契約金額 of the export (its 工期 unchanged), dated on the 契約日."""
    legacy = target.contract
    return {"seq": 1, "changed_on": legacy.contract_date, "reason": CHANGE_REASON, "amount_before": legacy.amount,
            "amount_after": legacy.changed_amount, "tax_after": taxes.within(legacy.changed_amount, legacy.contract_date),
            "work_to_before": legacy.work_to, "work_to_after": legacy.work_to, "approval": "approved", "approved_at": now}


def contract_summary(number: str, case_number: str, contractor: Contractor, amount: int) -> str:
    return f"契約（旧システムからの取込）: {number} {case_number} {contractor.name} {amount:,} 円"


def new_contract(target: LegacyCase, winner: Contractor, taxes: TaxTable, terms: RuleTimeline, *, actor,
                 now: datetime) -> tuple[Record, Record | None]:
    """The contract of a new migrated case and its change, for the bulk write (ids filled there)."""
    change = None
    if target.contract.changed_amount is not None:
        change = Record(ContractChange, change_columns(target, taxes, now))
    contract = Record(Contract, {**contract_columns(target, taxes, terms), **_new_columns(actor, now)},
                      contractor=winner, changes=[change] if change else [], payments=[])
    return contract, change


def import_contract(writer: BulkWriter, case: TenderCase, award: Award, target: LegacyCase, contractor: Contractor, *,
                    taxes: TaxTable, terms: RuleTimeline, actor, now: datetime) -> Contract:
    """Create or bring up to date the contract of a stored migrated case (``writer`` keeps contracts and their first
    change by 案件番号; history queued, no flush). ``target.contract`` must be set, and ``award`` the case's award;
    ``taxes`` and ``terms`` (``terms_by_day``) read their rules once for the whole import."""
    key = target.number
    contract = writer.get(Contract, key)
    before = None if contract is None else contract_snapshot(contract)
    if contract is None:
        contract = writer.add(Contract, key, Contract(case=case, changes=[], payments=[], **_new_columns(actor, now)))
    assign(contract, contract_columns(target, taxes, terms), award=award, contractor=contractor)
    if target.contract.changed_amount is not None:  # the caller refused a row that would take a stored change away
        change = writer.get(ContractChange, key)
        columns = change_columns(target, taxes, now)
        if change is None:
            writer.add(ContractChange, key, ContractChange(contract=contract, **columns))
        else:
            assign(change, {k: v for k, v in columns.items() if k not in ("approval", "approved_at")})
    writer.queue("contract.migrate", contract_summary(contract.number, case.number, contractor, contract.amount),
                 contract, before, contract_snapshot)
    return contract
