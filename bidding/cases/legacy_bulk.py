"""New migrated cases written in bulk (SPEC CM12): the new cases of a chunk of rows with their rounds, bids, awards,
contracts and changes, inserted table by table with multi-row INSERTs (their ids read back by a unique key), and
each record's history recorded from the same values.

Ten years of cases are ~100,000 records; the unit of work would build, track and flush an ORM instance for each
(most of an import's time). Here each record is its columns (``legacy.Record``), built by the aggregates' own
column functions (``bidding.bids.legacy``, ``bidding.contracts.legacy``) that the ORM path for stored cases uses
too, and read by the aggregates' own snapshot functions for the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bidding.bids.award import award_snapshot
from bidding.bids.legacy import award_summary, bid_summary, new_award
from bidding.bids.models import BidRound
from bidding.bids.services import bid_snapshot
from bidding.contracts.legacy import contract_summary, new_contract
from bidding.contracts.models import ContractChange
from bidding.contracts.services import contract_snapshot
from bidding.prices import TaxTable
from core.auth.models import Department
from core.history import record_change
from core.rules import RuleTimeline
from registry.contractors.models import Contractor

from .legacy import LegacyCase, Record, case_summary, new_case
from .services import case_snapshot


@dataclass
class _NewCase:
    case: Record
    round: Record | None
    bid: Record | None
    award: Record | None
    contract: Record | None
    change: Record | None
    winner: Contractor | None


@dataclass
class NewCases:
    """The new cases of the current chunk, written by ``write`` (the import calls it once per chunk)."""

    session: Session
    actor: object
    now: datetime
    taxes: TaxTable
    terms: RuleTimeline
    pending: list[_NewCase] = field(default_factory=list)

    def add(self, target: LegacyCase, department: Department, winner: Contractor | None) -> None:
        bid_round, bid, award = new_award(target, winner, self.taxes)
        contract = change = None
        if target.contract is not None:
            contract, change = new_contract(target, winner, self.taxes, self.terms, actor=self.actor, now=self.now)
        case = new_case(target, department, actor=self.actor, now=self.now)
        self.pending.append(_NewCase(case, bid_round, bid, award, contract, change, winner))

    def write(self) -> None:
        """Insert the pending records parents first, then record the history of each (inside the import's
        ``bulk_changes``: plain rows, one log entry for the batch)."""
        if not self.pending:
            return
        items, self.pending = self.pending, []
        self._insert([i.case for i in items], "number")
        for i in items:
            if i.round:
                i.round.set(case_id=i.case.id)
        self._insert([i.round for i in items if i.round], "case_id", BidRound.number == 1)
        for i in items:
            if i.bid:
                i.bid.set(round_id=i.round.id, case_id=i.case.id)
        self._insert([i.bid for i in items if i.bid], "round_id")
        for i in items:
            if i.award:
                i.award.set(bid_id=i.bid.id, case_id=i.case.id)
        self._insert([i.award for i in items if i.award], "case_id")
        for i in items:
            if i.contract:
                i.contract.set(case_id=i.case.id, award_id=i.award.id)
        self._insert([i.contract for i in items if i.contract], "number")
        for i in items:
            if i.change:
                i.change.set(contract_id=i.contract.id)
        self._insert([i.change for i in items if i.change], "contract_id", ContractChange.seq == 1)
        for i in items:
            self._history(i)

    def _insert(self, records: list[Record], key: str, *where) -> None:
        """One multi-row INSERT per 1,000 records, then their ids read back by a key that is unique among them (a
        new case's number, its only round, bid, award, contract and change): RETURNING in parameter order would
        make SQLite insert row by row."""
        if not records:
            return
        model = records[0].model
        column = getattr(model, key)
        for start in range(0, len(records), 1000):
            part = records[start:start + 1000]
            self.session.execute(insert(model), [r.columns for r in part])
            ids = dict(self.session.execute(select(column, model.id).where(
                column.in_([r.columns[key] for r in part]), *where)).all())
            for record in part:
                record.id = ids[record.columns[key]]

    def _history(self, item: _NewCase) -> None:
        session, actor = self.session, self.actor
        case = item.case

        def created(operation: str, summary: str, target: Record, snapshot) -> None:
            record_change(session, actor, operation, summary, target=target, before=None, after=snapshot(target))

        created("case.migrate", case_summary(case, created=True), case, case_snapshot)
        if item.bid:
            created("bid.migrate", bid_summary(case.number, item.winner, item.bid.amount), item.bid, bid_snapshot)
            created("award.migrate", award_summary(case.number, item.winner, item.award.amount), item.award,
                    award_snapshot)
        if item.contract:
            contract = item.contract
            created("contract.migrate", contract_summary(contract.number, case.number, item.winner, contract.amount),
                    contract, contract_snapshot)
