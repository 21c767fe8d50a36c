"""File downloads: the Content-Disposition header and a response streaming a spooled temporary file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO
from urllib.parse import quote

from flask import Response

from core.timefmt import JST

CHUNK = 64 * 1024


def content_disposition(title: str, ext: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) named ``<title>_YYYYMMDD_HHMM.<ext>`` (Japan time), with an ASCII fallback
    name for old clients and the Japanese name as ``filename*`` (RFC 6266 / RFC 5987)."""
    stamp = datetime.now(JST).strftime("%Y%m%d_%H%M")
    name = f"{title}_{stamp}.{ext}"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"keiyaku_{stamp}.{ext}\"; filename*=UTF-8''{quote(name)}"


def spooled_response(spool: IO[bytes], size: int, mimetype: str, disposition: str) -> Response:
    """A response streaming the open file ``spool`` from its current position in chunks; it is closed afterwards.

    ``Content-Length`` is ``size`` (the bytes left to send), so browsers show the download's progress.
    """
    response = Response(_chunks(spool), mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = disposition
    response.call_on_close(spool.close)
    return response


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:  # also when a client reads the body without closing the response (the test client)
        spool.close()
