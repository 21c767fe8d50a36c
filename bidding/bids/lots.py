"""電子くじ (reference §3.4): each tied bidder's 3-digit くじ入力番号 plus a 3-digit system value gives its くじ番号
(the last three digits of the sum); the tied bidders are numbered 0, 1, 2 … in order of receipt; the one whose
number equals (sum of the くじ番号) mod (number of bidders) comes first; the rest repeat it for the next places.

Pure arithmetic: the caller supplies the inputs and system values (and stores them), so anyone can recompute a
draw from the 入札調書.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LotEntry:
    key: int  # the caller's id (a bid id)
    name: str
    lot_input: str  # three digits
    system_value: int  # 0–999

    @property
    def lot_number(self) -> int:
        return (int(self.lot_input) + self.system_value) % 1000


@dataclass(frozen=True)
class LotStep:
    #: The keys still in the draw, numbered 0, 1, 2 … in this order (receipt order).
    remaining: tuple[int, ...]
    numbers: tuple[int, ...]
    total: int
    count: int
    index: int  # total mod count
    winner: int  # the key at ``index``

    @property
    def formula(self) -> str:
        return (f"（{' + '.join(f'{n:03d}' for n in self.numbers)}） = {self.total:,}、{self.total:,} ÷ {self.count} の余り"
                f" = {self.index}")


def valid_input(text: str | None) -> bool:
    return isinstance(text, str) and len(text) == 3 and text.isdigit()


def draw(entries: list[LotEntry]) -> list[LotStep]:
    """Rank ``entries`` (in receipt order) by the lot; one step per place but the last (which takes what remains)."""
    if len(entries) < 2:
        raise ValueError("a lot needs two or more tied bids")
    for entry in entries:
        if not valid_input(entry.lot_input) or not 0 <= entry.system_value <= 999:
            raise ValueError(f"bad lot input for {entry.key}")
    remaining = list(entries)
    steps = []
    while len(remaining) > 1:
        numbers = tuple(e.lot_number for e in remaining)
        total = sum(numbers)
        index = total % len(remaining)
        steps.append(LotStep(tuple(e.key for e in remaining), numbers, total, len(remaining), index,
                             remaining[index].key))
        remaining.pop(index)
    return steps


def ranking(steps: list[LotStep]) -> list[int]:
    """The keys from first to last place."""
    order = [s.winner for s in steps]
    last = [k for k in steps[-1].remaining if k != steps[-1].winner]
    return order + last
