"""Qualification periods (資格の有効期間): which period a date falls in, labels and the choices staff pick from.

One owner for the period of a date: the screens, the applications and the legacy import all call these.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from core.jp import fiscal_year_label, format_date
from core.rules import get_rule
from core.timefmt import today

#: Periods are counted from this fiscal year (令和7・8年度 = 2025-04-01 … 2027-03-31, the example of the
#: ``registry.qualification`` rule, which has no field for it).
PERIOD_ANCHOR_YEAR = 2025
#: The start years a registration may have (the dates of the rules: 2000-01-01 … 2099-12-31).
FIRST_START_YEAR, LAST_START_YEAR = 2000, 2100


def qualification_period(session: Session, start_year: int, on_date: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the qualification period starting in ``start_year`` (e.g. 2025 → 2025-04-01〜2027-03-31)."""
    rule = get_rule(session, "registry.qualification", on_date or today())
    start = date(start_year, rule["start_month"], 1)
    return start, date(start_year + rule["years"], rule["start_month"], 1) - timedelta(days=1)


def period_start_year(session: Session, day: date | None = None) -> int:
    """The start year of the qualification period containing ``day`` (default today)."""
    day = day or today()
    rule = get_rule(session, "registry.qualification", day)
    years, month = rule["years"], rule["start_month"]
    fiscal = day.year if day.month >= month else day.year - 1
    return fiscal - (fiscal - PERIOD_ANCHOR_YEAR) % years


def period_containing(session: Session, day: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the qualification period containing ``day`` (default today)."""
    day = day or today()
    return qualification_period(session, period_start_year(session, day), day)


def period_label(session: Session, start: date, end: date) -> str:
    """令和7・8年度（2025年4月1日〜2027年3月31日） style label of a period."""
    from core.jp import fiscal_year

    first, last = fiscal_year(start), fiscal_year(end)
    name = fiscal_year_label(first)
    if last != first:
        tail = fiscal_year_label(last).removesuffix("年度")
        name = name.removesuffix("年度") + "・" + "".join(ch for ch in tail if ch.isdigit() or ch == "元") + "年度"
    return f"{name}（{format_date(start)}〜{format_date(end)}）"


def period_choices(session: Session, around: date | None = None) -> list[tuple[int, str]]:
    """Start years a user may pick: the periods around ``around`` (previous, current, next)."""
    around = around or today()
    years = get_rule(session, "registry.qualification", around)["years"]
    current = period_start_year(session, around)
    out = []
    for start_year in (current - years, current, current + years):
        start, end = qualification_period(session, start_year, around)
        out.append((start_year, period_label(session, start, end)))
    return out
