"""Forms of the administration screens: 利用者一覧 and 操作ログ一覧 (system administrators only)."""

from __future__ import annotations

from datetime import date

from core.audit import queries as audit_queries
from core.auth import queries as auth_queries
from core.auth.roles import Role
from core.db import utcnow
from core.timefmt import to_jst

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, period_check

ADMIN = frozenset({Role.SYSTEM_ADMIN})
STATUS_CHOICES = (("active", "有効のみ"), ("inactive", "無効のみ"), ("all", "すべて"))
AUDIT_MAX_DAYS = 366


def _local(value):
    """Stored naive UTC → naive Japan time, as the reports show it."""
    local = to_jst(value)
    return local.replace(tzinfo=None) if local else None


# --- 利用者一覧 -------------------------------------------------------------------------------------

def _department_choices(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + [(d.code, f"{d.code} {d.name}" + ("" if d.is_active else "（無効）"))
                               for d in session.scalars(auth_queries.departments())]


def build_users(session, params: dict, actor) -> Document:
    departments = {d.code: d for d in session.scalars(auth_queries.departments())}
    department = departments.get(params.get("department") or "")
    status = params.get("status") or "active"
    stmt = auth_queries.search_users(department_id=department.id if department else None, status=status)
    stmt = stmt.order_by(auth_queries.USER_SORTS["department"].asc().nulls_last(), auth_queries.USER_SORTS["login_id"])
    now = utcnow()
    rows = []
    for user in session.scalars(stmt).unique():
        state = "無効" if not user.is_active else "ロック中" if user.is_locked(now) else "有効"
        dept = f"{user.department.code} {user.department.name}" if user.department else ""
        rows.append([user.login_id, user.name, dept, "・".join(user.role_labels), state, _local(user.last_login_at)])
    return Document(
        title="利用者一覧",
        columns=[
            Column("ログインID", width=1.3),
            Column("氏名", width=1.4),
            Column("部署", width=2.0),
            Column("役割", width=2.0),
            Column("状態", width=0.7),
            Column("最終ログイン", "datetime", width=1.6),
        ],
        rows=rows,
        conditions=[("部署", f"{department.code} {department.name}" if department else "すべて"),
                    ("状態", label_for(STATUS_CHOICES, status))],
    )


register(ReportDefinition(
    name="users",
    title="利用者一覧",
    description="利用者のログインID・氏名・部署・役割・状態・最終ログイン日時の一覧です。",
    params=(
        Param("department", "部署", "choice", choices=_department_choices),
        Param("status", "状態", "choice", choices=STATUS_CHOICES, default="active"),
    ),
    build=build_users,
    roles=ADMIN,
))


# --- 操作ログ一覧 -----------------------------------------------------------------------------------

def build_audit_log(session, params: dict, actor) -> Document:
    date_from: date = params["date_from"]
    date_to: date = params["date_to"]
    stmt = audit_queries.search_entries(date_from=date_from, date_to=date_to, newest_first=False)

    def rows():  # read in batches as the report is spooled, never every entry of a year at once
        for entry in session.scalars(stmt.execution_options(yield_per=1000)):
            target = audit_queries.TARGET_LABELS.get(entry.target_type or "", entry.target_type or "")
            if entry.target_id:
                target = f"{target} #{entry.target_id}".strip()
            yield [entry.id, _local(entry.at), entry.login_id or "システム",
                   audit_queries.operation_label(entry.operation), target, entry.summary]

    return Document(
        title="操作ログ一覧",
        columns=[
            Column("ID", "int", width=0.6),
            Column("日時", "datetime", width=1.6, seconds=True),
            Column("利用者", width=1.2),
            Column("操作", width=1.4),
            Column("対象", width=1.2),
            Column("内容", width=4.0),
        ],
        rows=rows(),
        conditions=[("期間", (date_from, date_to))],
    )


register(ReportDefinition(
    name="audit_log",
    title="操作ログ一覧",
    description=f"指定した期間（最長 {AUDIT_MAX_DAYS} 日）の操作ログを古い順に出力します。",
    params=(
        Param("date_from", "期間（開始日）", "date", required=True, default=lambda today: today.replace(day=1)),
        Param("date_to", "期間（終了日）", "date", required=True, default=lambda today: today),
    ),
    build=build_audit_log,
    roles=ADMIN,
    landscape=True,
    check=period_check("date_from", "date_to", AUDIT_MAX_DAYS),
))
