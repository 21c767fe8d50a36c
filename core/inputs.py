"""Whole numbers from URLs, query strings and forms, kept within what the database can hold.

Ids are ``Integer`` columns: 32-bit on PostgreSQL, where a larger number in a query fails inside the driver
("integer out of range"), and SQLite refuses anything past 64 bits. So every number a request brings is
checked here first: a URL id out of range does not match its route (404), and a filter out of range gets a
Japanese message naming it.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from werkzeug.routing import IntegerConverter

#: The largest value of an ``Integer`` column on PostgreSQL (ids, years, counts).
MAX_INT = 2**31 - 1
#: Dates a screen accepts: ample for a contract section's records, and far from the ends of the calendar
#: (the day after 9999-12-31 overflows) and from the years before 和暦 (1873), which screens cannot show.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2999, 12, 31)


def _at_most(limit: int) -> str:
    """A regular expression of the decimal numbers 0..``limit`` (no sign, no more digits than ``limit``)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        if d != "0":
            low = f"[0-{int(d) - 1}]" if d != "1" else "0"
            options.append(digits[:i] + low + (rf"\d{{{len(digits) - i - 1}}}" if i < len(digits) - 1 else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class BoundedIntegerConverter(IntegerConverter):
    """The ``<int:...>`` converter of every route. Its pattern itself admits only 0..``MAX_INT``, so a larger
    number matches no route at all: a 404 whatever the method, never a query the database refuses."""

    regex = _at_most(MAX_INT)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_INT if max is None or max > MAX_INT else max, signed)


def parse_int(raw, label: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """``raw`` as a whole number (full-width digits too); None when blank.

    Raises ``ValueError`` with a Japanese message naming ``label`` when it is no whole number or lies outside
    ``minimum``..``maximum``.
    """
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    if not text:
        return None
    allowed = f"{minimum} 以上の整数" if maximum == MAX_INT else f"{minimum}〜{maximum} の整数"
    message = f"{label}の値「{text[:20]}」は正しくありません（{allowed}で指定してください）。"
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(max(abs(minimum), maximum))):
        raise ValueError(message)
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(message)
    return value


def int_arg(name: str, label: str, *, minimum: int = 0, maximum: int = MAX_INT,
            errors: list[str] | None = None) -> int | None:
    """Query-string parameter ``name`` as a whole number, or None when absent or refused. A refused value
    adds its message to ``errors`` when given (filters say so; markers such as ``page`` just fall back)."""
    from flask import request

    try:
        return parse_int(request.args.get(name), label, minimum=minimum, maximum=maximum)
    except ValueError as exc:
        if errors is not None:
            errors.append(str(exc))
        return None


def check_date(value: date, label: str) -> date:
    """``value`` when it lies within ``DATE_MIN``..``DATE_MAX``; otherwise a ``ValueError`` naming ``label``."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"{label}は {DATE_MIN:%Y-%m-%d} から {DATE_MAX:%Y-%m-%d} までの日付で入力してください。")
    return value
