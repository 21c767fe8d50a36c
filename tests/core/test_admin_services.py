"""User and department administration (SPEC NF5): validation, permission, history in the operation log."""

import json

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth import admin_services
from core.auth.models import LoginSession
from core.auth.passwords import verify_password
from core.auth.roles import Role
from core.db import utcnow
from core.errors import PermissionDenied, ValidationFailed


def _last_entry(session) -> AuditEntry:
    return session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


@pytest.fixture
def hash_method(app):
    return app.config["PASSWORD_HASH_METHOD"]


class TestCreateUser:
    def test_creates_with_one_time_password(self, db_session, admin, create_department, policy, hash_method):
        dept = create_department(name="建設部 道路課")
        user, password = admin_services.create_user(
            db_session, admin, login_id="tanaka.h", name="田中 花子", department_id=dept.id,
            roles=[Role.CONTRACT_STAFF], policy=policy, hash_method=hash_method)
        assert user.must_change_password and user.is_active
        assert verify_password(user.password_hash, password) and password not in user.password_hash
        assert policy.problems(password, user.login_id) == []
        assert user.roles == {Role.CONTRACT_STAFF}
        entry = _last_entry(db_session)
        assert (entry.operation, entry.user_id, entry.target_type, entry.target_id) == \
            ("user.create", admin.id, "users", str(user.id))
        assert json.loads(entry.details)["changes"]["department"] == [None, "建設部 道路課"]

    @pytest.mark.parametrize(("fields", "error_field"), [
        ({"login_id": "ab"}, "login_id"),
        ({"login_id": "田中"}, "login_id"),
        ({"login_id": "-start"}, "login_id"),
        ({"name": "  "}, "name"),
        ({"roles": []}, "roles"),
        ({"roles": ["superuser"]}, "roles"),
        ({"roles": [Role.DEPARTMENT_STAFF], "department_id": None}, "department_id"),
        ({"department_id": 987654}, "department_id"),
        ({"email": "not-an-address"}, "email"),
    ])
    def test_bad_input_names_the_field_and_creates_nothing(self, db_session, admin, policy, fields, error_field):
        last = _last_entry(db_session).id
        args = {"login_id": "valid.id", "name": "氏名", "department_id": None, "roles": [Role.VIEWER],
                "email": None, **fields}
        with pytest.raises(ValidationFailed) as exc:
            admin_services.create_user(db_session, admin, policy=policy, **args)
        assert error_field in exc.value.errors
        assert _last_entry(db_session).id == last

    def test_duplicate_login_id_ignores_case(self, db_session, admin, create_user, policy):
        create_user(login_id="Suzuki")
        with pytest.raises(ValidationFailed, match="既に使われています"):
            admin_services.create_user(db_session, admin, login_id="suzuki", name="鈴木", department_id=None,
                                       roles=[Role.VIEWER], policy=policy)

    @pytest.mark.parametrize("role", [Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER])
    def test_only_admins_may_create(self, db_session, create_user, policy, role):
        actor = create_user(role)
        with pytest.raises(PermissionDenied):
            admin_services.create_user(db_session, actor, login_id="x.y.z", name="x", department_id=None,
                                       roles=[Role.VIEWER], policy=policy)


class TestUpdateUser:
    def test_changes_recorded_before_and_after(self, db_session, admin, create_user, create_department):
        user = create_user(Role.VIEWER, name="旧姓 花子")
        dept = create_department(name="河川課")
        admin_services.update_user(db_session, admin, user, name="新姓 花子", department_id=dept.id,
                                   roles=[Role.VIEWER, Role.INSPECTOR], email="h@example.jp")
        entry = _last_entry(db_session)
        changes = json.loads(entry.details)["changes"]
        assert changes["name"] == ["旧姓 花子", "新姓 花子"]
        assert changes["roles"] == [["viewer"], ["inspector", "viewer"]]
        assert changes["department"] == [None, "河川課"]

    def test_no_change_no_entry(self, db_session, admin, create_user):
        user = create_user(Role.VIEWER)
        last = _last_entry(db_session).id
        admin_services.update_user(db_session, admin, user, name=user.name, department_id=None,
                                   roles=[Role.VIEWER], email=None)
        assert _last_entry(db_session).id == last

    def test_last_admin_keeps_admin_role(self, db_session, admin):
        for other in db_session.scalars(select(type(admin)).where(type(admin).id != admin.id)):
            other.is_active = False
        with pytest.raises(ValidationFailed, match="システム管理者"):
            admin_services.update_user(db_session, admin, admin, name=admin.name, department_id=None,
                                       roles=[Role.VIEWER])


