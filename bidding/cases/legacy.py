"""Cases migrated from the legacy system (SPEC CM12): what one row of its export makes of a case, and the write of
the case itself; its award and contract are written by ``bidding.bids.legacy`` and ``bidding.contracts.legacy``.

A migrated case keeps its 案件番号 (no number is taken from the sequence), is 決裁済 and is flagged ``migrated``:
a re-import updates only such cases, by 案件番号. Its state is what the data shows, not a walk through the state
machine: 完成 with a 完成日, 契約済 with a contract, 落札決定 with an award, 開札済 with a 開札日, else 起案 (決裁済),
from where it continues in this system.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from core.audit.queries import register_operations
from core.auth.models import Department
from core.history import BulkWriter

from .models import TenderCase
from .services import case_snapshot
from .validation import check_dates, check_prices

#: The states a migration gives; a case in another state was taken further in this system.
MIGRATED_STATES = ("draft", "opened", "awarded", "contracted", "completed")

#: 入札方式 as legacy systems write it (brackets, spaces and ・ ignored) → ``METHODS`` code. The labels of
#: ``METHODS`` themselves are read too.
_METHOD_WORDS = {
    "一般競争入札": "open_restricted", "制限付一般競争入札": "open_restricted", "条件付一般競争入札": "open_restricted",
    "一般競争入札制限付": "open_restricted", "一般競争": "open_restricted",
    "事後審査型一般競争入札": "open_post_review", "事後審査型制限付一般競争入札": "open_post_review",
    "一般競争入札事後審査型": "open_post_review",
    "指名競争入札": "nominated", "指名競争": "nominated",
    "随意契約": "negotiated", "随契": "negotiated", "見積合せ": "negotiated", "見積合わせ": "negotiated",
    "総合評価落札方式標準型": "value_standard", "総合評価標準型": "value_standard",
    "総合評価落札方式簡易型": "value_simple", "総合評価簡易型": "value_simple",
    "総合評価落札方式特別簡易型": "value_special", "総合評価特別簡易型": "value_special",
}
_IGNORED = re.compile(r"[\s()（）・「」\[\]]")


def _method_key(label: str) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFKC", label or ""))


def method_codes() -> dict[str, str]:
    from .models import METHODS

    codes = {_method_key(word): code for word, code in _METHOD_WORDS.items()}
    codes.update({_method_key(label): code for code, label in METHODS.items()})
    return codes


def method_of(label: str, codes: dict[str, str]) -> str | None:
    """The ``METHODS`` code of a legacy 入札方式 label (``codes`` from ``method_codes``), or None."""
    return codes.get(_method_key(label))


@dataclass(frozen=True)
class LegacyAward:
    contractor_id: int
    #: 落札金額 (税抜) and the day it was decided (the 開札日, else the 契約日).
    amount: int
    decided_on: date


@dataclass(frozen=True)
class LegacyContract:
    number: str
    contract_date: date
    #: 契約金額 (税込) as made; ``changed_amount`` the 変更後契約金額 (one change contract), if any.
    amount: int
    work_from: date
    work_to: date
    changed_amount: int | None
    completed_on: date | None


@dataclass(frozen=True)
class LegacyCase:
    """A case as one row of the legacy export makes it; equal to ``as_stored`` of a case it left unchanged."""

    number: str
    fiscal_year: int
    name: str
    department_id: int
    category: str
    work_type_code: str
    place: str | None
    method: str
    design_amount: int | None
    planned_price: int | None
    floor_kind: str
    floor_price: int | None
    drafted_on: date
    opening_at: datetime | None
    work_from: date | None
    work_to: date | None
    bidder_count: int | None
    state: str
    award: LegacyAward | None
    contract: LegacyContract | None


#: The case's own fields a migration sets (``LegacyCase`` without number, award and contract).
CASE_FIELDS = ("fiscal_year", "name", "department_id", "category", "work_type_code", "place", "method",
               "design_amount", "planned_price", "floor_kind", "floor_price", "drafted_on", "opening_at", "work_from",
               "work_to", "bidder_count", "state")


def legacy_state(opening_on: date | None, award, contract) -> str:
    """The state the data shows: 完成, 契約済, 落札決定, 開札済, else 起案."""
    if contract is not None:
        return "completed" if contract.completed_on else "contracted"
    if award is not None:
        return "awarded"
    return "opened" if opening_on else "draft"


def as_stored(case: TenderCase, award, contract) -> LegacyCase:
    """What a stored case is in the terms of a legacy row, to compare with the row (``award``: the case's current
    award or None; ``contract``: its contract or None, its first change as the 変更後契約金額)."""
    stored_award = stored_contract = None
    if award is not None:
        stored_award = LegacyAward(award.contractor_id, award.amount, award.decided_on)
    if contract is not None:
        first = contract.changes[0].amount_after if contract.changes else None
        stored_contract = LegacyContract(contract.number, contract.contract_date, contract.amount, contract.work_from,
                                         contract.work_to, first, contract.completed_on)
    return LegacyCase(number=case.number, **{key: getattr(case, key) for key in CASE_FIELDS}, award=stored_award,
                      contract=stored_contract)


class _Probe:
    """The fields of a case that is never stored, with the model's own labels: what ``check_dates`` and
    ``check_prices`` read (an ORM instance per row would cost more than the checks)."""

    notice_on = questions_until = bids_from = bids_until = None
    is_nominated_method = TenderCase.is_nominated_method
    notice_label = TenderCase.notice_label
    floor_label = TenderCase.floor_label

    def __init__(self, fields: dict):
        self.__dict__.update(fields)


def case_errors(fields: dict) -> dict[str, list[str]]:
    """The rules of a case's dates and prices (``validation.check_dates`` and ``check_prices``, their one owner) on
    the fields of a migrated case (``CASE_FIELDS``)."""
    errors: dict[str, list[str]] = {}
    probe = _Probe(fields)
    check_dates(probe, errors)
    check_prices(probe, errors)
    return errors


def register_labels() -> None:
    register_operations({"case.migrate": "入札案件の移行（旧システムからの取込）",
                         "case.migrate_update": "移行した入札案件の更新（旧システムからの取込）"}, {})


class Record:
    """A row written in bulk (``legacy_bulk``) as the snapshot functions and ``record_change`` read a record: its
    columns (``columns``, inserted as they are), the records its relationships name, its table, and its id once
    inserted. A column not given reads as None, as the stored row's NULL does."""

    def __init__(self, model: type, columns: dict, **related):
        self.model, self.columns, self.id = model, columns, None
        self.__tablename__ = model.__tablename__
        self.__dict__.update(columns)
        self.__dict__.update(related)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def set(self, **columns) -> None:
        """Columns known only once the parent rows are inserted (their ids)."""
        self.columns.update(columns)
        self.__dict__.update(columns)


