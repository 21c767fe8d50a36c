"""Administration of users and departments (SPEC NF5). Users and departments are never deleted."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.permissions import can_manage_departments, can_manage_users

from .models import Department, LoginSession, User
from .passwords import PasswordPolicy, generate_one_time_password, hash_password
from .roles import ROLE_LABELS, Role
from .services import replace_password, revoke_sessions, unlock

LOGIN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
DEPARTMENT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,20}$")
#: Roles whose work is tied to one department, so an account with them must belong to one.
DEPARTMENT_BOUND_ROLES = {Role.DEPARTMENT_STAFF, Role.INSPECTOR}


def user_snapshot(user: User) -> dict:
    return {
        "login_id": user.login_id,
        "name": user.name,
        "email": user.email,
        "department": user.department.name if user.department else None,
        "roles": sorted(r.value for r in user.roles),
        "is_active": user.is_active,
        "deactivated_reason": user.deactivated_reason,
    }


def department_snapshot(department: Department) -> dict:
    return {"code": department.code, "name": department.name, "is_active": department.is_active,
            "deactivated_reason": department.deactivated_reason}


register_fields("users", {}, {"roles": lambda codes: [ROLE_LABELS.get(Role(c), c) for c in codes]},
                snapshot=(User, user_snapshot))
register_fields("departments", {}, snapshot=(Department, department_snapshot))


def _validate_user_fields(session: Session, *, name: str, email: str | None, department_id: int | None,
                          roles, errors: dict, keep_department_id: int | None = None) -> tuple[Department | None, set[Role]]:
    """Check the editable fields; a user may stay in their current department even after it was deactivated."""
    if not name.strip():
        errors.setdefault("name", []).append("氏名を入力してください。")
    elif len(name) > 100:
        errors.setdefault("name", []).append("氏名は 100 文字以内で入力してください。")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.setdefault("email", []).append("メールアドレスの形式が正しくありません。")
    try:
        role_set = {Role(r) for r in roles}
    except ValueError:
        role_set = set()
        errors.setdefault("roles", []).append("不明な役割が指定されました。")
    if not role_set and "roles" not in errors:
        errors.setdefault("roles", []).append("役割を 1 つ以上選んでください。")
    department = None
    if department_id:
        department = session.get(Department, department_id)
        if department is None or (not department.is_active and department.id != keep_department_id):
            errors.setdefault("department_id", []).append("有効な部署を選んでください。")
    elif role_set & DEPARTMENT_BOUND_ROLES:
        labels = "・".join(ROLE_LABELS[r] for r in sorted(role_set & DEPARTMENT_BOUND_ROLES))
        errors.setdefault("department_id", []).append(f"{labels}には所属部署が必要です。")
    return department, role_set


def _active_admin_count(session: Session) -> int:
    from .models import UserRole

    return session.scalar(
        select(func.count()).select_from(User).join(UserRole).where(
            User.is_active.is_(True), UserRole.role == Role.SYSTEM_ADMIN.value)
    )


def create_user(
    session: Session, actor: User | None, *, login_id: str, name: str, department_id: int | None, roles,
    email: str | None = None, policy: PasswordPolicy, hash_method: str = "scrypt", issue_password: bool = True,
) -> tuple[User, str | None]:
    """Create an account with a one-time password that must be changed at first login.

    ``actor`` None means the command line (``create-admin``). With ``issue_password`` False (bulk
    imports) the account has no usable password until an administrator issues one.
    :returns: the user and the one-time password (shown once, never stored in clear), or None.
    :raises ValidationFailed: per field.
    """
    if actor is not None:
        require(can_manage_users(actor))
    login_id = login_id.strip().lower()  # login ids are case-insensitive: stored lower-case, found by index
    errors: dict[str, list[str]] = {}
    if not LOGIN_ID_PATTERN.match(login_id):
        errors["login_id"] = ["ログインIDは半角英数字と . _ - で 3〜64 文字にしてください（先頭は英数字）。"]
    elif session.scalar(select(User.id).where(User.login_id == login_id)):
        errors["login_id"] = [f"ログインID「{login_id}」は既に使われています。"]
    department, role_set = _validate_user_fields(session, name=name, email=email, department_id=department_id,
                                                 roles=roles, errors=errors)
    if errors:
        raise ValidationFailed(errors)
    password = generate_one_time_password(policy) if issue_password else None
    user = User(login_id=login_id, name=name.strip(), email=email or None, department=department,
                password_hash=hash_password(password, hash_method) if password else None, must_change_password=True,
                is_active=True, failed_login_count=0)
    user.set_roles(role_set)
    session.add(user)
    session.flush()
    record_change(session, actor, "user.create", f"利用者を登録: {user.login_id}（{user.name}）", target=user,
                  before=None, after=user_snapshot(user))
    return user, password


def update_user(session: Session, actor: User | None, user: User, *, name: str, department_id: int | None, roles,
                email: str | None = None) -> User:
    """Change name, department, roles or e-mail; history and the operation log keep before and after.

    ``actor`` None means the command line (imports run from batch jobs).
    """
    if actor is not None:
        require(can_manage_users(actor))
    errors: dict[str, list[str]] = {}
    department, role_set = _validate_user_fields(session, name=name, email=email, department_id=department_id,
                                                 roles=roles, errors=errors, keep_department_id=user.department_id)
    if Role.APPLICANT in user.roles or Role.APPLICANT in role_set:
        # Applicant logins belong to the portal's sign-up (their firm record hangs on them): never turned
        # into staff, nor staff into applicants, from this screen.
        errors.setdefault("roles", []).append("申請者のアカウントは、役割を含めここでは変更できません"
                                              "（申請者ポータルの登録で管理します）。")
    if (Role.SYSTEM_ADMIN in user.roles and Role.SYSTEM_ADMIN not in role_set and user.is_active
            and _active_admin_count(session) <= 1):
        errors.setdefault("roles", []).append("有効なシステム管理者が 1 名もいなくなるため、この役割は外せません。")
    if errors:
        raise ValidationFailed(errors)
    before = user_snapshot(user)
    user.name, user.email, user.department = name.strip(), email or None, department
    user.set_roles(role_set)
    session.flush()
    after = user_snapshot(user)
    changed = [k for k in after if after[k] != before[k]]
    record_change(session, actor, "user.update", f"利用者を変更: {user.login_id}（{'・'.join(changed)}）", target=user,
                  before=before, after=after)
    return user


def deactivate_user(session: Session, actor: User | None, user: User, *, reason: str, now: datetime) -> User:
    """Deactivate (never delete) an account and end its sessions; ``actor`` None means the command line."""
    if actor is not None:
        require(can_manage_users(actor))
    if not reason.strip():
        raise ValidationFailed({"reason": ["無効化の理由を入力してください。"]})
    if actor is not None and user.id == actor.id:
        raise ValidationFailed({"reason": ["自分自身のアカウントは無効化できません。"]})
    if not user.is_active:
        raise ValidationFailed({"reason": ["このアカウントは既に無効です。"]})
    if Role.SYSTEM_ADMIN in user.roles and _active_admin_count(session) <= 1:
        raise ValidationFailed({"reason": ["有効なシステム管理者が 1 名もいなくなるため、無効化できません。"]})
    before = user_snapshot(user)
    user.is_active = False
    user.deactivated_reason = reason.strip()[:500]
    revoked = revoke_sessions(session, user, "deactivated", now)
    record_change(session, actor, "user.deactivate", f"利用者を無効化: {user.login_id}（理由: {user.deactivated_reason}）",
                  target=user, before=before, after=user_snapshot(user), details={"sessions_ended": revoked})
    return user


def reactivate_user(session: Session, actor: User | None, user: User) -> User:
    """Make a deactivated account usable again; ``actor`` None means the command line."""
    if actor is not None:
        require(can_manage_users(actor))
    if user.is_active:
        raise ValidationFailed({"": ["このアカウントは既に有効です。"]})
    before = user_snapshot(user)
    user.is_active = True
    user.deactivated_reason = None
    record_change(session, actor, "user.reactivate", f"利用者を再有効化: {user.login_id}", target=user,
                  before=before, after=user_snapshot(user))
    return user


def reset_password(session: Session, actor: User | None, user: User, *, policy: PasswordPolicy, now: datetime,
                   hash_method: str = "scrypt") -> str:
    """Issue a new one-time password, unlock the account and end its sessions; returns the password."""
    if actor is not None:
        require(can_manage_users(actor))
    password = generate_one_time_password(policy)
    replace_password(session, user, password, hash_method=hash_method, now=now, reason="password_reset", one_time=True)
    record(session, actor, "user.password_reset", f"パスワードを再発行: {user.login_id}", target=user)
    return password


def unlock_user(session: Session, actor: User, user: User) -> User:
    require(can_manage_users(actor))
    unlock(user)
    record(session, actor, "user.unlock", f"ロックを解除: {user.login_id}", target=user)
    return user


def force_logout(session: Session, actor: User, user: User, *, now: datetime) -> int:
    """End every open login session of ``user``."""
    require(can_manage_users(actor))
    count = revoke_sessions(session, user, "forced", now)
    record(session, actor, "user.force_logout", f"強制ログアウト: {user.login_id}（{count} セッション）", target=user,
           details={"sessions_ended": count})
    return count


def end_login_session(session: Session, actor: User, login_session: LoginSession, *, now: datetime) -> None:
    require(can_manage_users(actor))
    if login_session.revoked_at is None:
        login_session.revoked_at, login_session.revoked_reason = now, "forced"
        record(session, actor, "user.force_logout", f"セッションを終了: {login_session.user.login_id}",
               target=login_session.user, details={"login_session_id": login_session.id})


# --- departments -----------------------------------------------------------------------------------

def _validate_department(session: Session, code: str, name: str, current: Department | None) -> dict:
    errors: dict[str, list[str]] = {}
    if not DEPARTMENT_CODE_PATTERN.match(code):
        errors["code"] = ["部署コードは半角英数字とハイフンで 1〜20 文字にしてください。"]
    else:
        existing = session.scalar(select(Department).where(func.lower(Department.code) == code.lower()))
        if existing is not None and existing is not current:
            errors["code"] = [f"部署コード「{code}」は既に使われています（{existing.name}）。"]
    if not name.strip():
        errors["name"] = ["部署名を入力してください。"]
    elif len(name) > 100:
        errors["name"] = ["部署名は 100 文字以内で入力してください。"]
    return errors


def create_department(session: Session, actor: User | None, *, code: str, name: str) -> Department:
    if actor is not None:
        require(can_manage_departments(actor))
    code, name = code.strip(), name.strip()
    errors = _validate_department(session, code, name, None)
    if errors:
        raise ValidationFailed(errors)
    department = Department(code=code, name=name, is_active=True)
    session.add(department)
    session.flush()
    record_change(session, actor, "department.create", f"部署を登録: {code} {name}", target=department,
                  before=None, after=department_snapshot(department))
    return department


def update_department(session: Session, actor: User, department: Department, *, code: str, name: str) -> Department:
    require(can_manage_departments(actor))
    code, name = code.strip(), name.strip()
    errors = _validate_department(session, code, name, department)
    if errors:
        raise ValidationFailed(errors)
    before = department_snapshot(department)
    department.code, department.name = code, name
    record_change(session, actor, "department.update", f"部署を変更: {code} {name}", target=department,
                  before=before, after=department_snapshot(department))
    return department


def deactivate_department(session: Session, actor: User, department: Department, *, reason: str) -> Department:
    """Deactivate a department that no active user belongs to any more."""
    require(can_manage_departments(actor))
    if not reason.strip():
        raise ValidationFailed({"reason": ["無効化の理由を入力してください。"]})
    if not department.is_active:
        raise ValidationFailed({"reason": ["この部署は既に無効です。"]})
    members = session.scalar(select(func.count()).select_from(User).where(
        User.department_id == department.id, User.is_active.is_(True)))
    if members:
        raise ValidationFailed({"reason": [f"この部署には有効な利用者が {members} 名所属しています。"
                                           "先に異動または無効化してください。"]})
    before = department_snapshot(department)
    department.is_active = False
    department.deactivated_reason = reason.strip()[:500]
    record_change(session, actor, "department.deactivate", f"部署を無効化: {department.code} {department.name}",
                  target=department, before=before, after=department_snapshot(department))
    return department


def reactivate_department(session: Session, actor: User, department: Department) -> Department:
    require(can_manage_departments(actor))
    if department.is_active:
        raise ValidationFailed({"": ["この部署は既に有効です。"]})
    before = department_snapshot(department)
    department.is_active = True
    department.deactivated_reason = None
    record_change(session, actor, "department.reactivate", f"部署を再有効化: {department.code} {department.name}",
                  target=department, before=before, after=department_snapshot(department))
    return department
