"""Record history (履歴管理): changes kept per field, shown on a 履歴 tab, state at a chosen date."""

from datetime import timedelta

from sqlalchemy import select

from core.auth import admin_services
from core.auth.roles import Role
from core.db import utcnow
from core.history import RecordHistory, diff, display_value, history_of, record_change, state_as_of
from tests.helpers import page_text


def test_diff_lists_changed_fields_only():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
    assert diff({}, {"a": 1}) == {"a": [None, 1]}


def test_no_change_writes_nothing(db_session, admin):
    assert record_change(db_session, admin, "x.update", "変更なし", target=admin, before={"a": 1}, after={"a": 1}) \
        is None


def test_edited_user_has_history_and_past_state(db_session, admin, create_department):
    dept = create_department(name="道路課")
    t0 = utcnow()
    user, _ = admin_services.create_user(db_session, admin, login_id="hist.one", name="初期 名前", department_id=None,
                                         roles=[Role.VIEWER], policy=admin_services.PasswordPolicy(),
                                         hash_method="scrypt:1024:8:1")
    created = history_of(db_session, "users", user.id)[0]
    created.at = t0 - timedelta(days=10)
    admin_services.update_user(db_session, admin, user, name="変更 名前", department_id=dept.id,
                               roles=[Role.VIEWER, Role.INSPECTOR])
    updated = history_of(db_session, "users", user.id)[-1]
    updated.at = t0 - timedelta(days=5)
    admin_services.deactivate_user(db_session, admin, user, reason="退職", now=utcnow())
    db_session.flush()

    rows = history_of(db_session, "users", user.id)
    assert [r.operation for r in rows] == ["user.create", "user.update", "user.deactivate"]
    assert rows[1].change_map["name"] == ["初期 名前", "変更 名前"]
    assert rows[1].login_id == admin.login_id and rows[1].audit_entry_id is not None

    current = admin_services.user_snapshot(user)
    assert state_as_of(current, rows, t0 - timedelta(days=11)) is None
    at_creation = state_as_of(current, rows, t0 - timedelta(days=7))
    assert at_creation["name"] == "初期 名前" and at_creation["department"] is None and at_creation["is_active"]
    after_update = state_as_of(current, rows, t0 - timedelta(days=1))
    assert after_update["name"] == "変更 名前" and after_update["roles"] == ["inspector", "viewer"]
    assert after_update["is_active"] is True
    assert state_as_of(current, rows, utcnow() + timedelta(days=1)) == current


def test_history_survives_audit_prune(app, db_session, admin, create_user):
    from core.audit.prune import prune
    from core.audit.verify import verify_configured

    user = create_user()
    admin_services.update_user(db_session, admin, user, name="残る 変更", department_id=None, roles=[Role.VIEWER])
    now = utcnow()
    for row in history_of(db_session, "users", user.id):
        row.at = now - timedelta(days=4000)
    db_session.flush()
    count = db_session.scalar(select(RecordHistory.id).where(RecordHistory.target_id == str(user.id)).limit(1))
    assert count is not None
    prune(db_session, None, now - timedelta(days=200), 180, now,
          verify_configured(db_session, app.config))  # the operation log only
    assert len(history_of(db_session, "users", user.id)) >= 2


def test_display_values():
    assert display_value("users", "roles", ["contract_staff", "viewer"]) == "契約担当・閲覧者"
    assert display_value("users", "is_active", False) == "いいえ"
    assert display_value("users", "email", None) == "—"


def test_history_tab_for_edited_user(admin_client, db_session, admin, create_user):
    user = create_user(Role.VIEWER, name="表示 太郎")
    admin_services.update_user(db_session, admin, user, name="表示 次郎", department_id=None,
                               roles=[Role.VIEWER, Role.CONTRACT_STAFF])
    db_session.commit()
    html = page_text(admin_client.get(f"/admin/users/{user.id}/history"))
    assert "表示 太郎" in html and "表示 次郎" in html and "契約担当・閲覧者" in html
    assert 'aria-current="page">履歴' in html
    past = page_text(admin_client.get(f"/admin/users/{user.id}/history?as_of=2000-01-01"))
    assert "まだ登録されていませんでした" in past
    today = page_text(admin_client.get(f"/admin/users/{user.id}/history?as_of={(utcnow() + timedelta(days=1)):%Y-%m-%d}"))
    assert "時点の内容" in today
    bad = page_text(admin_client.get(f"/admin/users/{user.id}/history?as_of=2026-02-31"))
    assert "正しい日付" in bad


def test_department_history_page(admin_client, db_session, admin):
    dept = admin_services.create_department(db_session, admin, code="H1", name="旧課名")
    admin_services.update_department(db_session, admin, dept, code="H1", name="新課名")
    db_session.commit()
    html = page_text(admin_client.get(f"/admin/departments/{dept.id}/history"))
    assert "旧課名" in html and "新課名" in html


def test_screens_show_dates_in_the_configured_style(app):
    from datetime import datetime

    from core.timefmt import display_datetime, format_jst

    stamp = datetime(2026, 3, 31, 15, 30)  # UTC: already April 1 in Japan
    with app.app_context():
        assert display_datetime(stamp) == "令和8年4月1日 00:30"
        app.config["DATE_STYLE"] = "seireki"
        try:
            assert display_datetime(stamp, seconds=True) == "2026年4月1日 00:30:00"
        finally:
            app.config["DATE_STYLE"] = "wareki"
    assert format_jst(stamp) == "2026-04-01 00:30"  # CSV stays sortable


def test_history_cli(app, db_session, admin):
    dept = admin_services.create_department(db_session, admin, code="C1", name="旧名")
    admin_services.update_department(db_session, admin, dept, code="C1", name="新名")
    db_session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["history", "departments", str(dept.id)]).output
    assert "部署名: 旧名 → 新名" in out
    assert "まだ登録されていませんでした" in runner.invoke(args=["history", "departments", str(dept.id),
                                                            "--as-of", "H30.4.1"]).output
    assert "部署名: 新名" in runner.invoke(args=["history", "departments", str(dept.id), "--as-of", "2999-01-01"]).output
    assert runner.invoke(args=["history", "nothing", "1"]).exit_code == 2