def new_case(target: LegacyCase, department: Department, *, actor, now: datetime) -> Record:
    """A new migrated case for a bulk write: 決裁済, its number kept (no sequence taken), flagged ``migrated``."""
    columns = {"number": target.number, "migrated": True, "approval": "approved", "approved_at": now,
               "approved_by_id": getattr(actor, "id", None), "disclosure": "after", "cost_breakdown": {},
               **{key: getattr(target, key) for key in CASE_FIELDS}}
    return Record(TenderCase, columns, department=department, approved_by=actor, retender_of=None, charges=[])


def case_summary(case, created: bool) -> str:
    what = "入札案件を移行" if created else "移行した入札案件を更新"
    return f"{what}（旧システムからの取込）: {case.number} {case.name}"


def assign(record, columns: dict, **related) -> None:
    """Set on a stored record what differs (an unchanged record stays clean: no UPDATE, no history)."""
    for name, value in columns.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
    for name, value in related.items():
        if getattr(record, name) is not value:
            setattr(record, name, value)


def update_case(writer: BulkWriter, case: TenderCase, target: LegacyCase, department: Department) -> TenderCase:
    """Bring a stored migrated case up to ``target`` (``writer``: the import's pending writes; history queued, no
    flush). The caller has checked that the case is a migrated one still in a state a migration gives."""
    before = case_snapshot(case)
    assign(case, {key: getattr(target, key) for key in CASE_FIELDS}, department=department)
    writer.queue("case.migrate_update", case_summary(case, created=False), case, before, case_snapshot)
    return case
