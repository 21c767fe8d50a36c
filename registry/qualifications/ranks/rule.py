"""格付: a rank per graded 業種 from the total points (客観点 + 主観点) by the ``registry.ranks`` rule.

The rule's thresholds give, per 業種 code, each rank's minimum total; the rank is the highest whose minimum the
total reaches. 業種 without thresholds get the lowest rank (D). A new firm starts at the lowest rank when
``new_start_lowest`` is set, and one review moves a rank at most ``max_steps`` steps from the current one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.rules import get_rule

DEFAULT_LOWEST = "D"


@dataclass(frozen=True)
class RankRule:
    #: code → [(rank, min_total)] highest rank first.
    ladders: dict[str, list[tuple[str, int]]]
    new_start_lowest: bool
    max_steps: int

    def ladder(self, code: str) -> list[str]:
        return [rank for rank, _ in self.ladders.get(code, [])]

    def lowest(self, code: str) -> str:
        ladder = self.ladder(code)
        return ladder[-1] if ladder else DEFAULT_LOWEST


def rank_rule(session: Session, on_date: date) -> RankRule:
    values = get_rule(session, "registry.ranks", on_date)
    ladders: dict[str, list[tuple[str, int]]] = {}
    for row in values["thresholds"].values():
        ladders.setdefault(row["work_type_code"], []).append((row["rank"], int(row["min_total"])))
    for code in ladders:
        ladders[code].sort(key=lambda item: (-item[1], item[0]))
    return RankRule(ladders, bool(values["new_start_lowest"]), int(values["max_steps"]))


def compute_rank(rule: RankRule, code: str, total: int | None, current: str | None, *,
                 is_new: bool) -> tuple[str, str]:
    """``(proposed rank, reason in Japanese)`` for one 業種 of one firm."""
    ladder = rule.ladders.get(code)
    lowest = rule.lowest(code)
    if not ladder:
        # No thresholds: nothing to compute from, so a rank already given (e.g. migrated) is kept.
        if current:
            return current, "格付の基準がない業種のため、現在の等級のまま"
        return lowest, f"格付の基準がない業種のため最下位（{lowest}）"
    if total is None:
        return lowest, f"客観点（経審の P）がないため最下位（{lowest}）"
    by_points = next((rank for rank, minimum in ladder if total >= minimum), lowest)
    minimum = dict(ladder)[by_points]
    if is_new and rule.new_start_lowest:
        if by_points == lowest:
            return lowest, f"新規の業者（総合点 {total:,} 点）"
        return lowest, f"新規の業者のため最下位から（点数では {by_points}）"
    order = [rank for rank, _ in ladder]
    if current in order:
        now, target = order.index(current), order.index(by_points)
        if abs(target - now) > rule.max_steps:
            step = rule.max_steps if target > now else -rule.max_steps
            capped = order[now + step]
            return capped, f"点数では {by_points} ですが、1 回の見直しで動かせるのは {rule.max_steps} 段階までのため"
    return by_points, f"総合点 {total:,} 点（{by_points} の下限 {minimum:,} 点以上）"
