"""Import kind ``users``: departments and staff accounts from the personnel system's CSV/Excel.

New accounts get no password: an administrator issues a one-time password to each person (the list
shows them as パスワード未発行), so no password ever travels in a file. Department codes that do not
exist yet are registered with the department name given in the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from core.db import utcnow
from core.importing.kinds import FieldSpec, ImportKind, RowRejected

from . import admin_services
from .models import Department, User
from .passwords import PasswordPolicy
from .roles import ROLE_LABELS, STAFF_ROLES, Role

#: System administrators are appointed on screen, never through a file.
IMPORTABLE_ROLES = tuple(r for r in STAFF_ROLES if r is not Role.SYSTEM_ADMIN)
ROLE_BY_WORD = {**{r.value: r for r in IMPORTABLE_ROLES}, **{ROLE_LABELS[r]: r for r in IMPORTABLE_ROLES}}
ROLE_SEPARATORS = re.compile(r"[・,、;；/／\s]+")


def parse_roles(text: str) -> list[Role]:
    roles = []
    for word in filter(None, ROLE_SEPARATORS.split(text or "")):
        if word in (Role.SYSTEM_ADMIN.value, ROLE_LABELS[Role.SYSTEM_ADMIN]):
            raise RowRejected("システム管理者の役割は取込では付けられません。利用者の画面で設定してください。", "役割")
        if word not in ROLE_BY_WORD:
            known = "、".join(ROLE_LABELS[r] for r in IMPORTABLE_ROLES)
            raise RowRejected(f"役割「{word}」は不明です（使える役割: {known}）。", "役割")
        roles.append(ROLE_BY_WORD[word])
    if not roles:
        raise RowRejected("役割が空です。", "役割")
    return sorted(set(roles), key=list(Role).index)


@dataclass
class UsersContext:
    session: object
    actor: object
    hash_method: str
    users: dict[str, User]
    departments: dict[str, Department]
    pending_departments: dict[str, str] = field(default_factory=dict)


class UsersImport(ImportKind):
    name = "users"
    label = "職員（利用者・部署）"
    after_new_rows = "新しい利用者はパスワード未発行です。利用者ごとに「パスワード再発行」で一時パスワードを発行してください。"
    fields = (
        FieldSpec("login_id", "ログインID", "code", required=True, max_length=64),
        FieldSpec("name", "氏名", "name", required=True, max_length=100),
        FieldSpec("department_code", "部署コード", "code", max_length=20),
        FieldSpec("department_name", "部署名", "name", max_length=100),
        FieldSpec("roles", "役割", "text", required=True, help="複数は「・」で区切る（例: 契約担当・閲覧者）"),
        FieldSpec("email", "メールアドレス", "email", max_length=254),
        FieldSpec("active", "状態", "bool", help="有効 / 無効（省略時は有効）"),
    )
    key_fields = ("login_id",)
    builtin_profiles = {
        "標準": {
            "description": "見出し行あり（ログインID・氏名・部署コード・部署名・役割・メールアドレス・状態）、文字コード自動判定",
            "encoding": "auto", "has_header": True,
            "columns": {"login_id": "ログインID", "name": "氏名", "department_code": "部署コード",
                        "department_name": "部署名", "roles": "役割", "email": "メールアドレス", "active": "状態"},
        },
    }

    def __init__(self, hash_method: str = "scrypt"):
        self.hash_method = hash_method

    def can_import(self, actor) -> bool:
        return actor is None or admin_services.can_manage_users(actor)

    def begin(self, session, actor) -> UsersContext:
        users = {u.login_id.lower(): u for u in session.scalars(select(User))}
        departments = {d.code.lower(): d for d in session.scalars(select(Department))}
        return UsersContext(session, actor, self.hash_method, users, departments)

    def check(self, ctx: UsersContext, values: dict) -> None:
        if not admin_services.LOGIN_ID_PATTERN.match(values["login_id"]):
            raise RowRejected(f"ログインID「{values['login_id']}」は半角英数字と . _ - で 3〜64 文字にしてください。",
                              "ログインID")
        roles = parse_roles(values["roles"])
        values["roles"] = roles
        code = values.get("department_code")
        if code:
            if not admin_services.DEPARTMENT_CODE_PATTERN.match(code):
                raise RowRejected(f"部署コード「{code}」は半角英数字とハイフンで 20 文字以内です。", "部署コード")
            dept = ctx.departments.get(code.lower())
            if dept is None and code.lower() not in ctx.pending_departments:
                if not values.get("department_name"):
                    raise RowRejected(f"部署コード「{code}」は未登録です。新しい部署として登録するには部署名も入れてください。",
                                      "部署コード")
                ctx.pending_departments[code.lower()] = values["department_name"]
            elif dept is not None and not dept.is_active:
                raise RowRejected(f"部署コード「{code}」（{dept.name}）は無効になっています。", "部署コード")
        elif "department_code" in values and set(roles) & admin_services.DEPARTMENT_BOUND_ROLES:
            raise RowRejected("工事担当課職員・検査員には部署コードが必要です。", "部署コード")
        user = ctx.users.get(values["login_id"].lower())
        if values.get("active") is False and user is not None and Role.SYSTEM_ADMIN in user.roles:
            raise RowRejected("システム管理者は取込では無効にできません。利用者の画面で操作してください。", "状態")
        if user is None and "department_code" not in values and set(roles) & admin_services.DEPARTMENT_BOUND_ROLES:
            raise RowRejected("工事担当課職員・検査員には部署コードが必要です。", "部署コード")

    @staticmethod
    def _target(user: User | None, values: dict) -> dict:
        """What the account should look like: columns absent from the file keep the stored value; an
        administrator keeps the system-admin role (it is never granted or removed by a file)."""
        roles = set(values["roles"])
        if user is not None and Role.SYSTEM_ADMIN in user.roles:
            roles.add(Role.SYSTEM_ADMIN)
        current_dept = user.department.code if user is not None and user.department else None
        return {
            "name": values["name"],
            "email": values["email"] if "email" in values else (user.email if user else None),
            "department_code": (values.get("department_code") or None) if "department_code" in values else current_dept,
            "roles": roles,
            "active": values["active"] if values.get("active") is not None else (user.is_active if user else True),
        }

    def compare(self, ctx: UsersContext, values: dict) -> str:
        user = ctx.users.get(values["login_id"].lower())
        if user is None:
            return "new"
        target = self._target(user, values)
        dept = user.department.code.lower() if user.department else None
        same = (user.name == target["name"]
                and (user.email or None) == target["email"]
                and dept == ((target["department_code"] or "").lower() or None)
                and user.roles == frozenset(target["roles"])
                and user.is_active == target["active"])
        return "unchanged" if same else "updated"

    def apply(self, ctx: UsersContext, values: dict, status: str) -> None:
        session, actor = ctx.session, ctx.actor
        user = ctx.users.get(values["login_id"].lower())
        target = self._target(user, values)
        department_id = self._department(ctx, target["department_code"]).id if target["department_code"] else None
        fields = {"name": target["name"], "department_id": department_id, "roles": target["roles"],
                  "email": target["email"]}
        if user is None:
            user, _ = admin_services.create_user(
                session, actor, login_id=values["login_id"], policy=PasswordPolicy(), hash_method=ctx.hash_method,
                issue_password=False, **fields)
            ctx.users[user.login_id.lower()] = user
        else:
            if target["active"] and not user.is_active:
                admin_services.reactivate_user(session, actor, user)
            admin_services.update_user(session, actor, user, **fields)
        if not target["active"] and user.is_active:
            admin_services.deactivate_user(session, actor, user, reason="取込ファイルで無効と指定", now=utcnow())

    def _department(self, ctx: UsersContext, code: str) -> Department:
        dept = ctx.departments.get(code.lower())
        if dept is None:
            dept = admin_services.create_department(ctx.session, ctx.actor, code=code,
                                                    name=ctx.pending_departments[code.lower()])
            ctx.departments[code.lower()] = dept
        return dept
