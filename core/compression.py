"""gzip for text responses: list pages, CSS and JavaScript shrink to a fifth over the VDI network.

Compressed when the client sends ``Accept-Encoding: gzip``, the body is text (HTML, CSS, JavaScript, CSV,
JSON, SVG) of at least ``MIN_SIZE`` bytes, and no ``Content-Encoding`` is set yet. Never compressed: streamed
responses (CSV exports go out row by row), files other than static ones that are sent as they are, and
formats that are compressed already (xlsx, pdf, png, woff2, zip are not in the list). Static files are
compressed once per file and kept in memory (keyed by path, modification time and size), so a 2-vCPU server
does not compress the same stylesheet for every page view. A reverse proxy that compresses too sees
``Content-Encoding`` and leaves the body alone.
"""

from __future__ import annotations

import gzip
import mimetypes
import os

from flask import Flask, Response, current_app, request

from core.assets import static_path

COMPRESSIBLE = frozenset({
    "text/html", "text/css", "application/javascript", "text/javascript", "text/csv", "application/json",
    "image/svg+xml",
})
MIN_SIZE = 1024
#: Pages are compressed per request: a middle level keeps that to about a millisecond for a large list.
PAGE_LEVEL = 6

#: absolute path -> (mtime_ns, size, gzipped bytes)
_static_gzip: dict[str, tuple[int, int, bytes]] = {}


def gzipped_static(path: str) -> bytes:
    """The file's gzip encoding, compressed on first use and again only when the file changes."""
    stat = os.stat(path)
    cached = _static_gzip.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    with open(path, "rb") as f:
        body = gzip.compress(f.read(), compresslevel=9, mtime=0)
    _static_gzip[path] = (stat.st_mtime_ns, stat.st_size, body)
    return body


def _static_file(response: Response) -> str | None:
    """The static file a passthrough response sends, if this is the static endpoint."""
    if request.endpoint != "static" or not response.direct_passthrough:
        return None
    return static_path(current_app, (request.view_args or {}).get("filename"))


def _vary_static(response: Response) -> None:
    """A 304 carries the Vary of the 200 it confirms (it has no body, hence no Content-Type, of its own)."""
    path = static_path(current_app, (request.view_args or {}).get("filename"))
    if path and mimetypes.guess_type(path)[0] in COMPRESSIBLE and os.path.getsize(path) >= MIN_SIZE:
        response.vary.add("Accept-Encoding")


def compress(response: Response) -> Response:
    if response.status_code == 304 and request.endpoint == "static":
        _vary_static(response)
        return response
    if response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers \
            or response.status_code < 200 or response.status_code in (204, 206, 304):
        return response
    path = _static_file(response)
    if path is None and (response.direct_passthrough or response.is_streamed):
        return response
    size = os.path.getsize(path) if path else response.calculate_content_length()
    if size is None or size < MIN_SIZE:
        return response
    response.vary.add("Accept-Encoding")  # the same URL has two bodies; shared caches must keep them apart
    if request.accept_encodings["gzip"] <= 0:
        return response
    if path:
        body = gzipped_static(path)
        close = getattr(response.response, "close", None)
        if close is not None:
            close()  # the file send_file opened is not sent
        response.direct_passthrough = False
        etag, weak = response.get_etag()
        if etag and not weak:
            # another representation of the same file: a weak tag still answers If-None-Match with 304
            response.set_etag(etag, weak=True)
    else:
        body = gzip.compress(response.get_data(), compresslevel=PAGE_LEVEL, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    return response


def init_compression(app: Flask) -> None:
    app.after_request(compress)
