"""Rounding as the rules name it: yen to a unit (1, 10, 100, 1,000, 10,000 円), and scores or rates to a number
of decimals; both with a mode (切り捨て, 四捨五入, 切り上げ)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction

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


#: The most decimals a score or rate is kept to (rules offer 0 up to this).
MAX_PLACES = 10


def round_places(value: Decimal | Fraction | int, places: int, mode: str) -> Decimal:
    """``value`` kept to ``places`` decimals by ``mode``, exactly: ``round_places(Fraction(19 * 20, 24), 4,
    "half_up")`` → ``Decimal("15.8333")``; ``Fraction(15, 32)`` (0.46875) gives 0.4688 四捨五入, 0.4687 切り捨て.

    A quotient such as 19 × 20/24 is passed as a ``Fraction`` so no digit is lost before the rule's rounding
    (a ``Decimal`` division would round at its own precision first).
    """
    if not 0 <= places <= MAX_PLACES:
        raise ValueError(f"places {places} is not within 0..{MAX_PLACES}")
    rounding = ROUNDING_MODES[mode][1]
    scaled = Fraction(value) * 10 ** places
    whole = int(scaled)  # toward zero
    rest = abs(scaled - whole)
    # The rest stands in for what follows the kept digits: only whether it is zero, under, at or over one half
    # matters to any rounding mode, and 0.25/0.5/0.75 are exact in Decimal.
    marker = Decimal(0) if rest == 0 else Decimal("0.25") if rest < Fraction(1, 2) else \
        Decimal("0.5") if rest == Fraction(1, 2) else Decimal("0.75")
    sign = -1 if scaled < 0 else 1
    kept = (Decimal(whole) + sign * marker).quantize(Decimal(1), rounding=rounding)
    return kept.scaleb(-places).quantize(Decimal(1).scaleb(-places))
