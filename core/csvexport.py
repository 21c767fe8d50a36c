"""CSV downloads that open correctly in Excel (UTF-8 with BOM, CRLF), streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, stream_with_context

from core.timefmt import JST

CONTENT_TYPE = "text/csv; charset=utf-8"


def _stream(header: list[str], rows: Iterable[list]):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for i, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else _defuse(v) for v in row])
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _defuse(value):
    """Neutralise spreadsheet formulas in user-supplied text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> Response:
    from datetime import datetime

    stamp = datetime.now(JST).strftime("%Y%m%d_%H%M")
    name = f"{filename}_{stamp}.csv"
    ascii_name = f"keiyaku_{stamp}.csv"
    # content_type, not mimetype: Werkzeug appends "; charset=utf-8" to a text/* mimetype itself.
    response = Response(stream_with_context(_stream(header, rows)), content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response
