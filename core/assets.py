"""Static files carry a content hash in their URL, so browsers keep them for a year and fetch them again only
when they change: the VDI network, not the server, is what a thin client waits for.

Every ``url_for('static', filename=...)`` gets ``?v=<first 12 hex digits of the file's SHA-256>``. A request
whose ``v`` matches the file on disk is answered with a year-long, immutable cache; any other (no ``v``, or
one from another version during a deployment) with a short one, so a stale copy never sticks.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

HASH_LENGTH = 12
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"

_UNKNOWN = object()
#: absolute path -> (mtime_ns, size, version); hashed once per file per process, again only if it changes.
_versions: dict[str, tuple[int, int, str]] = {}


def static_path(app: Flask, filename: str | None) -> str | None:
    """The file under ``static/`` that ``filename`` names, or None (missing, or outside the folder)."""
    if not filename or app.static_folder is None:
        return None
    path = safe_join(app.static_folder, filename)
    return path if path is not None and os.path.isfile(path) else None


def file_version(app: Flask, filename: str | None) -> str | None:
    """The content hash that versions ``filename``'s URL, or None when there is no such file."""
    path = static_path(app, filename)
    if path is None:
        return None
    stat = os.stat(path)
    cached = _versions.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    version = digest.hexdigest()[:HASH_LENGTH]
    _versions[path] = (stat.st_mtime_ns, stat.st_size, version)
    return version


class SessionInterface(SecureCookieSessionInterface):
    """Static responses leave the session cookie alone: Flask-Login looks at the session after every request,
    which would add ``Vary: Cookie``, and a browser must then ask again for a cached file whenever the
    cookie has changed (each flashed message changes it)."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def init_assets(app: Flask) -> None:
    app.session_interface = SessionInterface()

    #: filename -> version of the links pages write. Outside debug the files are those of the deployed release
    #: (a new release restarts the workers, as it must for the templates and code), so a link's version is
    #: looked up once per process instead of two file-system calls per link and page; the static responses
    #: themselves still compare with the file on disk.
    linked: dict[str | None, str | None] = {}

    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            filename = values.get("filename")
            version = linked.get(filename, _UNKNOWN)
            if version is _UNKNOWN:
                version = file_version(app, filename)
                if not app.debug and version is not None:
                    linked[filename] = version
            if version is not None:
                values["v"] = version

    @app.after_request
    def _static_cache(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        version = request.args.get("v")
        current = file_version(app, (request.view_args or {}).get("filename"))
        response.headers["Cache-Control"] = LONG_CACHE if version and version == current else SHORT_CACHE
        return response
