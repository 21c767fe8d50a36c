"""The awards of an e-bid import (SPEC CM8), once every bid is written: each changed case gets the award the file
gives (its 落札 row); an award the file no longer gives — a corrected file naming another winner, or none — is
withdrawn with the reason first. Cases load by chunks, with their awards in force and their bids."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bidding.cases.models import TenderCase
from core.history import BulkWriter
from core.timefmt import today

from .import_services import case_load_options, import_award, withdraw_award
from .models import Award, Bid, BidRound

CHUNK = 500


def settle_awards(session: Session, actor, ctx, batch) -> None:
    """Bring the award of every case with a new or updated row to the file's; counts go to ``ctx.awarded`` and
    ``ctx.withdrawn``."""
    changed = [c for c in ctx.cases.values() if c.imported and c.changed and c.case_id is not None]
    writer = BulkWriter(session, actor)
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start:start + CHUNK]
        ids = [c.case_id for c in chunk]
        cases = {c.id: c for c in session.scalars(select(TenderCase).where(TenderCase.id.in_(ids))
                                                  .options(*case_load_options()))}
        awards = {a.case_id: a for a in session.scalars(
            select(Award).where(Award.case_id.in_(ids), Award.state != "undone")
            .options(selectinload(Award.bid).selectinload(Bid.round), selectinload(Award.contractor)))}
        bids = {(b.case_id, number, b.contractor_id): b for b, number in session.execute(
            select(Bid, BidRound.number).join(BidRound, Bid.round_id == BidRound.id).where(Bid.case_id.in_(ids))
            .options(selectinload(Bid.contractor)))}
        for file_case in chunk:
            case = cases[file_case.case_id]
            current = awards.get(case.id)
            winner = file_case.winner
            want = (winner.round, winner.contractor_id) if winner else None
            have = (current.bid.round.number, current.contractor_id) if current else None
            if want == have:
                continue
            if current is not None:
                why = "の訂正で落札者が変わった" if want else "に落札がなくなった"
                withdraw_award(session, actor, current, on=today(),
                               reason=f"電子入札システムの結果{why}ため取消（取込 #{batch.id}）")
                ctx.withdrawn += 1
            if want is not None:
                import_award(writer, case, bids[(case.id, *want)],
                             decided_on=file_case.values.get("decided_on") or file_case.opening_on)
                ctx.awarded += 1
        writer.write()  # one flush for the chunk's awards, then their history
