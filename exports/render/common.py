"""What both renderers share: cell text, the conditions line, the issue line and the column widths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from core.jp import DATE_STYLES, format_date
from exports.reports.base import Column, Document, clean_text

__all__ = ["DATE_STYLES", "column_widths", "conditions_text", "count_text", "format_cell", "issue_date_text",
           "sample_row"]

BODY_SIZE = 9
HEADER_SIZE = 9
#: Left + right padding of a table cell, in points.
CELL_PADDING = 8


def format_cell(value: Any, column: Column, date_style: str) -> str:
    """The text a cell shows in the PDF (Excel keeps the value and formats it with a number format)."""
    if value is None or value == "":
        return ""
    if column.numeric and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        clock = value.strftime("%H:%M:%S" if column.seconds else "%H:%M")
        return f"{format_date(value.date(), date_style)} {clock}"
    if isinstance(value, date):
        return format_date(value, date_style)
    return clean_text(value)


def format_condition_value(value: Any, date_style: str) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        first, last = (format_condition_value(v, date_style) for v in value)
        return f"{first} 〜 {last}"
    if isinstance(value, date):
        return format_date(value, date_style)
    return clean_text(value)


def conditions_text(document: Document, date_style: str) -> str:
    """``部署：すべて　状態：有効のみ`` from ``[(label, value), ...]`` (a plain string is used as it is)."""
    conditions = document.conditions
    if isinstance(conditions, str):
        return clean_text(conditions)
    return "　".join(f"{label}：{format_condition_value(value, date_style)}" for label, value in conditions)


def issue_date_text(issued_on: date, date_style: str) -> str:
    """The issue date in the header: the long form of the configured style (令和7年4月1日)."""
    style = "wareki" if date_style == "wareki_short" else date_style
    return format_date(issued_on, style)


def count_text(document: Document) -> str:
    return f"全 {len(document.spool()):,} 件"


def sample_row(document: Document, date_style: str) -> list[str]:
    """The widest usual text of each date/date-time column, so their width does not depend on the data."""
    widest = {"date": date(2030, 12, 28), "datetime": datetime(2030, 12, 28, 23, 59, 59)}
    return [format_cell(widest[c.type], c, date_style) if c.type in widest else "" for c in document.columns]


def column_widths(document: Document, texts: Iterable[Sequence[str]], total: float, measure) -> list[float]:
    """Widths in points that add up to ``total``.

    ``texts`` yields each row's cell texts (read once; only the number, date and date-time columns are looked
    at, so text columns may be ""). Numbers, dates and date-times get the width of their longest text (they never
    wrap; include ``sample_row``), text columns share the rest in proportion to their ``width`` weights. If the
    fixed columns would leave text columns less than half their share, every column is simply proportional.
    """
    columns = document.columns
    weights = [c.width for c in columns]
    proportional = [total * w / sum(weights) for w in weights]
    longest = {i: _Longest() for i, column in enumerate(columns) if column.type != "text"}
    for row in texts:
        for i, candidates in longest.items():
            candidates.add(row[i])
    fixed: dict[int, float] = {}
    for i, candidates in longest.items():
        widest = max((measure(text) for text in candidates.texts), default=0.0)
        header = max((measure(part) for part in columns[i].header.split("\n")), default=0.0)
        fixed[i] = max(widest, header * 1.05, 24.0) + CELL_PADDING + 2
    text_idx = [i for i in range(len(columns)) if i not in fixed]
    rest = total - sum(fixed.values())
    if not text_idx:
        scale = total / sum(fixed.values())
        return [fixed[i] * scale for i in range(len(columns))]
    text_weight = sum(weights[i] for i in text_idx)
    shares = {i: rest * weights[i] / text_weight for i in text_idx}
    if any(shares[i] < proportional[i] * 0.5 for i in text_idx):
        return proportional
    return [fixed.get(i, shares.get(i, 0.0)) for i in range(len(columns))]


class _Longest:
    """The few texts of a column that can be the widest (measuring every cell of a long list is slow)."""

    def __init__(self):
        self.most = 0
        self.texts: set[str] = set()

    def add(self, text: str) -> None:
        size = len(text)
        if not text or size < self.most - 2:
            return
        self.texts.add(text)
        if size > self.most:
            self.most = size
            self.texts = {t for t in self.texts if len(t) >= size - 2}
