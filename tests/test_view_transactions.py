"""Views write only through ``core/transaction.py``: no view module calls ``commit()`` or ``rollback()`` itself
(DESIGN, "view transaction helper"), so a failed write always rolls back and keeps its errors on the form."""

import re
from pathlib import Path

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import LoginHistory, User
from tests.helpers import login, page_text

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "exports", "registry", "bidding", "grading")
SESSION_CALL = re.compile(r"\.(commit|rollback)\(")

#: View modules allowed to write by hand for a while (e.g. during a restructuring); each entry must still
#: contain a call (a stale entry fails below). Every view module is converted: keep it empty.
NOT_YET_CONVERTED: frozenset[str] = frozenset()


def _view_modules() -> list[str]:
    return sorted(path.relative_to(ROOT).as_posix() for package in PACKAGES
                  for path in (ROOT / package).rglob("*.py") if "views" in path.name)


def _session_calls(relative: str) -> list[str]:
    lines = (ROOT / relative).read_text(encoding="utf-8").splitlines()
    return [f"{relative}:{number}: {line.strip()}" for number, line in enumerate(lines, 1)
            if SESSION_CALL.search(line)]


def test_the_walk_finds_the_view_modules():
    modules = _view_modules()
    assert {"core/auth/admin_views.py", "core/auth/views.py", "core/rules/views.py", "core/importing/views.py",
            "core/audit/views.py", "core/history_views.py", "core/views.py", "exports/views.py",
            "registry/applications/views_portal.py", "registry/applications/views_portal_account.py",
            "registry/applications/views_review.py"} <= set(modules)


def test_views_never_commit_or_roll_back():
    offending = [call for module in _view_modules() if module not in NOT_YET_CONVERTED
                 for call in _session_calls(module)]
    assert offending == [], "views write through core.transaction.transaction():\n" + "\n".join(offending)


def test_exceptions_are_still_needed():
    stale = sorted(module for module in NOT_YET_CONVERTED
                   if not (ROOT / module).is_file() or not _session_calls(module))
    assert stale == [], f"remove from NOT_YET_CONVERTED (converted, moved or gone): {stale}"


def test_the_check_catches_a_hand_written_commit():
    # The pattern the walk relies on, on the shapes views used before the helper.
    assert SESSION_CALL.search("        db.session.commit()")
    assert SESSION_CALL.search("    session.rollback()")
    assert not SESSION_CALL.search("    with transaction(form) as tx:")


# --- what the converted views keep doing --------------------------------------------------------------

def test_a_refused_login_is_still_recorded(client, create_user, db_session):
    # authenticate records the attempt and then refuses: the login view's block must commit the record.
    user = create_user()
    response = login(client, user, "wrong-password")
    assert response.status_code == 200 and "ログインIDまたはパスワードが正しくありません" in page_text(response)
    db_session.expire_all()
    assert db_session.scalars(select(LoginHistory.result).where(LoginHistory.login_id == user.login_id)).all() \
        == ["failure"]
    assert db_session.get(User, user.id).failed_login_count == 1
    assert db_session.scalar(select(AuditEntry.operation).where(AuditEntry.user_id == user.id)) == "auth.login_failed"


def test_a_refused_action_is_flashed_and_redirects(admin_client, admin, db_session):
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate", data={"reason": "異動"})
    assert response.status_code == 302 and response.location == f"/admin/users/{admin.id}"
    assert "自分自身のアカウントは無効化できません。" in page_text(admin_client.get(response.location))
    db_session.expire_all()
    assert db_session.get(User, admin.id).is_active


def test_an_export_commits_its_audit_entry(admin_client, db_session):
    response = admin_client.get("/admin/departments?format=csv")
    assert response.status_code == 200 and response.get_data().startswith("\ufeff".encode())
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert "部署一覧" in entry.summary
