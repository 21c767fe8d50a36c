"""What both renderers share: cell text, the conditions line, the issue line and the column widths."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.jp import DATE_STYLES, format_date
from exports.forms.base import Column, Document, clean_text

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
    return f"全 {len(document.rows):,} 件"


def sample_row(document: Document, date_style: str) -> list[str]:
    """The widest usual text of each date/date-time column, so their width does not depend on the data."""
    widest = {"date": date(2030, 12, 28), "datetime": datetime(2030, 12, 28, 23, 59, 59)}
    return [format_cell(widest[c.type], c, date_style) if c.type in widest else "" for c in document.columns]


def column_widths(document: Document, cells: list[list[str]], total: float, measure) -> list[float]:
    """Widths in points that add up to ``total``.

    Numbers, dates and date-times get the width of their longest text (they never wrap; include
    ``sample_row`` in ``cells``), text columns share the rest in proportion to their ``width`` weights. If the
    fixed columns would leave text columns less than half their share, every column is simply proportional.
    """
    columns = document.columns
    weights = [c.width for c in columns]
    proportional = [total * w / sum(weights) for w in weights]
    fixed: dict[int, float] = {}
    for i, column in enumerate(columns):
        if column.type == "text":
            continue
        longest = max((measure(text) for text in _longest_texts(row[i] for row in cells)), default=0.0)
        header = max((measure(part) for part in column.header.split("\n")), default=0.0)
        fixed[i] = max(longest, header * 1.05, 24.0) + CELL_PADDING + 2
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


def _longest_texts(texts) -> list[str]:
    """The few texts that can be the widest (measuring every cell of a long list is slow)."""
    texts = [t for t in texts if t]
    if not texts:
        return []
    most = max(len(t) for t in texts)
    return list({t for t in texts if len(t) >= most - 2})
