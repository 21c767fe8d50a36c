"""業者番号: the next number by the ``numbering`` rule in force."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.rules import get_rule
from core.rules.numbering import _SEQ, _TOKEN, era_of_fiscal_year, fiscal_year_of, format_number
from core.rules.queries import today

from .models import Contractor


def _number_regex(pattern: str, fiscal_year: int) -> tuple[re.Pattern, str]:
    """A regex matching the numbers of ``pattern`` (group 1 = the sequence) and the fixed text before it."""
    era, era_fy = era_of_fiscal_year(fiscal_year)
    values = {"fy": str(fiscal_year), "era": era, "era_fy": str(era_fy), "cat": "", "dept": ""}
    parts, prefix, last, seen_seq = [], "", 0, False
    for match in _TOKEN.finditer(pattern):
        literal = pattern[last:match.start()]
        parts.append(re.escape(literal))
        name = match.group(1)
        is_seq = bool(_SEQ.fullmatch(name))
        value = "" if is_seq else values.get(name, "")
        if not seen_seq:
            prefix += literal + value
        seen_seq = seen_seq or is_seq
        parts.append("([0-9]+)" if is_seq else re.escape(value))
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts)), prefix


def next_contractor_number(session: Session, on_date: date | None = None) -> str:
    """The next 業者番号 by the ``numbering`` rule in force: 1 + the largest sequence among the numbers that
    fit the pattern (migrated numbers of other shapes are ignored), skipping any number already taken."""
    day = on_date or today()
    pattern = get_rule(session, "numbering", day)["contractor_number"]
    fiscal_year = fiscal_year_of(day)
    regex, prefix = _number_regex(pattern, fiscal_year)
    stmt = select(Contractor.number)
    if prefix:
        stmt = stmt.where(Contractor.number.startswith(prefix, autoescape=True))
    seqs = [int(m.group(1)) for n in session.scalars(stmt) if (m := regex.fullmatch(n or ""))]
    seq = max(seqs, default=0) + 1
    while True:
        number = format_number(pattern, fiscal_year=fiscal_year, seq=seq)
        if session.scalar(select(Contractor.id).where(Contractor.number == number)) is None:
            return number
        seq += 1

