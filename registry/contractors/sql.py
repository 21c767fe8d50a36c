"""SQL constructs of the contractor search that differ by engine: the name match, which SQLite evaluates on the
candidates of its FTS5 trigram table, and a column kept from driving SQLite's plan. ``queries`` builds the
statements with them."""

from __future__ import annotations

from sqlalchemy import Boolean, and_, column, select, table, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from .models import Contractor

# The match is always today's LIKE on ``search_key`` (substring) or ``number`` (prefix); an index only narrows
# the firms it is evaluated on, so results are the same on both engines with or without it.
# PostgreSQL: the planner combines the pg_trgm GIN index on search_key and the varchar_pattern_ops index on
# number (migration 3f1c2a9d7e60) by itself. SQLite cannot use an index for LIKE '%…%', so the statement
# reads the candidates from the FTS5 trigram table ``contractor_search`` (kept by triggers) explicitly.
# Trigrams need 3 characters: shorter keys (「山田」) scan the firms. A prefix match instead would miss
# 「株式会社山田建設」; the scan costs 2–3 ms per statement at 7,000 firms (about 30 ms at 70,000) on both engines.

#: Shortest search key an index of trigrams can find.
TRIGRAM = 3


class NameMatch(ColumnElement[bool]):
    """``match`` (the exact predicate); on SQLite evaluated only on the firms the trigram table finds for the
    key, or whose 業者番号 lies in [``number_from``, ``number_to``) (a range around the prefix, see
    ``number_range``)."""

    __visit_name__ = "contractor_name_match"
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is: no "= 1" on SQLite, which would hide the IN from the planner
    _traverse_internals = [("match", InternalTraversal.dp_clauseelement),
                           ("phrase", InternalTraversal.dp_clauseelement),
                           ("number_from", InternalTraversal.dp_clauseelement),
                           ("number_to", InternalTraversal.dp_clauseelement)]

    def __init__(self, match, phrase, number_from, number_to):
        self.match, self.phrase, self.number_from, self.number_to = match, phrase, number_from, number_to


@compiles(NameMatch)
def _name_match_default(element, compiler, **kw):
    # Parenthesised: the statement ANDs other filters to this OR.
    return f"({compiler.process(element.match, **kw)})"


#: The FTS5 trigram table of migration 3f1c2a9d7e60 (SQLite only): ``rowid`` is the firm's id.
_fts = table("contractor_search", column("rowid"), column("contractor_search"))


@compiles(NameMatch, "sqlite")
def _name_match_sqlite(element, compiler, **kw):
    numbered = Contractor.__table__.alias("numbered")  # not correlated with the outer contractors
    candidates = union_all(
        select(_fts.c.rowid).where(_fts.c.contractor_search.op("MATCH")(element.phrase)),
        select(numbered.c.id).where(numbered.c.number >= element.number_from, numbered.c.number < element.number_to))
    return compiler.process(and_(Contractor.id.in_(candidates), element.match).self_group(), **kw)


class Unindexed(ColumnElement):
    """A column that the condition on it must not look up by an index: on SQLite written ``+column`` (the
    planner's documented way to disqualify a term from driving the plan), elsewhere the column itself."""

    __visit_name__ = "contractor_unindexed"
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _unindexed_default(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def number_range(code: str) -> tuple[str, str]:
    """A range of 業者番号 (in code point order, SQLite's BINARY collation) holding every number that SQLite's
    ``LIKE 'code%'`` matches — LIKE ignores the case of ASCII letters, so the range runs from the upper-case
    code to just past the lower-case one. Empty when there is no code."""
    if not code:
        return "", ""
    low, high = _ascii_upper(code), _ascii_lower(code).rstrip("\U0010ffff")
    if not high:
        return low, "\U0010ffff" * 64  # no string follows every "\U0010ffff…" prefix; numbers are 20 at most
    following = ord(high[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are no characters
        following = 0xE000
    return low, high[:-1] + chr(following)


def _ascii_upper(s: str) -> str:
    return "".join(c.upper() if c.isascii() else c for c in s)


def _ascii_lower(s: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in s)
