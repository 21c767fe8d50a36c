"""Browser tests: headless Debian Chromium driven by Playwright against a live server on its own database.

Skipped when no Chromium is installed, unless ``KEIYAKU_REQUIRE_E2E=1`` (CI sets it, so there they fail
instead of silently skipping).
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from core import create_app
from core.migrate import upgrade_database
from tests.helpers import scratch_database


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if _chromium() is None and os.environ.get("KEIYAKU_REQUIRE_E2E") != "1":
        skip = pytest.mark.skip(reason="Chromium がないためブラウザテストを省略（apt install chromium）")
        for item in items:
            if "/e2e/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite3'}"
        return
    with scratch_database(base, "keiyaku_e2e") as url:
        yield url


@pytest.fixture(scope="session")
def live_app(e2e_database_url, tmp_path_factory):
    upgrade_database(e2e_database_url)
    # Imports run in a background thread as in production, so the progress page is exercised too.
    application = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": e2e_database_url, "WTF_CSRF_ENABLED": True,
                              "IMPORT_SYNC": False, "STORAGE_DIR": str(tmp_path_factory.mktemp("e2e-storage"))})
    yield application
    application.extensions["keiyaku_db"]["engine"].dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = _chromium()
    if path is None:
        pytest.fail("Chromium が見つかりません（KEIYAKU_REQUIRE_E2E=1）。apt install chromium を実行してください。")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=path, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                           "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser):
    """``new_page()`` opens a page in a fresh browser context (its own cookies: another browser)."""
    contexts = []

    def _open():
        context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 768})
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()
