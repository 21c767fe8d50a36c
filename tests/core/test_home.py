"""The home page's queue registry (core/home.py): a queue shows, and its counter runs, only for users whose
roles the linked list's route admits; a line linking elsewhere is checked against that route too."""

from __future__ import annotations

import pytest

from core.auth.roles import Role
from core.home import QueueEntry, register_queue
from tests.helpers import page_text


@pytest.fixture
def admin_queue(app):
    calls = []

    def counter(session, day):
        calls.append(day)
        return [QueueEntry("無効な利用者", 1234, {"status": "inactive"}, "warning"),
                QueueEntry("審査待ちの申請", 5, {"state": "submitted"},
                           endpoint="registry.applications.application_list"),
                QueueEntry("ホームへ", 0, endpoint="main.home")]

    queues = app.extensions["keiyaku_home_queues"]
    before = list(queues)
    register_queue(app, "試験用の待ち行列", "admin.user_list", counter, 99)
    yield calls
    queues[:] = before


def test_queue_shows_to_roles_its_list_admits(admin_queue, create_user, login_as):
    html = page_text(login_as(create_user(Role.SYSTEM_ADMIN)).get("/"))
    assert "試験用の待ち行列" in html and "/admin/users?status=inactive" in html
    assert "1,234" in html and "queue__count--warning" in html
    assert "/registry/applications?state=submitted" in html
    assert len(admin_queue) == 1


def test_queue_is_neither_shown_nor_counted_for_other_roles(admin_queue, create_user, login_as):
    html = page_text(login_as(create_user(Role.CONTRACT_STAFF)).get("/"))
    assert "試験用の待ち行列" not in html
    assert admin_queue == []  # the counter never ran


def test_a_line_to_a_list_the_user_cannot_open_is_left_out(app, create_user):
    from flask_login import login_user

    from core.db import db
    from core.home import queues_for
    from core.timefmt import today

    user = create_user(Role.SYSTEM_ADMIN)
    calls = []
    register_queue(app, "別の一覧へ", "main.home", lambda s, d: calls.append(d) or [
        QueueEntry("利用者", 1, endpoint="admin.user_list")], 98)
    try:
        viewer = create_user(Role.VIEWER)
        with app.test_request_context("/"):
            login_user(viewer)
            shown = [q for q in queues_for(viewer, db.session, today()) if q["title"] == "別の一覧へ"]
            assert shown == []  # no card without a line
            login_user(user)
            shown = [q for q in queues_for(user, db.session, today()) if q["title"] == "別の一覧へ"]
            assert shown[0]["entries"][0]["url"] == "/admin/users"
    finally:
        app.extensions["keiyaku_home_queues"][:] = [q for q in app.extensions["keiyaku_home_queues"]
                                                    if q.title != "別の一覧へ"]


def test_registering_the_same_queue_twice_is_refused(app):
    with pytest.raises(ValueError):
        register_queue(app, "資格審査申請", "registry.applications.application_list", lambda s, d: [])
