"""Bids of the ``bidding`` step's cases, consistent with each case's state (~100,000 bids for 10 years).

Called by ``bidding.generate`` with the cases and participants it made, drawing from ``ctx.rng("bids")`` so the
cases themselves do not change. Only cases that were opened get rounds: 開札済 (round 1 opened, no award yet),
落札決定・契約済・完成 (a decided award on the lowest competing bid, after up to three rounds), 不調 (every round
without a competing bid, up to three), and half of the 中止 cases (cancelled after their opening); the other 中止
cases and the running ones have none. About 80 % of the firms of a case hand in something, 12 % of those a 辞退,
1 % an invalid bid; one case in ten has several bids at the floor, settled by an 電子くじ stored with its
inputs and steps as the app stores them (same arithmetic, written here so the generator imports no feature code).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .context import Context

OPENED = frozenset({"opened", "awarded", "contracted", "completed", "failed"})
AWARDED = frozenset({"awarded", "contracted", "completed"})
#: 消費税等 in force (the last change on 2019-10-01).
TAX_CHANGE = date(2019, 10, 1)


def _tax_included(amount: int, day: date) -> int:
    return amount + amount * (10 if day >= TAX_CHANGE else 8) // 100


def _rate(amount: int, planned: int) -> Decimal:
    return (Decimal(amount) * 100 / Decimal(planned)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _status(amount: int | None, declined: bool, invalid: bool, planned: int, floor: int | None) -> str:
    if invalid:
        return "invalid"
    if declined:
        return "declined"
    if amount > planned:
        return "over_planned"
    if floor is not None and amount < floor:
        return "below_minimum"
    return "valid"


class _Ids:
    def __init__(self):
        self.round = self.bid = self.lot = self.award = 0

    def next(self, name: str) -> int:
        setattr(self, name, getattr(self, name) + 1)
        return getattr(self, name)


def _lot(entries: list[dict]) -> tuple[list[dict], list[int]]:
    """The 電子くじ steps and ranking of ``entries`` (receipt order), as ``bidding.bids.lots`` computes them."""
    remaining, steps = list(entries), []
    while len(remaining) > 1:
        numbers = [e["lot_number"] for e in remaining]
        total, index = sum(numbers), sum(numbers) % len(remaining)
        formula = (f"（{' + '.join(f'{n:03d}' for n in numbers)}） = {total:,}、{total:,} ÷ {len(remaining)} の余り"
                   f" = {index}")
        steps.append({"remaining": [e["bid_id"] for e in remaining], "numbers": numbers, "total": total,
                      "count": len(remaining), "index": index, "winner_bid_id": remaining[index]["bid_id"],
                      "formula": formula})
        remaining.pop(index)
    ranking = [s["winner_bid_id"] for s in steps] + [remaining[0]["bid_id"]]
    return steps, ranking


def generate_bids(ctx: Context, cases: list[dict], participants: list[dict]) -> None:
    rng = ctx.rng("bids")
    firms: dict[int, list[int]] = {}
    for p in participants:
        firms.setdefault(p["case_id"], []).append(p["contractor_id"])
    ids = _Ids()
    rounds, bids, lot_draws, awards = [], [], [], []
    for case in cases:
        state = case["state"]
        after_opening = state in OPENED or (state == "cancelled" and rng.random() < 0.5)
        bidders = [f for f in firms.get(case["id"], []) if rng.random() < 0.8]
        if not after_opening or not bidders:
            continue
        planned, opening = case["planned_price"], case["opening_at"]
        floor = case["floor_price"] if case["floor_kind"] != "none" else None
        must_win, must_fail = state in AWARDED, state == "failed"
        tie = must_win and floor is not None and rng.random() < 0.1
        # 不調 after 1–3 rounds; an award within three; 開札済 and 中止 cases stop after round 1.
        last = rng.randint(1, 3) if must_fail else (3 if must_win else 1)
        active = bidders
        winner = None
        for number in range(1, last + 1):
            round_id = ids.next("round")
            rounds.append({"id": round_id, "case_id": case["id"], "number": number, "state": "opened",
                           "opened_at": opening + timedelta(hours=number - 1), "floor_price": floor,
                           "floor_coefficient": None, "created_at": ctx.at(opening.date())})
            made = []
            for order, firm_id in enumerate(active):
                sure = must_win and order == 0  # the firm that bids within the range in the last round
                declined = number == 1 and rng.random() < 0.12 and not sure
                invalid = not declined and rng.random() < 0.01 and not (sure and number == last)
                if declined:
                    amount = None
                elif must_fail:
                    amount = planned * rng.randint(1005, 1100) // 1000 // 1000 * 1000
                elif tie and order < 3:
                    amount = floor
                elif sure and number == last:
                    amount = max(floor or 0, planned * rng.randint(900, 990) // 1000 // 1000 * 1000)
                else:
                    share = rng.randint(860, 1040) if number == 1 else rng.randint(880, 1000)
                    amount = max(1000, planned * share // 1000 // 1000 * 1000)
                received = datetime.combine(opening.date() - timedelta(days=1), opening.time()) + timedelta(
                    seconds=rng.randint(0, 80_000), milliseconds=rng.randint(0, 999))
                bid_id = ids.next("bid")
                status = _status(amount, declined, invalid, planned, floor)
                paper = rng.random() < 0.05
                made.append({"id": bid_id, "round_id": round_id, "case_id": case["id"], "contractor_id": firm_id,
                             "amount": amount, "declined": declined, "invalid_reason": "correction" if invalid else None,
                             "received_at": received, "lot_input": "000" if paper else f"{rng.randint(0, 999):03d}",
                             "paper": paper, "status": status, "tech_standard": None, "tech_added": None,
                             "tech_structure": None, "survey_decision": None, "survey_decided_on": None,
                             "survey_note": None, "created_at": ctx.at(opening.date())})
            bids += made
            competing = [b for b in made if b["status"] == "valid"]
            if competing and not must_fail:
                low = min(b["amount"] for b in competing)
                tied = sorted((b for b in competing if b["amount"] == low), key=lambda b: (b["received_at"], b["id"]))
                winner = tied[0]
                if len(tied) > 1:
                    entries = []
                    for order, b in enumerate(tied):
                        system = b["received_at"].microsecond // 1000
                        entries.append({"bid_id": b["id"], "contractor": f"業者{b['contractor_id']}", "order": order,
                                        "input": b["lot_input"], "system_value": system,
                                        "lot_number": (int(b["lot_input"]) + system) % 1000})
                    steps, ranking = _lot(entries)
                    lot_draws.append({"id": ids.next("lot"), "round_id": round_id, "amount": low, "method": "receipt_ms",
                                      "entries": entries, "steps": steps, "ranking": ranking,
                                      "drawn_at": ctx.at(opening.date())})
                    winner = next(b for b in tied if b["id"] == ranking[0])
                break
            active = [b["contractor_id"] for b in made if not b["declined"]]
            if not active:
                break
        if winner is not None and state in AWARDED:
            decided = opening.date() + timedelta(days=rng.randint(0, 7))
            awards.append({"id": ids.next("award"), "case_id": case["id"], "bid_id": winner["id"],
                           "contractor_id": winner["contractor_id"], "state": "decided", "amount": winner["amount"],
                           "amount_with_tax": _tax_included(winner["amount"], decided),
                           "rate": _rate(winner["amount"], planned), "decided_on": decided, "undo_reason": None,
                           "undone_on": None, "created_at": ctx.at(decided)})
    with ctx.engine.begin() as conn:
        ctx.insert(conn, "bid_rounds", rounds, chunk=5000)
        ctx.insert(conn, "bids", bids, chunk=5000)
        ctx.insert(conn, "lot_draws", lot_draws, chunk=1000)
        ctx.insert(conn, "awards", awards, chunk=5000)
