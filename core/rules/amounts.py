"""Yen rounding as the rules name it: a unit (1, 10, 100, 1,000, 10,000 円) and a mode."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

#: Stored mode → (Japanese label, decimal rounding). 切り捨て/切り上げ go toward/away from zero, so a
#: decrease in a change contract rounds the same way as an increase.
ROUNDING_MODES = {
    "down": ("切り捨て", ROUND_DOWN),
    "half_up": ("四捨五入", ROUND_HALF_UP),
    "up": ("切り上げ", ROUND_UP),
}
UNITS = (1, 10, 100, 1000, 10000)
UNIT_CHOICES = tuple((u, f"{u:,} 円") for u in UNITS)
MODE_CHOICES = tuple((code, label) for code, (label, _r) in ROUNDING_MODES.items())


def round_yen(amount: Decimal | int, unit: int, mode: str) -> int:
    """``round_yen(Decimal("18500050"), 1000, "down")`` → ``18500000``."""
    if unit not in UNITS:
        raise ValueError(f"rounding unit {unit} is not one of {UNITS}")
    rounding = ROUNDING_MODES[mode][1]
    units = (Decimal(amount) / unit).quantize(Decimal(1), rounding=rounding)
    return int(units) * unit
