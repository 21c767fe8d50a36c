"""Pagination and whitelisted sorting for list screens."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.inputs import parse_int


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)

    @classmethod
    def of_list(cls, items: list, page: int, per_page: int) -> Page:
        """One page of a list already computed in memory (e.g. proposals derived from rows and a rule)."""
        pages = max(1, math.ceil(len(items) / per_page))
        page = min(max(1, page), pages)
        return cls(items[(page - 1) * per_page:page * per_page], len(items), page, per_page)

    def window(self, size: int = 7) -> list[int]:
        """Page numbers to show around the current one."""
        start = max(1, min(self.page - size // 2, self.pages - size + 1))
        return list(range(start, min(self.pages, start + size - 1) + 1))


def paginate(session: Session, stmt: Select, page: int, per_page: int, scalars: bool = True,
             columns: tuple | None = None) -> Page:
    """One page of ``stmt`` and the count of all its rows. ``columns``: what each row of the page selects instead
    (plain rows, ``scalars`` False), e.g. with columns that cost something per row and that the count need not
    compute."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    if columns is not None:
        stmt = stmt.with_only_columns(*columns)
    result = session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars().unique()) if scalars else list(result)
    return Page(items, total, page, per_page)


def parse_page(raw: str | None) -> int:
    """A page number from the query string; anything else (text, a number no page can have) is page 1."""
    try:
        return parse_int(raw, "ページ", minimum=1) or 1
    except ValueError:
        return 1


def apply_sort(stmt: Select, sort: str | None, columns: dict, default: str) -> tuple[Select, str]:
    """Order by a whitelisted key; ``-key`` sorts descending. Returns the statement and the key applied."""
    key = sort if sort and sort.lstrip("-") in columns else default
    column = columns[key.lstrip("-")]
    return stmt.order_by(column.desc() if key.startswith("-") else column.asc()), key
