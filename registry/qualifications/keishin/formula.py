"""経営事項審査: the 総合評定値 P from its components, the score ranges, and the validity of a result notice.

P = 0.25·X1 + 0.15·X2 + 0.2·Y + 0.25·Z + 0.15·W, rounded half-up to an integer (domain-japan §2.1). A
result notice is valid for 1年7か月 from the 審査基準日 (the months come from the ``registry.qualification``
rule): 審査基準日 2025-03-31 → valid until 2026-10-31.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

WEIGHTS = {"x1": Decimal("0.25"), "x2": Decimal("0.15"), "y": Decimal("0.2"), "z": Decimal("0.25"),
           "w": Decimal("0.15")}
#: 評点 ranges from 令和5年8月14日 (min, max).
RANGES = {"x1": (397, 2309), "x2": (454, 2280), "y": (0, 1595), "z": (456, 2441), "w": (-2109, 2074),
          "p": (6, 2160)}
LABELS = {"x1": "X1（完成工事高）", "x2": "X2（自己資本額・利益額）", "y": "Y（経営状況）", "z": "Z（技術力）",
          "w": "W（その他の審査項目）", "p": "P（総合評定値）"}
STATUS_LABELS = {"valid": "有効", "expiring": "まもなく満了", "expired": "満了"}


def compute_p(x1: int, x2: int, y: int, z: int, w: int) -> int:
    """The 総合評定値 P, rounded half-up (1,169.2 → 1,169; x.5 → up)."""
    values = {"x1": x1, "x2": x2, "y": y, "z": z, "w": w}
    total = sum(WEIGHTS[k] * Decimal(int(v)) for k, v in values.items())
    return int(total.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def range_errors(values: dict) -> dict[str, list[str]]:
    """``{field: [message]}`` for each missing or out-of-range score (``p`` may be None: not entered)."""
    errors: dict[str, list[str]] = {}
    for key, (low, high) in RANGES.items():
        value = values.get(key)
        if value is None:
            if key != "p":
                errors[key] = [f"{LABELS[key]}を入力してください。"]
            continue
        if not low <= value <= high:
            errors[key] = [f"{LABELS[key]}は {low:,}〜{high:,} の範囲で入力してください（入力: {value:,}）。"]
    return errors


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it has no such day."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def valid_until(base_date: date, months: int) -> date:
    """Last day a result notice is valid: ``months`` counted from the day after the 審査基準日.

    2025-03-31 + 19 か月 → 2026-10-31; 2025-06-30 → 2027-01-31.
    """
    return add_months(base_date + timedelta(days=1), months) - timedelta(days=1)


def validity_status(until: date, on_date: date, warning_days: int) -> str:
    """``valid``, ``expiring`` (within ``warning_days`` of the end, inclusive) or ``expired``."""
    if on_date > until:
        return "expired"
    if (until - on_date).days <= warning_days:
        return "expiring"
    return "valid"
