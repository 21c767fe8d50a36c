"""Renderers that turn a report's document into a file: ``render_pdf`` and ``render_xlsx``.

A tabular ``Document`` goes to ``pdf.py`` / ``xlsx.py`` (a list with a page header), a letter-like
``FormDocument`` to ``form_pdf.py`` / ``form_xlsx.py`` (a page per letter); both take the same arguments.
"""

from __future__ import annotations

from datetime import date

from exports.reports.formdoc import FormDocument

from . import pdf, xlsx
from .common import DATE_STYLES
from .form_pdf import render_form_pdf
from .form_xlsx import render_form_xlsx

__all__ = ["DATE_STYLES", "FORMATS", "render_pdf", "render_xlsx"]


def render_pdf(document, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The document as PDF bytes; ``issuer`` (the organisation) and ``issued_on`` head a tabular report."""
    if isinstance(document, FormDocument):
        return render_form_pdf(document, issuer, issued_on, date_style=date_style)
    return pdf.render_pdf(document, issuer, issued_on, date_style=date_style)


def render_xlsx(document, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The document as ``.xlsx`` bytes: one sheet for a list, a sheet per page for a form."""
    if isinstance(document, FormDocument):
        return render_form_xlsx(document, issuer, issued_on, date_style=date_style)
    return xlsx.render_xlsx(document, issuer, issued_on, date_style=date_style)


#: Download formats: extension → (renderer, MIME type, label).
FORMATS = {
    "pdf": (render_pdf, "application/pdf", "PDF"),
    "xlsx": (render_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
}
