"""Display of stored (naive UTC) timestamps in Japan time. Japan has no daylight saving, so a fixed offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


def today() -> date:
    """Today in Japan: the one answer for every rule, deadline, form and default date (the server may run
    on UTC). Tests move it by patching ``core.timefmt.today``'s clock, ``utcnow``."""
    from core.db import utcnow

    return to_jst(utcnow()).date()


def now_local() -> datetime:
    """Now in Japan as a naive datetime: the form of times people enter as Japan time (開札日時, 受付日時)."""
    from core.db import utcnow

    return to_jst(utcnow()).replace(tzinfo=None)


def to_jst(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(JST)


def format_jst(value: datetime | None, seconds: bool = False) -> str:
    local = to_jst(value)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def jst_day_start_utc(day: date) -> datetime:
    """The naive-UTC instant at which ``day`` begins in Japan (for date-range filters)."""
    return datetime.combine(day, time.min, tzinfo=JST).astimezone(UTC).replace(tzinfo=None)


def display_datetime(value: datetime | None, seconds: bool = False) -> str:
    """A stored timestamp for a screen: the date in the configured style (和暦 or 西暦), then the JST time.

    CSV exports keep ``format_jst`` (ISO-like, sortable in Excel).
    """
    from core.jp import format_date

    local = to_jst(value)
    if local is None:
        return ""
    return f"{format_date(local.date())} {local:%H:%M:%S}" if seconds else f"{format_date(local.date())} {local:%H:%M}"
