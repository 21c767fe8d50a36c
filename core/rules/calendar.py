"""Business days and deadlines: weekends, registered holidays and the year-end closure are closed days.

Closed days (閉庁日):

* Saturdays and Sundays;
* every active row of the ``holidays`` table (国民の祝日, 振替休日, 国民の休日 and any day the city adds);
* 年末年始 12月29日〜1月3日, when ``year_end_closure`` is on. 地方自治法第4条の2 lets each city define its
  holidays by ordinance, year-end days included, and most cities name exactly these six days; the
  ``deadlines`` rule has a switch for it so a city with another ordinance can turn it off (and add its own
  days to the holiday table).

Deadlines are counted as the ``deadlines`` rule in force on the start date says (days, business or calendar
days, start-day convention, extension past a closed last day). A count that reaches a year without any
registered holiday is refused rather than silently treating that year's holidays as working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.jp import format_date

from .models import Holiday

YEAR_END_CLOSURE = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))
WEEKDAYS = "月火水木金土日"
#: National holidays are generated for these years only (the law as of 2020; 2020/2021 had Olympic moves).
FIRST_GENERATED_YEAR = 2022


class HolidaysMissing(DomainError):
    """A count crossed a year for which no holiday is registered."""


class DeadlineNotDefined(DomainError):
    """The deadline rule in force has no entry of that name."""


def is_year_end(day: date) -> bool:
    return (day.month, day.day) in YEAR_END_CLOSURE


@dataclass(frozen=True)
class BusinessCalendar:
    """Closed days known in advance: ``holidays`` maps each active holiday to its name."""

    holidays: dict[date, str]
    year_end_closure: bool = True

    def is_business_day(self, day: date) -> bool:
        return self.closed_reason(day) is None

    def closed_reason(self, day: date) -> str | None:
        """Why ``day`` is closed (土曜日, 日曜日, the holiday's name, 年末年始), or None if it is a business day."""
        if day in self.holidays:
            return self.holidays[day]
        if day.weekday() == 5:
            return "土曜日"
        if day.weekday() == 6:
            return "日曜日"
        if self.year_end_closure and is_year_end(day):
            return "年末年始"
        return None


def as_calendar(holidays, year_end_closure: bool = True) -> BusinessCalendar:
    """A calendar from a ``BusinessCalendar``, a mapping ``{date: name}`` or an iterable of dates."""
    if isinstance(holidays, BusinessCalendar):
        return holidays
    if isinstance(holidays, dict):
        return BusinessCalendar(dict(holidays), year_end_closure)
    return BusinessCalendar({d: "休日" for d in holidays or ()}, year_end_closure)


def load_calendar(session: Session, first: date, last: date, *, year_end_closure: bool = True) -> BusinessCalendar:
    """Active holidays between ``first`` and ``last`` (inclusive)."""
    rows = session.execute(select(Holiday.day, Holiday.name).where(
        Holiday.is_active.is_(True), Holiday.day >= first, Holiday.day <= last)).all()
    return BusinessCalendar({day: name for day, name in rows}, year_end_closure)


def years_without_holidays(session: Session, first: date, last: date) -> list[int]:
    """Years between the two dates in which no active holiday is registered."""
    days = session.scalars(select(Holiday.day).where(
        Holiday.is_active.is_(True), Holiday.day >= date(first.year, 1, 1), Holiday.day <= date(last.year, 12, 31))).all()
    years = {d.year for d in days}
    return [y for y in range(first.year, last.year + 1) if y not in years]


def is_business_day(source, day: date, *, year_end_closure: bool | None = None) -> bool:
    """Whether ``day`` is a business day.

    :param source: a database session (reads the holiday table; when ``year_end_closure`` is None it follows
        the ``deadlines`` rule in force on ``day``), or a ``BusinessCalendar`` / set of holiday dates
        (``year_end_closure`` None means on).
    """
    if isinstance(source, Session):
        if year_end_closure is None:
            year_end_closure = _year_end_setting(source, day)
        return load_calendar(source, day, day, year_end_closure=year_end_closure).is_business_day(day)
    calendar = as_calendar(source, True if year_end_closure is None else year_end_closure)
    return calendar.is_business_day(day)


def add_days(start: date, days: int, business_days: bool, holidays=(), *, year_end_closure: bool = True) -> date:
    """The day ``days`` days after ``start`` (before it when negative), the start day not counted.

    With ``business_days`` only business days are counted, so the result is always a business day
    (``add_days(Fri, 1, True, ...)`` is the next Monday unless that is closed). ``days == 0`` returns ``start``.
    """
    if not business_days:
        return start + timedelta(days=days)
    calendar = as_calendar(holidays, year_end_closure)
    step = timedelta(days=1 if days >= 0 else -1)
    day, remaining = start, abs(days)
    while remaining:
        day += step
        if calendar.is_business_day(day):
            remaining -= 1
    return day


def next_business_day(day: date, calendar: BusinessCalendar) -> date:
    """``day`` itself if it is a business day, otherwise the first business day after it."""
    while not calendar.is_business_day(day):
        day += timedelta(days=1)
    return day


def compute_deadline(start: date, item: dict, calendar: BusinessCalendar) -> date:
    """The last day of a deadline described by one row of a deadlines rule (see ``builtin.deadline_table``)."""
    days = item["days"]
    same_day = item["count_from"] == "same_day"
    if item["business_days"]:
        if same_day and calendar.is_business_day(start):
            end = add_days(start, days - 1, True, calendar)
        else:
            end = add_days(start, days, True, calendar)
    else:
        end = start + timedelta(days=days - 1 if same_day else days)
    if item["extend_if_closed"]:
        end = next_business_day(end, calendar)
    return end


def deadline_for(session: Session, name: str, start: date, *, rule_key: str) -> date:
    """The last day of deadline ``name`` of the caller's rule ``rule_key`` counted from ``start``, per the versions
    in force on ``start`` (the year-end closure from the core ``deadlines`` rule).

    :raises DeadlineNotDefined: the rule in force has no deadline called ``name``.
    :raises HolidaysMissing: the count reaches a year with no registered holiday.
    """
    from .queries import rule_in_force

    rule = rule_in_force(session, rule_key, start)
    items = rule.values.get("items") or {}
    if name not in items:
        raise DeadlineNotDefined(
            f"期限「{name}」は {format_date(start)} に適用される「{rule.definition.title}」に登録されていません。"
            "システム管理者がルール設定で追加してください。")
    item = items[name]
    year_end = _year_end_setting(session, start)
    margin = timedelta(days=item["days"] * 3 + 60)  # long closures (年末年始 + 祝日) fit easily
    calendar = load_calendar(session, start, start + margin, year_end_closure=year_end)
    end = compute_deadline(start, item, calendar)
    if item["business_days"] or item["extend_if_closed"]:
        missing = years_without_holidays(session, start, end)
        if missing:
            years = "・".join(f"{y}年" for y in missing)
            raise HolidaysMissing(f"{years}の休日が登録されていないため、期限「{item['label']}」を計算できません。"
                                  "システム管理者が「休日」画面で登録してください。")
    return end


def _year_end_setting(session: Session, day: date) -> bool:
    from .queries import RuleNotInForce, rule_in_force

    try:
        return bool(rule_in_force(session, "deadlines", day).values.get("year_end_closure", True))
    except RuleNotInForce:
        return True


# --- 国民の祝日 ------------------------------------------------------------------------------------------

FIXED_HOLIDAYS = (
    ((1, 1), "元日"), ((2, 11), "建国記念の日"), ((2, 23), "天皇誕生日"), ((4, 29), "昭和の日"),
    ((5, 3), "憲法記念日"), ((5, 4), "みどりの日"), ((5, 5), "こどもの日"), ((8, 11), "山の日"),
    ((11, 3), "文化の日"), ((11, 23), "勤労感謝の日"),
)
#: (month, which Monday, name) — the "Happy Monday" holidays.
MONDAY_HOLIDAYS = ((1, 2, "成人の日"), (7, 3, "海の日"), (9, 3, "敬老の日"), (10, 2, "スポーツの日"))


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def national_holidays(year: int, vernal_equinox: date, autumnal_equinox: date) -> list[tuple[date, str]]:
    """Japan's national holidays of ``year`` under the 国民の祝日に関する法律 as in force since 2020.

    The equinox days are fixed each February by the 暦要項 of the National Astronomical Observatory
    (published in the 官報), so they are arguments. Includes 振替休日 (a holiday on a Sunday moves to the
    next non-holiday, 第3条第2項) and 国民の休日 (a day between two holidays, 第3条第3項).
    """
    if year < FIRST_GENERATED_YEAR:
        raise ValueError(f"national holidays are generated from {FIRST_GENERATED_YEAR} only")
    if vernal_equinox.year != year or vernal_equinox.month != 3 or not 19 <= vernal_equinox.day <= 22:
        raise ValueError("春分の日は 3月19日〜22日のいずれかです")
    if autumnal_equinox.year != year or autumnal_equinox.month != 9 or not 21 <= autumnal_equinox.day <= 24:
        raise ValueError("秋分の日は 9月21日〜24日のいずれかです")
    days: dict[date, str] = {date(year, m, d): name for (m, d), name in FIXED_HOLIDAYS}
    days.update({_nth_monday(year, m, n): name for m, n, name in MONDAY_HOLIDAYS})
    days[vernal_equinox] = "春分の日"
    days[autumnal_equinox] = "秋分の日"
    extra: dict[date, str] = {}
    for day in sorted(days):
        if day.weekday() == 6:
            substitute = day + timedelta(days=1)
            while substitute in days:
                substitute += timedelta(days=1)
            extra[substitute] = "振替休日"
    for day in sorted(days):
        between = day + timedelta(days=1)
        if between not in days and between + timedelta(days=1) in days and between not in extra:
            extra[between] = "国民の休日"
    days.update(extra)
    return sorted(days.items())


def weekday_label(day: date) -> str:
    return WEEKDAYS[day.weekday()]

