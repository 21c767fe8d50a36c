"""The rows of the 予算科目 list: a page of lines with the subtotal rows of their 会計・款・項・目・節 in front, or a
page of one level's totals with the rows of the levels above; and the level rows of the Excel export.

A group's row always carries the totals of the whole group (every matching line the user may read), also when
its lines run over several pages; the first rows of a page say so (「前のページから続く」).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import queries
from .models import LEVELS
from .queries import LEVEL_KEYS, LEVEL_ORDER, Filters

LEVEL_LABELS = dict(LEVELS)


@dataclass
class GroupRow:
    """The totals of one group (会計, 款, 項, 目 or 節) as a row of the list."""

    level: str
    code: str
    name: str | None
    totals: object
    continued: bool = False
    is_group = True

    @property
    def label(self) -> str:
        return f"{LEVEL_LABELS[self.level]} {self.code}{' ' + self.name if self.name else ''}"

    @property
    def depth(self) -> int:
        return LEVEL_ORDER.index(self.level)


@dataclass
class LineRow:
    line: object
    is_group = False


def _starting(levels, item, last: dict, before: dict, first: bool):
    """(level, key, continued) of each level whose group begins at ``item`` (a line or a totals row): every level
    on a page's first row, else those whose key differs from the row above (a group that begins starts the
    groups below it too). ``before`` holds the keys of the row before the page (continued groups)."""
    changed = first
    for level in levels:
        key = queries.group_key(item, level)
        changed = changed or last.get(level) != key
        if changed:
            yield level, key, first and before.get(level) == key
        last[level] = key


def line_page_rows(session: Session, user, f: Filters, lines: list, previous) -> list:
    """The rows of a page of ``lines`` (in the classification's order): before each line, a row per group that
    begins there; the 節 row only when the 節 holds more than one line (else the line is its own total).
    ``previous`` is the line just before the page (None on the first page): its groups continue here."""
    totals = {level: queries.totals_for(session, user, f, level, {queries.group_key(line, level) for line in lines})
              for level in LEVEL_ORDER}
    before = {level: queries.group_key(previous, level) for level in LEVEL_ORDER} if previous is not None else {}
    rows: list = []
    last: dict = {}
    for i, line in enumerate(lines):
        for level, key, continued in _starting(LEVEL_ORDER, line, last, before, i == 0):
            group = totals[level].get(key)
            if group is not None and (level != "subitem" or group.lines > 1):
                rows.append(GroupRow(level, key[-1], getattr(group, f"{level}_name"), group, continued))
        rows.append(LineRow(line))
    return rows


def level_page_rows(session: Session, user, f: Filters, level: str, groups: list, previous) -> list:
    """The rows of a page of ``level`` totals (``groups``, rows of ``queries.level_totals``) with a row per group
    of the levels above where one begins; ``previous`` is the group just before the page."""
    upper = LEVEL_ORDER[:LEVEL_ORDER.index(level)]
    totals = {u: queries.totals_for(session, user, f, u, {queries.group_key(g, u) for g in groups}) for u in upper}
    before = {u: queries.group_key(previous, u) for u in upper} if previous is not None else {}
    rows: list = []
    last: dict = {}
    for i, group in enumerate(groups):
        for u, key, continued in _starting(upper, group, last, before, i == 0):
            above = totals[u].get(key)
            if above is not None:
                rows.append(GroupRow(u, key[-1], getattr(above, f"{u}_name"), above, continued))
        rows.append(GroupRow(level, getattr(group, f"{level}_code"), getattr(group, f"{level}_name"), group))
    return rows


def export_level_rows(session: Session, user, f: Filters):
    """Every group of every level in the classification's order, for the Excel sheet 「集計」: (level label, 年度,
    会計, 款, 項, 目, 節, name, amounts, lines)."""
    by_level = {level: list(session.execute(queries.level_totals(user, f, level))) for level in LEVEL_ORDER}
    flat = []
    for level in LEVEL_ORDER:
        width = len(LEVEL_KEYS[level][1])
        for row in by_level[level]:
            key = tuple(row[:width])
            flat.append((key + ("",) * (6 - width), LEVEL_ORDER.index(level), level, row))
    # Sorting on the padded key puts a group right before its members ('' sorts first).
    flat.sort(key=lambda item: (item[0], item[1]))
    for key, _, level, row in flat:
        yield [LEVEL_LABELS[level], *key[:6], getattr(row, f"{level}_name") or "", row.current_amount,
               row.allotted_amount if row.allotted_lines else None, row.executed_amount, row.remaining_amount,
               row.lines]
