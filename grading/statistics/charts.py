"""Charts drawn on the server as SVG (SPEC GR5, NF1): no script, no library, nothing from a CDN.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>`` (what it shows and its
scale, for a screen reader), with every value written as text beside its bar or point, so nothing is told by
colour or length alone. Bars and lines are the design system's blue (#0017c1, 11:1 on white), text the body grey
(#333333), axes and grid grey #767676 (4.5:1). The SVG scales with its container (``viewBox``, width 100 %).
Labels are escaped; the chart's id keeps the title/desc ids unique on a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

BAR = "#0017c1"
TEXT = "#333333"
AXIS = "#767676"
GRID = "#cccccc"
FONT = 14


@dataclass(frozen=True)
class Point:
    """One bar or point: its label, its value (None: no data, drawn as a gap with 「なし」) and the text shown."""

    label: str
    value: Decimal | int | None
    text: str = ""

    @property
    def shown(self) -> str:
        if self.value is None:
            return "なし"
        return self.text or str(self.value)


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    chart_id = escape(chart_id)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT}" fill="{TEXT}">',
            f'<title id="{chart_id}-title">{escape(title)}</title>', f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']


def _text(x: float, y: float, text: str, anchor: str = "middle", weight: str = "normal") -> str:
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{bold}>{escape(text)}</text>'


#: Steps between the value axis' ticks, the first that gives at most ``MAX_TICKS`` intervals is taken.
STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)
MAX_TICKS = 5


def _scale(values: Sequence[float | None], floor: float | None) -> tuple[float, float, float]:
    """(low, high, step) of the value axis: from ``floor`` (or a multiple of 5 under the smallest value, for
    scores) to the first tick over the largest value, with round steps (so no tick reads 57.5)."""
    present = [v for v in values if v is not None]
    top = max(present, default=1.0)
    low = floor if floor is not None else max(0.0, (int(min(present, default=0.0)) // 5) * 5 - 5)
    span = max(top - low, 1.0)
    step = next((s for s in STEPS if span / s <= MAX_TICKS), STEPS[-1])
    high = low + (int(span // step) + 1) * step  # a tick over the top value leaves room for its label
    return low, high, step


def column_chart(chart_id: str, title: str, points: Sequence[Point], *, unit: str, floor: float | None = 0,
                 width: int = 520, height: int = 260) -> Markup:
    """Vertical bars (a histogram, counts per 年度), the value above each bar and the label under it."""
    left, right, top, bottom = 48, 12, 24, 44
    values = [float(p.value) if p.value is not None else None for p in points]
    low, high, step = _scale(values, floor)
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(1, len(points))
    desc = _desc("縦軸", unit, low, high, step, points)
    parts = _open(chart_id, title, desc, width, height)
    parts += _axes(left, top, plot_w, plot_h, low, high, step)
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        x = left + i * slot
        if v is not None:
            h = (v - low) / (high - low) * plot_h
            parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="{h:.1f}" fill="{BAR}"/>')
            parts.append(_text(x + slot / 2, top + plot_h - h - 5, p.shown, weight="bold"))
        else:
            parts.append(_text(x + slot / 2, top + plot_h - 5, p.shown))
        parts.append(_text(x + slot / 2, top + plot_h + 18, p.label))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and value escaped by _text)


def bar_chart(chart_id: str, title: str, points: Sequence[Point], *, unit: str, floor: float | None = 0,
              width: int = 520, label_width: int = 170, row: int = 26) -> Markup:
    """Horizontal bars (a mean per 業種 or 担当課): the label on the left, the value at the end of the bar."""
    top, right = 8, 110
    height = top * 2 + row * max(1, len(points)) + 20
    values = [float(p.value) if p.value is not None else None for p in points]
    low, high, step = _scale(values, floor)
    plot_w = width - label_width - right
    desc = _desc("横軸", unit, low, high, step, points)
    parts = _open(chart_id, title, desc, width, height)
    base = top + row * len(points)
    parts.append(f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{base}" stroke="{AXIS}"/>')
    value = low
    while value <= high + 1e-9:
        x = label_width + (value - low) / (high - low) * plot_w
        if value > low:
            parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" stroke="{GRID}" stroke-dasharray="4 4"/>')
        parts.append(_text(x, base + 16, f"{value:g}", "middle"))
        value += step
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        y = top + i * row
        parts.append(_text(label_width - 8, y + row * 0.65, _clip(p.label, 11), "end"))
        if v is None:
            parts.append(_text(label_width + 6, y + row * 0.65, p.shown, "start"))
            continue
        w = max(0.0, (v - low) / (high - low) * plot_w)
        parts.append(f'<rect x="{label_width}" y="{y + row * 0.15:.1f}" width="{w:.1f}" height="{row * 0.7:.1f}" '
                     f'fill="{BAR}"/>')
        parts.append(_text(label_width + w + 6, y + row * 0.65, p.shown, "start", "bold"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and value escaped by _text)


def line_chart(chart_id: str, title: str, points: Sequence[Point], *, unit: str, floor: float | None = None,
               width: int = 520, height: int = 250) -> Markup:
    """A trend (the mean per 年度): a point per label with its value above, joined where both ends have data."""
    left, right, top, bottom = 48, 16, 24, 44
    values = [float(p.value) if p.value is not None else None for p in points]
    low, high, step = _scale(values, floor)
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(1, len(points))
    desc = _desc("縦軸", unit, low, high, step, points)
    parts = _open(chart_id, title, desc, width, height)
    parts += _axes(left, top, plot_w, plot_h, low, high, step)
    xy = []
    for i, v in enumerate(values):
        x = left + i * slot + slot / 2
        xy.append((x, top + plot_h - (v - low) / (high - low) * plot_h) if v is not None else None)
    for a, b in zip(xy, xy[1:], strict=False):
        if a and b:
            parts.append(f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" stroke="{BAR}" '
                         'stroke-width="2.5"/>')
    for i, (p, at) in enumerate(zip(points, xy, strict=True)):
        x = left + i * slot + slot / 2
        if at:
            parts.append(f'<circle cx="{at[0]:.1f}" cy="{at[1]:.1f}" r="4.5" fill="{BAR}"/>')
            parts.append(_text(at[0], at[1] - 9, p.shown, weight="bold"))
        else:
            parts.append(_text(x, top + plot_h - 5, p.shown))
        parts.append(_text(x, top + plot_h + 18, p.label))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and value escaped by _text)


def _axes(left: float, top: float, plot_w: float, plot_h: float, low: float, high: float, step: float) -> list[str]:
    """The value axis with a label and a dashed grid line at each tick, and the base line."""
    parts = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{AXIS}"/>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}"/>']
    value = low
    while value <= high + 1e-9:
        y = top + plot_h - (value - low) / (high - low) * plot_h
        if value > low:
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}" '
                         'stroke-dasharray="4 4"/>')
        parts.append(_text(left - 6, y + 4, f"{value:g}", "end"))
        value += step
    return parts


def _desc(axis: str, unit: str, low: float, high: float, step: float, points: Sequence[Point]) -> str:
    """What a screen reader hears: the scale, then every label with its value."""
    values = "、".join(f"{p.label}: {p.shown}" for p in points)
    return f"{axis}は{unit}（{low:g}〜{high:g}、目盛り {step:g} ごと）。{values}。"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
