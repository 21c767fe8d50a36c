"""Helpers for tests (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

import re

TEST_PASSWORD = "Test-Passw0rd-2026"


def login(client, user_or_login_id, password: str = TEST_PASSWORD, **extra):
    login_id = getattr(user_or_login_id, "login_id", user_or_login_id)
    return client.post("/login", data={"login_id": login_id, "password": password, **extra})


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def page_text(response) -> str:
    return response.get_data(as_text=True)