class TestAccountActions:
    def test_deactivate_requires_reason_and_ends_sessions(self, db_session, admin, create_user):
        user = create_user()
        db_session.add(LoginSession(token_hash="a" * 64, user=user, ip="10.0.0.1"))
        db_session.flush()
        with pytest.raises(ValidationFailed, match="理由"):
            admin_services.deactivate_user(db_session, admin, user, reason=" ", now=utcnow())
        admin_services.deactivate_user(db_session, admin, user, reason="退職", now=utcnow())
        assert not user.is_active and user.deactivated_reason == "退職"
        assert db_session.scalar(select(LoginSession).where(LoginSession.user_id == user.id)).revoked_reason == \
            "deactivated"
        admin_services.reactivate_user(db_session, admin, user)
        assert user.is_active

    def test_cannot_deactivate_self(self, db_session, admin):
        with pytest.raises(ValidationFailed, match="自分自身"):
            admin_services.deactivate_user(db_session, admin, admin, reason="x", now=utcnow())

    def test_reset_password_unlocks_and_forces_change(self, db_session, admin, create_user, policy, hash_method):
        user = create_user()
        user.locked_until, user.failed_login_count = utcnow(), 3
        password = admin_services.reset_password(db_session, admin, user, policy=policy, now=utcnow(),
                                                 hash_method=hash_method)
        assert verify_password(user.password_hash, password)
        assert user.must_change_password and user.locked_until is None and user.failed_login_count == 0
        assert _last_entry(db_session).operation == "user.password_reset"

    def test_force_logout_counts_sessions(self, db_session, admin, create_user):
        user = create_user()
        for n in range(2):
            db_session.add(LoginSession(token_hash=f"{n}" * 64, user=user))
        db_session.flush()
        assert admin_services.force_logout(db_session, admin, user, now=utcnow()) == 2

    @pytest.mark.parametrize("action", ["deactivate", "reset", "unlock", "force_logout"])
    def test_non_admin_refused(self, db_session, create_user, policy, action):
        actor, target = create_user(Role.CONTRACT_STAFF), create_user()
        calls = {
            "deactivate": lambda: admin_services.deactivate_user(db_session, actor, target, reason="x", now=utcnow()),
            "reset": lambda: admin_services.reset_password(db_session, actor, target, policy=policy, now=utcnow()),
            "unlock": lambda: admin_services.unlock_user(db_session, actor, target),
            "force_logout": lambda: admin_services.force_logout(db_session, actor, target, now=utcnow()),
        }
        with pytest.raises(PermissionDenied):
            calls[action]()


class TestDepartments:
    def test_create_and_update_recorded(self, db_session, admin):
        dept = admin_services.create_department(db_session, admin, code="0210", name="道路課")
        admin_services.update_department(db_session, admin, dept, code="0210", name="建設部 道路課")
        entry = _last_entry(db_session)
        assert json.loads(entry.details)["changes"] == {"name": ["道路課", "建設部 道路課"]}

    @pytest.mark.parametrize(("code", "name", "field"), [
        ("", "名前", "code"), ("コード", "名前", "code"), ("A1", "", "name"), ("A1", "x" * 101, "name")])
    def test_bad_input(self, db_session, admin, code, name, field):
        with pytest.raises(ValidationFailed) as exc:
            admin_services.create_department(db_session, admin, code=code, name=name)
        assert field in exc.value.errors

    def test_duplicate_code(self, db_session, admin, create_department):
        create_department(code="X1")
        with pytest.raises(ValidationFailed, match="既に使われています"):
            admin_services.create_department(db_session, admin, code="x1", name="別の部署")

    def test_deactivate_refused_while_members_active(self, db_session, admin, create_user, create_department):
        dept = create_department()
        member = create_user(Role.DEPARTMENT_STAFF, department=dept)
        with pytest.raises(ValidationFailed, match="1 名所属"):
            admin_services.deactivate_department(db_session, admin, dept, reason="統合")
        member.is_active = False
        admin_services.deactivate_department(db_session, admin, dept, reason="統合")
        assert not dept.is_active
        admin_services.reactivate_department(db_session, admin, dept)
        assert dept.is_active

    def test_inactive_department_not_assignable(self, db_session, admin, create_department, policy):
        dept = create_department()
        admin_services.deactivate_department(db_session, admin, dept, reason="廃止")
        with pytest.raises(ValidationFailed) as exc:
            admin_services.create_user(db_session, admin, login_id="new.one", name="新人", department_id=dept.id,
                                       roles=[Role.DEPARTMENT_STAFF], policy=policy)
        assert "department_id" in exc.value.errors

    def test_non_admin_refused(self, db_session, create_user):
        with pytest.raises(PermissionDenied):
            admin_services.create_department(db_session, create_user(Role.CONTRACT_STAFF), code="Z9", name="x")


def test_user_may_stay_in_a_deactivated_department(db_session, admin, create_user, create_department):
    dept = create_department()
    user = create_user(Role.DEPARTMENT_STAFF, department=dept)
    dept.is_active = False
    admin_services.update_user(db_session, admin, user, name="改名", department_id=dept.id,
                               roles=[Role.DEPARTMENT_STAFF])
    assert user.name == "改名" and user.department is dept


def test_applicant_accounts_are_not_edited_into_staff(db_session, admin, create_user, admin_client):
    applicant = create_user(Role.APPLICANT)
    with pytest.raises(ValidationFailed) as info:
        admin_services.update_user(db_session, admin, applicant, name="変更", department_id=None,
                                   roles=[Role.CONTRACT_STAFF])
    assert "申請者" in info.value.errors["roles"][0] and applicant.roles == {Role.APPLICANT}
    staff = create_user(Role.VIEWER)
    with pytest.raises(ValidationFailed):
        admin_services.update_user(db_session, admin, staff, name="閲覧", department_id=None, roles=[Role.APPLICANT])
    response = admin_client.get(f"/admin/users/{applicant.id}/edit")
    assert response.status_code == 302 and response.location.endswith(f"/admin/users/{applicant.id}")
