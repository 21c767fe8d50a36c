"""The contract of a case migrated from the legacy system (SPEC CM12): the contract as made (契約番号, 契約日, 契約金額,
工期), one change contract when the export has a 変更後契約金額, and the completion on the 完成日.

The export does not say when the contract was changed, so the change is dated on the 契約日 (its reason says so)
and its tax is that day's; a change made later in this system follows it. A migrated contract is 決裁済, its
契約書・請書 by the ``contracts.terms`` rule of the 契約日, its 契約保証 recorded as 記録なし (``LEGACY_GUARANTEE_REASON``).
"""

from __future__ import annotations

from datetime import datetime

from bidding.bids.models import Award
from bidding.cases.legacy import LegacyCase
from bidding.cases.models import TenderCase
from bidding.prices import tax_amount
from core.audit.queries import register_operations
from core.history import BulkWriter
from registry.contractors.models import Contractor

from .models import LEGACY_GUARANTEE_REASON, Contract, ContractChange
from .services import contract_snapshot, document_kind, tax_within, terms

CHANGE_REASON = "旧システムからの移行（変更後契約金額。変更契約の日は記録がないため契約日としています）"


def register_labels() -> None:
    register_operations({"contract.migrate": "契約の移行（旧システムからの取込）"}, {})


def import_contract(writer: BulkWriter, case: TenderCase, award: Award, target: LegacyCase, contractor: Contractor, *,
                    actor, now: datetime) -> Contract:
    """Create or bring up to date the contract of a migrated case (``writer`` keeps contracts and their first change
    by 案件番号; history queued, no flush). ``target.contract`` must be set, and ``award`` the case's award."""
    session = writer.session
    legacy = target.contract
    key = target.number
    ex_tax = award.amount
    values = {
        "number": legacy.number, "award": award, "contractor": contractor, "contract_date": legacy.contract_date,
        "amount": legacy.amount, "tax_amount": tax_amount(session, ex_tax, legacy.contract_date),
        "work_from": legacy.work_from, "work_to": legacy.work_to,
        "document_kind": document_kind(terms(session, legacy.contract_date), legacy.amount),
        "state": "completed" if legacy.completed_on else "active", "completed_on": legacy.completed_on,
    }
    contract = writer.get(Contract, key)
    if contract is None:
        contract = writer.add(Contract, key, Contract(
            case=case, guarantee_method="exempt", guarantee_exempt_reason=LEGACY_GUARANTEE_REASON,
            intermediate_allowed=False, partial_payments=0, approval="approved", approved_at=now, approved_by=actor,
            changes=[], payments=[], **values))
        before = None
    else:
        before = contract_snapshot(contract)
        for name, value in values.items():
            if getattr(contract, name) is not value and getattr(contract, name) != value:
                setattr(contract, name, value)
    _change(writer, contract, key, legacy.changed_amount, now)
    writer.queue("contract.migrate", f"契約（旧システムからの取込）: {contract.number} {case.number} {contractor.name} "
                 f"{legacy.amount:,} 円", contract, before, contract_snapshot)
    return contract


def _change(writer: BulkWriter, contract: Contract, key: str, amount: int | None, now: datetime) -> None:
    """The first change contract: the 変更後契約金額 of the export (its 工期 unchanged)."""
    change = writer.get(ContractChange, key)
    if amount is None:
        return  # the caller refused a row that would take away a stored change
    values = {"changed_on": contract.contract_date, "reason": CHANGE_REASON, "amount_before": contract.amount,
              "amount_after": amount, "tax_after": tax_within(writer.session, amount, contract.contract_date),
              "work_to_before": contract.work_to, "work_to_after": contract.work_to}
    if change is None:
        writer.add(ContractChange, key, ContractChange(contract=contract, seq=1, approval="approved", approved_at=now,
                                                       **values))
        return
    for name, value in values.items():
        if getattr(change, name) != value:
            setattr(change, name, value)
