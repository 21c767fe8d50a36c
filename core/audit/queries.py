"""Read helpers for the operation-log screen and exports."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, select

from core.timefmt import jst_day_start_utc

from .models import AuditEntry

#: Japanese names of operation codes; feature packages add theirs through ``register_operations``.
OPERATION_LABELS: dict[str, str] = {
    "auth.login": "ログイン",
    "auth.logout": "ログアウト",
    "auth.login_failed": "ログイン失敗",
    "auth.locked": "アカウントロック",
    "auth.password_changed": "パスワード変更",
    "user.create": "利用者登録",
    "user.update": "利用者変更",
    "user.deactivate": "利用者無効化",
    "user.reactivate": "利用者再有効化",
    "user.password_reset": "パスワード再発行",
    "user.unlock": "ロック解除",
    "user.force_logout": "強制ログアウト",
    "department.create": "部署登録",
    "department.update": "部署変更",
    "department.deactivate": "部署無効化",
    "department.reactivate": "部署再有効化",
    "audit.prune": "操作ログ削除（保存期間経過分）",
    "audit.chain_keyed": "操作ログの鍵付きハッシュへの切り替え",
    "data.export": "データ出力（CSV・Excel）",
}

TARGET_LABELS: dict[str, str] = {
    "users": "利用者",
    "departments": "部署",
    "audit_prunes": "操作ログ削除記録",
}


def register_operations(labels: dict[str, str], targets: dict[str, str] | None = None) -> None:
    OPERATION_LABELS.update(labels)
    TARGET_LABELS.update(targets or {})


def operation_label(code: str) -> str:
    return OPERATION_LABELS.get(code, code)


def search_entries(user_login_id: str | None = None, operation: str | None = None, target_type: str | None = None,
                   target_id: str | None = None, date_from: date | None = None, date_to: date | None = None,
                   newest_first: bool = True) -> Select:
    stmt = select(AuditEntry)
    if user_login_id:
        stmt = stmt.where(func.lower(AuditEntry.login_id) == user_login_id.strip().lower())
    if operation:
        stmt = stmt.where(AuditEntry.operation == operation)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= jst_day_start_utc(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.at < jst_day_start_utc(date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id.asc())
