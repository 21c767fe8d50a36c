"""Display of stored (naive UTC) timestamps in Japan time. Japan has no daylight saving, so a fixed offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


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
