"""Pagination and whitelisted sorting for list screens."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Integer, Select, bindparam, func, select
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


#: LIMIT and OFFSET of a page statement built once (``page_statements``), bound per request.
PAGE_LIMIT, PAGE_OFFSET = bindparam("page_limit", type_=Integer()), bindparam("page_offset", type_=Integer())


def page_statements(stmt: Select, columns: tuple | None = None) -> tuple[Select, Select]:
    """(count, page) statements of a list statement: the count of all its rows, and one page of it (``columns``
    selected instead, if given) with ``PAGE_LIMIT``/``PAGE_OFFSET`` bound at execution. A list whose statement is
    built once per process (kept per filter combination, values bound per request) keeps these two as well, so
    that no request builds or walks a statement tree."""
    count = select(func.count()).select_from(stmt.order_by(None).subquery())
    if columns is not None:
        stmt = stmt.with_only_columns(*columns)
    return count, stmt.limit(PAGE_LIMIT).offset(PAGE_OFFSET)


def paginate(session: Session, stmt: Select, page: int, per_page: int, scalars: bool = True,
             columns: tuple | None = None, params: dict | None = None,
             statements: tuple[Select, Select] | None = None) -> Page:
    """One page of ``stmt`` and the count of all its rows. ``columns``: what each row of the page selects instead
    (plain rows, ``scalars`` False), e.g. with columns that cost something per row and that the count need not
    compute. ``params``: values of ``stmt``'s named bind parameters; ``statements``: its ``page_statements``
    when the caller keeps them.

    The page is read first: when it is not full, the rows before it and on it are all there are, and the count
    is not run (most filtered lists fit on a page). Only a full page, or a page past the end, asks for the
    count; a page past the end is then read again as the last page."""
    count, rows = statements or page_statements(stmt, columns)
    values = dict(params or ())

    def read(number: int) -> list:
        values.update(page_limit=per_page, page_offset=(number - 1) * per_page)
        result = session.execute(rows, values)
        return list(result.scalars().unique()) if scalars else list(result)

    page = max(1, page)
    items = read(page)
    if 0 < len(items) < per_page or (page == 1 and not items):
        return Page(items, (page - 1) * per_page + len(items), page, per_page)
    total = session.scalar(count, values)
    last = max(1, math.ceil(total / per_page))
    if page > last:
        page = last
        items = read(page)
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
