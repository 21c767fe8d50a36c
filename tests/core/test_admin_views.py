"""Administration screens over HTTP (thin: the rules are tested on the services)."""

import csv
import io

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import Department, User
from core.auth.roles import Role
from core.scope import restrict_to_department
from tests.helpers import page_text


def _csv_rows(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _last_operation(db_session):
    db_session.expire_all()
    return db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


def test_create_user_shows_one_time_password_once(admin_client, db_session, create_department):
    dept = create_department(name="契約課")
    response = admin_client.post("/admin/users/new", data={
        "login_id": "sato.k", "name": "佐藤 健", "department_id": dept.id, "roles": ["contract_staff"], "email": ""})
    html = page_text(response)
    assert response.status_code == 200 and "一時パスワード" in html and "二度と表示されません" in html
    user = db_session.scalar(select(User).where(User.login_id == "sato.k"))
    assert user.must_change_password and user.department_id == dept.id
    shown = html.split('class="onetime-password">')[1].split("<")[0]
    assert shown not in page_text(admin_client.get(f"/admin/users/{user.id}"))  # never shown again


def test_create_user_errors_keep_input_and_create_nothing(admin_client, db_session):
    response = admin_client.post("/admin/users/new", data={"login_id": "x", "name": "山田", "department_id": 0,
                                                           "roles": ["department_staff"]})
    html = page_text(response)
    assert "入力内容に誤りがあります" in html
    assert "ログインIDは半角英数字" in html and "所属部署が必要です" in html
    assert 'value="山田"' in html
    assert db_session.scalar(select(User).where(User.name == "山田")) is None


def test_edit_user_and_history_on_detail(admin_client, db_session, create_user):
    user = create_user(Role.VIEWER, name="旧 名前")
    response = admin_client.post(f"/admin/users/{user.id}/edit", data={
        "name": "新 名前", "department_id": 0, "roles": ["viewer", "inspector"], "email": ""})
    assert response.status_code == 200  # inspector needs a department: the form comes back
    assert "所属部署が必要です" in page_text(response)
    response = admin_client.post(f"/admin/users/{user.id}/edit", data={
        "name": "新 名前", "department_id": 0, "roles": ["viewer"], "email": ""})
    assert response.status_code == 302
    detail = page_text(admin_client.get(f"/admin/users/{user.id}"))
    assert "新 名前" in detail and "利用者を変更" in detail


def test_deactivate_via_detail_page(admin_client, db_session, create_user):
    user = create_user()
    response = admin_client.post(f"/admin/users/{user.id}/deactivate", data={"reason": ""})
    assert "理由を入力してください" in page_text(admin_client.get(response.location))
    admin_client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "異動"})
    db_session.expire_all()
    assert db_session.get(User, user.id).is_active is False
    admin_client.post(f"/admin/users/{user.id}/reactivate")
    db_session.expire_all()
    assert db_session.get(User, user.id).is_active is True


def test_reset_password_page(admin_client, create_user):
    user = create_user()
    html = page_text(admin_client.post(f"/admin/users/{user.id}/reset-password"))
    assert "一時パスワードを再発行しました" in html and "onetime-password" in html


def test_user_list_filters_and_csv(admin_client, db_session, create_user, create_department):
    dept = create_department(name="河川課")
    create_user(Role.INSPECTOR, name="河川 検査", department=dept)
    create_user(Role.VIEWER, name="別の人")
    html = page_text(admin_client.get(f"/admin/users?department_id={dept.id}&status=all"))
    assert "河川 検査" in html and "別の人" not in html
    rows = _csv_rows(admin_client.get(f"/admin/users?department_id={dept.id}&format=csv"))
    assert rows[0][:3] == ["ログインID", "氏名", "部署コード"]
    assert [r[1] for r in rows[1:]] == ["河川 検査"]
    entry = _last_operation(db_session)
    assert entry.operation == "data.export" and "利用者一覧" in entry.summary


