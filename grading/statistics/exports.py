"""CSV and Excel downloads of the statistics tables (SPEC GR5, NF11): each table of a page as the screen shows it,
figures as numbers (Excel) and plain text (CSV, UTF-8 with BOM)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import Response

from core.csvexport import csv_response

# The streaming writer is a renderer with no feature knowledge; importing it points no rule upward.
from exports.render.xlsx_stream import xlsx_response

from .firms import FirmFigures, WorkRow
from .queries import Band, Figures

FIGURE_HEADER = ["件数", "平均点", "中央値", "最低点", "最高点"]


def figure_cells(f: Figures) -> list:
    return [f.count, f.mean, f.median, f.minimum, f.maximum]


def figures_table(heading: str, rows: Iterable[Figures]) -> tuple[list[str], list[list]]:
    return [heading, *FIGURE_HEADER], [[f.label, *figure_cells(f)] for f in rows]


def bands_table(rows: Iterable[Band]) -> tuple[list[str], list[list]]:
    return ["評定点の区分", "件数", "割合（%）"], [[b.label, b.count, b.share] for b in rows]


def firms_table(rows: Iterable[FirmFigures], recent_label: str) -> tuple[list[str], list[list]]:
    header = ["業者番号", "商号又は名称", *FIGURE_HEADER, f"{recent_label}の件数", f"{recent_label}の平均点"]
    return header, [[r.number, r.name, *figure_cells(r.figures), r.recent_count, r.recent_mean] for r in rows]


def works_table(rows: Iterable[WorkRow], titles: dict[str, str]) -> tuple[list[str], list[list]]:
    header = ["契約番号", "工事名", "業者番号", "受注者", "担当課", "業種", "年度", "完成日", "最終契約金額", "評定点", "登録"]
    return header, [[w.contract_number, w.name, w.contractor_number, w.contractor_name, w.department,
                     titles.get(w.work_type_code, w.work_type_code), w.fiscal_year, w.completed_on, w.contract_amount,
                     w.final_score, w.source_label] for w in rows]


def table_response(title: str, header: Sequence[str], rows: list[list], fmt: str) -> Response:
    """One table as a download named after ``title`` (dates ISO in CSV, dates in Excel)."""
    if fmt == "csv":
        return csv_response(title, list(header), ([v.isoformat() if hasattr(v, "isoformat") else v for v in row]
                                                  for row in rows))
    widths = {i + 1: 40 if "名" in h else 14 for i, h in enumerate(header)}
    return xlsx_response([(title[:31], list(header), widths, rows)], title)
