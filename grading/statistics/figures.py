"""The figures of a set of grades, exactly (SPEC GR5): every statistic of the grade database, the import's checklist
and the 主観点 feed take their mean, median and 5-point bands from here, so a firm's average reads the same on the
statistics page, in the rank review's basis and in the reports.

Scores are stored with one decimal place at most (``GradedWork.final_score``, Numeric(5, 1)); the figures work in
tenths of a point as integers, so a mean is a fraction of two integers, rounded half-up once at the end (no binary
floating point on the way: 80.025 stays 80.03).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

#: Places of a mean as shown, exported and compared with the 主観点 bands (小数第2位、四捨五入).
MEAN_PLACES = Decimal("0.01")
#: Width of a band of the distribution (points) and the top band, which holds 100 too.
BAND_WIDTH = 5
TOP_BAND = 95


def tenths(score: Decimal) -> int:
    """A stored score (at most one decimal place) in tenths of a point."""
    return int((Decimal(score) * 10).to_integral_value(ROUND_HALF_UP))


def mean_of(total_tenths: int, count: int) -> Decimal | None:
    """The mean of ``count`` scores whose tenths add up to ``total_tenths``, rounded half-up to 0.01."""
    if not count:
        return None
    return (Decimal(int(total_tenths)) / Decimal(int(count)) / 10).quantize(MEAN_PLACES, ROUND_HALF_UP)


def median_of(sorted_tenths: list[int]) -> Decimal | None:
    """The median of scores given in tenths, ascending (the mean of the middle two for an even count)."""
    n = len(sorted_tenths)
    if not n:
        return None
    middle = sorted_tenths[n // 2] if n % 2 else Decimal(sorted_tenths[n // 2 - 1] + sorted_tenths[n // 2]) / 2
    return (Decimal(middle) / 10).quantize(MEAN_PLACES, ROUND_HALF_UP)


def score_of(value_tenths: int) -> Decimal:
    return (Decimal(int(value_tenths)) / 10).quantize(Decimal("0.1"))


def band_of(value_tenths: int) -> int:
    """The lower bound of the 5-point band of a score (65 for 65.0–69.9; 100 is in the top band, 95–100)."""
    return min(TOP_BAND, int(value_tenths) // (BAND_WIDTH * 10) * BAND_WIDTH)


def band_label(lower: int) -> str:
    if lower >= TOP_BAND:
        return f"{lower}〜100点"
    return f"{lower}〜{lower + BAND_WIDTH - 0.1:.1f}点"


def summary(scores_tenths: Iterable[int]) -> dict:
    """count, mean, median, min and max of some scores in tenths (the small sets a page or a feed row needs)."""
    values = sorted(int(v) for v in scores_tenths)
    if not values:
        return {"count": 0, "mean": None, "median": None, "min": None, "max": None}
    return {"count": len(values), "mean": mean_of(sum(values), len(values)), "median": median_of(values),
            "min": score_of(values[0]), "max": score_of(values[-1])}
