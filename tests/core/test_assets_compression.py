"""Static files: content-hashed URLs with a year-long cache; gzip for text responses, never for files."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask, Response, stream_with_context

from core import compression
from core.assets import LONG_CACHE, SHORT_CACHE
from core.compression import init_compression

STATIC = Path(__file__).resolve().parents[2] / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _version(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def _get(client, url: str, headers: dict | None = None):
    """The response, read and closed (a static file response holds the file open until closed)."""
    response = client.get(url, headers=headers or {})
    response.get_data()
    response.close()
    return response


def _static_urls(client) -> dict[str, str]:
    html = client.get("/login").get_data(as_text=True)
    return {m.group(1): m.group(0).split('"')[1]
            for m in re.finditer(r'(?:href|src)="/static/([^"?]+)\?v=[0-9a-f]{12}"', html)}


def test_pages_link_static_files_by_content_hash(client):
    urls = _static_urls(client)
    for relative in ("css/keiyaku.css", "js/keiyaku.js", "favicon.svg"):
        assert urls[relative] == f"/static/{relative}?v={_version(relative)}"


def test_hashed_static_url_is_cached_for_a_year_others_briefly(client):
    url = _static_urls(client)["css/keiyaku.css"]
    response = _get(client, url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == LONG_CACHE == "public, max-age=31536000, immutable"
    assert "Cookie" not in response.headers.get("Vary", "")  # a changed session cookie must not refetch it
    for other in ("/static/css/keiyaku.css", "/static/css/keiyaku.css?v=000000000000"):
        response = _get(client, other)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == SHORT_CACHE


def test_static_css_is_gzipped_once_and_decompresses_to_the_file(client, monkeypatch):
    compression._static_gzip.clear()
    url = _static_urls(client)["css/keiyaku.css"]
    original = (STATIC / "css/keiyaku.css").read_bytes()
    response = _get(client, url, GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data) < len(original) / 3
    assert gzip.decompress(response.data) == original
    assert response.headers["ETag"].startswith('W/"')  # another representation of the same file

    calls = []
    monkeypatch.setattr(compression.gzip, "compress", lambda *a, **k: calls.append(a) or b"")
    again = _get(client, url, GZIP)
    assert again.data == response.data and calls == []  # served from the per-process cache

    revalidated = _get(client, url, {**GZIP, "If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304
    assert "Accept-Encoding" in revalidated.headers["Vary"]


def test_no_gzip_unless_the_client_accepts_it(client):
    url = _static_urls(client)["css/keiyaku.css"]
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        response = _get(client, url, headers)
        assert "Content-Encoding" not in response.headers
        assert response.data == (STATIC / "css/keiyaku.css").read_bytes()
        assert "Accept-Encoding" in response.headers["Vary"]


def test_large_page_is_gzipped(admin_client, create_user):
    for _ in range(30):
        create_user()
    plain = admin_client.get("/admin/users?status=all")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    response = admin_client.get("/admin/users?status=all", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.data) < len(plain.data) / 3
    html = gzip.decompress(response.data).decode()
    assert html.startswith("<!doctype html>") and "利用者" in html


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_downloads_are_sent_as_they_are(admin_client, fmt):
    response = admin_client.get(f"/exports/reports/users.{fmt}?status=all", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data[:4] in (b"PK\x03\x04", b"%PDF")


@pytest.fixture
def plain_app():
    """A bare app with only the compression hook, to check bodies byte for byte."""
    app = Flask(__name__)
    init_compression(app)
    page = "<!doctype html><p>" + "一覧の行です。" * 400 + "</p>"

    @app.route("/page")
    def page_view():
        return page

    @app.route("/small")
    def small():
        return "<p>短い</p>"

    @app.route("/stream.csv")
    def stream():
        return Response(stream_with_context(iter(["a,b\r\n"] * 1000)), mimetype="text/csv")

    @app.route("/encoded")
    def encoded():
        return Response(gzip.compress(page.encode()), mimetype="text/html", headers={"Content-Encoding": "gzip"})

    @app.route("/data.json")
    def data():
        return {"rows": [{"id": i, "name": "業者"} for i in range(100)]}

    app.config["PAGE"] = page
    return app


def test_gzip_round_trip_and_what_is_left_alone(plain_app):
    client = plain_app.test_client()
    response = client.get("/page", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data).decode() == plain_app.config["PAGE"]
    assert client.get("/data.json", headers=GZIP).headers["Content-Encoding"] == "gzip"

    small = client.get("/small", headers=GZIP)
    assert "Content-Encoding" not in small.headers and small.get_data(as_text=True) == "<p>短い</p>"
    streamed = client.get("/stream.csv", headers=GZIP)
    assert "Content-Encoding" not in streamed.headers and streamed.data == b"a,b\r\n" * 1000
    encoded = client.get("/encoded", headers=GZIP)
    assert gzip.decompress(encoded.data).decode() == plain_app.config["PAGE"]  # not compressed twice
