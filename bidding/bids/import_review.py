"""Keiyaku's own view of an e-bid file's results (SPEC CM8), only to warn staff where it disagrees with the file:
a 落札 that is not the lowest valid bid, a bid the file calls valid below the 最低制限価格 (or over the 予定価格),
a bid disqualified that Keiyaku finds valid, no 落札 although a valid bid exists, a winner suspended (指名停止) on
the opening day. The file's decisions are recorded as given; these are warnings, never refusals.

A bid's status from the prices is the opening's rule (``services.opening_status``, its one owner); whether a firm is
suspended on a day is the registry's (``suspensions_in_force``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy.orm import Session

from core.jp import format_date
from registry.suspensions.queries import suspensions_in_force

from .models import BID_STATUSES, COMPETING
from .services import opening_status

#: Statuses the file may give that Keiyaku computes from the amounts too (the others are the bidder's or staff's).
FROM_PRICES = frozenset({"valid", "below_minimum", "over_planned", "survey"})


@dataclass(slots=True)
class FileBid:
    row: int
    round: int
    contractor_id: int
    firm: str  # 業者番号 and name, for messages
    amount: int | None
    #: The profile's status of the row (``award`` for the 落札 row).
    status: str


@dataclass
class FileCase:
    """One case of the file: its columns (from its first row), what the import found, and its rows' bids."""

    number: str
    row: int
    values: dict
    #: ``matched`` (found), ``created`` (registered from the file), ``unmatched`` (not found), or "" before compare.
    status: str = ""
    case_id: int | None = None
    #: The prices Keiyaku judges with: the case's (the file's where the case has none, or for a created case).
    planned: int | None = None
    floor: int | None = None
    floor_kind: str = "none"
    opening_on: date | None = None
    bids: list[FileBid] = field(default_factory=list)
    winner: FileBid | None = None
    #: Some row of the case is new or updated (the award is looked at after the commit).
    changed: bool = False
    #: Why the case cannot be registered from the file, (column, message), computed once.
    creation_problem: tuple[str, str] | None = None
    create_values: dict | None = None
    fiscal_year: int | None = None

    @property
    def imported(self) -> bool:
        return self.status in ("matched", "created")


def _keiyaku_status(case: FileCase, amount: int) -> str:
    subject = SimpleNamespace(invalid_reason=None, declined=False, amount=amount)
    prices = SimpleNamespace(planned_price=case.planned, floor_kind=case.floor_kind)
    return opening_status(subject, prices, case.floor if case.floor_kind != "none" else None)


def _yen(amount: int | None) -> str:
    return f"{amount:,} 円" if amount is not None else "—"


def case_warnings(case: FileCase) -> list[tuple[int, str]]:
    """(row, message) of each disagreement between the file's results of ``case`` and Keiyaku's view."""
    found: list[tuple[int, str]] = []
    floor_label = "低入札価格調査基準価格" if case.floor_kind == "survey" else "最低制限価格"
    rounds: dict[int, list[FileBid]] = defaultdict(list)
    for bid in case.bids:
        rounds[bid.round].append(bid)
        if bid.amount is None or bid.status not in FROM_PRICES | {"award"}:
            continue
        mine = _keiyaku_status(case, bid.amount)
        said = "valid" if bid.status == "award" else bid.status
        if said == mine or (said == "valid" and mine == "survey") or (said == "survey" and mine == "valid"):
            continue
        what = "落札" if bid.status == "award" else f"「{BID_STATUSES[said]}」"
        if mine == "below_minimum":
            found.append((bid.row, f"{bid.firm}の入札（{_yen(bid.amount)}）は{floor_label}（{_yen(case.floor)}）"
                                   f"を下回っていますが、ファイルでは{what}です。"))
        elif mine == "over_planned":
            found.append((bid.row, f"{bid.firm}の入札（{_yen(bid.amount)}）は予定価格（{_yen(case.planned)}）を"
                                   f"超えていますが、ファイルでは{what}です。"))
        else:
            found.append((bid.row, f"{bid.firm}の入札（{_yen(bid.amount)}）は予定価格と{floor_label}の範囲内で"
                                   f"有効と計算されますが、ファイルでは{what}です。"))
    last = max(rounds) if rounds else None
    winner = case.winner
    if winner is not None:
        if winner.round != last:
            found.append((winner.row, f"落札が第{winner.round}回の入札ですが、ファイルには第{last}回の入札もあります。"))
        competing = [b for b in rounds[winner.round] if b.amount is not None and b.status in FROM_PRICES | {"award"}
                     and _keiyaku_status(case, b.amount) in COMPETING]
        lowest = min(competing, key=lambda b: b.amount, default=None)
        if lowest is not None and winner.amount is not None and lowest.amount < winner.amount:
            found.append((winner.row, f"落札（{winner.firm} {_yen(winner.amount)}）は有効な最低価格の入札ではありません"
                                      f"（最低は {lowest.firm} {_yen(lowest.amount)}、{lowest.row} 行目）。"))
    elif last is not None:
        competing = [b for b in rounds[last] if b.amount is not None and b.status in FROM_PRICES
                     and _keiyaku_status(case, b.amount) in COMPETING]
        if competing:
            lowest = min(competing, key=lambda b: b.amount)
            found.append((lowest.row, f"落札がありませんが、第{last}回に有効な入札があります（最低は {lowest.firm} "
                                      f"{_yen(lowest.amount)}）。"))
    return found


def suspended_winners(session: Session, cases: list[FileCase]) -> list[tuple[FileCase, str]]:
    """(case, message) for each winner suspended (指名停止, a JV through its members) on the case's opening day."""
    by_day: dict[date, list[FileCase]] = defaultdict(list)
    for case in cases:
        if case.winner is not None and case.opening_on is not None:
            by_day[case.opening_on].append(case)
    found = []
    for day, items in sorted(by_day.items()):
        suspended = suspensions_in_force(session, {c.winner.contractor_id for c in items}, day)
        for case in items:
            hits = suspended.get(case.winner.contractor_id)
            if hits:
                s = hits[0]
                found.append((case, f"落札者 {case.winner.firm} は開札日（{format_date(day)}）に指名停止中です"
                                    f"（{format_date(s.starts_on)}〜{format_date(s.effective_end)}）。"))
    return found