def test_user_list_sorting_is_whitelisted(admin_client):
    assert admin_client.get("/admin/users?sort=password_hash").status_code == 200
    assert admin_client.get("/admin/users?sort=-name&page=999").status_code == 200


def test_department_pages(admin_client, db_session, create_user):
    response = admin_client.post("/admin/departments/new", data={"code": "0700", "name": "会計課"})
    assert response.status_code == 302
    dept = db_session.scalar(select(Department).where(Department.code == "0700"))
    dup = admin_client.post("/admin/departments/new", data={"code": "0700", "name": "重複"})
    assert "既に使われています" in page_text(dup)
    create_user(Role.DEPARTMENT_STAFF, department=dept)
    refused = admin_client.post(f"/admin/departments/{dept.id}/deactivate", data={"reason": "統合"})
    assert "1 名所属しています" in page_text(refused)
    rows = _csv_rows(admin_client.get("/admin/departments?format=csv"))
    assert ["0700", "会計課", "1", "有効"] in rows


def test_login_history_filters_and_csv(admin_client, client, create_user):
    user = create_user(login_id="hist.user")
    client.post("/login", data={"login_id": "hist.user", "password": "wrong"})
    html = page_text(admin_client.get("/admin/login-history?login_id=hist.user&result=failure"))
    assert "hist.user" in html and "失敗" in html
    bad = page_text(admin_client.get("/admin/login-history?date_from=2026-02-30"))
    assert "正しい日付" in bad
    rows = _csv_rows(admin_client.get("/admin/login-history?login_id=hist.user&format=csv"))
    assert rows[1][1] == "hist.user" and rows[1][3] == "失敗"
    assert user.id


def test_operation_log_screen_and_csv(admin_client, db_session, create_user):
    create_user(name="ログ 確認")
    html = page_text(admin_client.get("/admin/audit/?operation=user.create"))
    assert "利用者を登録" in html
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "user.create")
                              .order_by(AuditEntry.id.desc()).limit(1))
    detail = page_text(admin_client.get(f"/admin/audit/{entry.id}"))
    assert entry.hash in detail and entry.prev_hash in detail
    rows = _csv_rows(admin_client.get("/admin/audit/?operation=user.create&format=csv"))
    assert rows[0][0] == "ID" and any("ログ 確認" in r[9] for r in rows[1:])
    assert "改ざんは検出されませんでした" in page_text(admin_client.get("/admin/audit/verify"))


def test_csv_defuses_formulas(admin_client, create_user):
    create_user(name="=HYPERLINK(\"http://x\")")
    rows = _csv_rows(admin_client.get("/admin/users?format=csv&status=all"))
    assert any(r[1].startswith("'=") for r in rows)


def test_sessions_page_and_end(admin_client, login_as, create_user, db_session):
    user = create_user(name="セッション 保持者")
    other = login_as(user)
    html = page_text(admin_client.get("/admin/sessions"))
    assert "セッション 保持者" in html and "このセッション" in html
    from core.auth.models import LoginSession

    ls = db_session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    admin_client.post(f"/admin/sessions/{ls.id}/end")
    assert other.get("/").status_code == 302


def test_restrict_to_department(db_session, create_user, create_department):
    a, b = create_department(), create_department()
    staff_a = create_user(Role.DEPARTMENT_STAFF, department=a)
    create_user(Role.DEPARTMENT_STAFF, department=b)
    contract = create_user(Role.CONTRACT_STAFF)
    lonely = create_user(Role.VIEWER)
    lonely.set_roles([Role.INSPECTOR])  # department-bound role without a department
    stmt = select(User).where(User.department_id.in_([a.id, b.id]))
    assert {u.department_id for u in db_session.scalars(restrict_to_department(stmt, staff_a, User.department_id))} \
        == {a.id}
    assert {u.department_id for u in db_session.scalars(restrict_to_department(stmt, contract, User.department_id))} \
        == {a.id, b.id}
    assert list(db_session.scalars(restrict_to_department(stmt, lonely, User.department_id))) == []
