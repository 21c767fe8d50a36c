"""Text searches with LIKE: what a user types is matched literally, ``%`` and ``_`` included.

Every search box goes through these helpers, so a search for 「100%」 finds 「100%建設」 and not every name
with 100 in it, and a lone ``%`` or ``_`` does not list everything. The escape character is ``/`` (the one
SQLAlchemy's ``autoescape`` uses), written into the statement as ``ESCAPE '/'`` on SQLite and PostgreSQL
alike; PostgreSQL's trigram indexes still serve such patterns.
"""

from __future__ import annotations

from sqlalchemy import bindparam

ESCAPE = "/"


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards and the escape character made literal."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def like_pattern(text: str, *, prefix: bool = False) -> str:
    """A LIKE pattern for "contains ``text``" (or "starts with", ``prefix=True``), to use with ``ESCAPE '/'``."""
    escaped = escape_like(text)
    return f"{escaped}%" if prefix else f"%{escaped}%"


def contains_text(column, text: str, *, ignore_case: bool = False, name: str | None = None):
    """``column`` contains ``text`` literally (ASCII case ignored when ``ignore_case``). ``name``: the pattern is
    the bind parameter of that name, so that a statement kept for reuse can run with another text (pass
    ``{name: like_pattern(other)}``)."""
    pattern = _pattern(like_pattern(text), name)
    if ignore_case:  # ILIKE on PostgreSQL, lower() LIKE lower() on SQLite
        return column.ilike(pattern, escape=ESCAPE)
    return column.like(pattern, escape=ESCAPE)


def starts_with_text(column, text: str, *, name: str | None = None):
    """``column`` starts with ``text`` literally (``name`` as for ``contains_text``)."""
    return column.like(_pattern(like_pattern(text, prefix=True), name), escape=ESCAPE)


def _pattern(pattern: str, name: str | None):
    return pattern if name is None else bindparam(name, pattern)
