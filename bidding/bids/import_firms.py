"""Finding the e-bid file's firms in the registry (SPEC CM8): by 業者番号 (widths, spaces and leading zeros folded),
else by 法人番号; a firm found by neither is refused with the registered firms of the closest names, which the
report lists once per firm. Only numbers are loaded up front (id, 業者番号, 法人番号); names only when a firm is
not found."""

from __future__ import annotations

import difflib
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.importing.kinds import RowRejected
from core.jp import normalize_code, search_key
from registry.contractors.models import Contractor

SUGGESTIONS = 3
#: The report lists at most this many unmatched firms (each with its rows and suggestions).
LISTED = 500


def _short(number: str) -> str:
    return number.lstrip("0") or "0"


class FirmIndex:
    def __init__(self, session: Session):
        self.session = session
        self.by_number: dict[str, int] = {}
        self.by_short: dict[str, int | None] = {}
        self.by_corporate: dict[str, int | None] = {}
        for firm_id, number, corporate in session.execute(
                select(Contractor.id, Contractor.number, Contractor.corporate_number)):
            self.by_number[number] = firm_id
            short = _short(number)
            self.by_short[short] = None if short in self.by_short else firm_id  # None: two firms, not unique
            if corporate:
                self.by_corporate[corporate] = None if corporate in self.by_corporate else firm_id
        self._names: dict[str, list[str]] | None = None
        self.unmatched: dict[str, dict] = {}
        self.matched: dict[str, set[int]] = defaultdict(set)

    def match(self, number: str, corporate: str | None, name: str | None) -> tuple[int, str]:
        """``(contractor id, how)`` where how is ``number`` or ``corporate``.

        :raises RowRejected: neither the 業者番号 nor the 法人番号 names one registered firm (the message lists the
            closest registered names).
        """
        found = self.by_number.get(number) or self.by_short.get(_short(number))
        if found:
            return found, "number"
        corporate = normalize_code(corporate or "").replace("-", "")
        if corporate and self.by_corporate.get(corporate):
            return self.by_corporate[corporate], "corporate"
        entry = self.unmatched.get(number)
        if entry is None:
            entry = self.unmatched[number] = {"number": number, "name": name or "", "corporate_number": corporate or None,
                                              "rows": 0, "suggestions": self.suggestions(name)}
        entry["rows"] += 1
        tried = f"業者番号「{number}」" + (f"・法人番号「{corporate}」" if corporate else "")
        near = entry["suggestions"]
        hint = f"名称の近い登録業者: {'、'.join(near)}。" if near else "名称の近い登録業者もありません。"
        raise RowRejected(f"{tried}の業者（{name or '名称なし'}）が登録されていません。{hint}"
                          "業者番号が違う場合は電子入札システム側の番号を確かめてください。", "業者番号")

    def suggestions(self, name: str | None) -> list[str]:
        """The registered firms whose names are closest to ``name`` ("業者番号 名称"), best first."""
        if not name:
            return []
        if self._names is None:
            self._names = defaultdict(list)
            for number, shown in self.session.execute(select(Contractor.number, Contractor.name)
                                                      .order_by(Contractor.number)):
                self._names[search_key(shown)].append(f"{number} {shown}")
        close = difflib.get_close_matches(search_key(name), list(self._names), n=SUGGESTIONS, cutoff=0.5)
        return [label for key in close for label in self._names[key]][:SUGGESTIONS]

    def count(self, firm_id: int, how: str) -> None:
        self.matched[how].add(firm_id)

    def summary(self) -> dict[str, int]:
        return {"業者番号で一致": len(self.matched["number"]), "法人番号で一致": len(self.matched["corporate"]),
                "見つからない業者": len(self.unmatched)}

    def unmatched_report(self) -> list[dict]:
        return list(self.unmatched.values())[:LISTED]
