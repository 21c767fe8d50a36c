"""Suspension periods and the cause table: how long a measure lasts and which causes the rule in force allows.

A month period ends the day before the corresponding day of the last month, or on that month's last day when it
has no corresponding day (民法第143条). The cause and its allowed range come from the
``registry.suspension_causes`` rule in force on the decision date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from core.rules import get_rule
from core.rules.queries import RuleNotInForce

from .models import Suspension

RULE_KEY = "registry.suspension_causes"
UNITS = {"weeks": "週間", "months": "か月"}


def period_text(value: int, unit: str) -> str:
    """``2か月`` / ``3週間``."""
    return f"{value}{UNITS[unit]}"


def period_end(start: date, value: int, unit: str) -> date:
    """The last day of a period of ``value`` weeks or months beginning on ``start`` (start day counted).

    Months follow 民法第143条: the day before the corresponding day of the last month (6/3 + 2 か月 → 8/2), or
    the last day of that month when it has no corresponding day (1/31 + 1 か月 → 2/28 or 2/29).
    """
    if unit == "weeks":
        return start + timedelta(days=7 * value - 1)
    if unit != "months":
        raise ValueError(f"unknown period unit {unit!r}")
    months = start.month - 1 + value
    year, month = start.year + months // 12, months % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)


def period_days(start: date, value: int, unit: str) -> int:
    """Length in days of the period beginning on ``start`` (so weeks and months compare on one scale)."""
    return (period_end(start, value, unit) - start).days + 1


@dataclass(frozen=True)
class Cause:
    code: str
    label: str
    min_value: int
    min_unit: str
    max_value: int
    max_unit: str

    @property
    def range_text(self) -> str:
        return f"{period_text(self.min_value, self.min_unit)}〜{period_text(self.max_value, self.max_unit)}"

    @property
    def choice_label(self) -> str:
        return f"{self.label}（{self.range_text}）"


def causes(session: Session, on_date: date) -> dict[str, Cause]:
    """措置要件 of the rule in force on ``on_date``, by code, in the rule's order."""
    items = get_rule(session, RULE_KEY, on_date)["items"]
    return {code: Cause(code, row["label"], row["min_value"], row["min_unit"], row["max_value"], row["max_unit"])
            for code, row in items.items()}


def cause_label(session: Session, suspension: Suspension) -> str:
    """The label of a suspension's cause, from the rule in force on its decision date (the code if unknown)."""
    try:
        cause = causes(session, suspension.decided_on).get(suspension.cause_code)
    except RuleNotInForce:
        cause = None
    return cause.label if cause else suspension.cause_code
