"""Helpers for tests (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text

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


@contextmanager
def scratch_database(base_url: str, prefix: str):
    """A fresh, empty PostgreSQL database next to ``base_url``'s, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server, _ = base_url.rsplit("/", 1)
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rule_form_data(key: str, values: dict, **extra) -> dict:
    """The fields the rule screen's form posts for ``values`` of rule ``key`` (tables included), plus ``extra``."""
    from core.rules.catalogue import get_definition
    from core.rules.forms import PREFIX, SchemaForm

    schema = SchemaForm(get_definition(key), values=values)
    data = {}
    for item in schema.inputs:
        if item.kind == "table":
            data[f"{item.id}-rows"] = str(len(item.rows))
            for row in item.rows:
                for cell in row.inputs:
                    data[cell.id] = cell.raw
        else:
            data[PREFIX + item.key] = item.raw
    return {**data, **extra}
