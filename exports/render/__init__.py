"""Renderers that turn any tabular ``Document`` into a file: ``render_pdf`` and ``render_xlsx``."""

from .common import DATE_STYLES
from .pdf import render_pdf
from .xlsx import render_xlsx

__all__ = ["DATE_STYLES", "render_pdf", "render_xlsx"]

#: Download formats: extension → (renderer, MIME type, label).
FORMATS = {
    "pdf": (render_pdf, "application/pdf", "PDF"),
    "xlsx": (render_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
}
