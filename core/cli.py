"""Command-line tools: ``create-admin``, ``audit verify|prune`` and ``demo``."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from core.audit import services as audit
from core.audit.services import AuditContext
from core.auth import admin_services
from core.auth.roles import Role
from core.auth.services import AuthSettings, find_user
from core.db import db, utcnow
from core.errors import ValidationFailed
from core.rules.catalogue import mark_applied
from core.timefmt import jst_day_start_utc

mark_applied("audit_retention_days")  # `audit prune` below enforces the stricter of env and rule


def _cli_context(command: str):
    return audit.set_context(AuditContext(ip="cli", endpoint=f"cli:{command}"))


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("create-admin", help="システム管理者を作成し、一時パスワードを表示します（初回ログイン時に変更が必要）。")
@click.argument("login_id")
@click.option("--name", default="システム管理者", show_default=True, help="氏名")
@click.option("--reset", is_flag=True, help="既存の管理者の一時パスワードを再発行します（管理者を締め出した場合の復旧用）。")
@with_appcontext
def create_admin(login_id: str, name: str, reset: bool):
    _cli_context("create-admin")
    from dataclasses import replace

    from core.rules.queries import effective_password_policy

    settings = replace(AuthSettings.from_config(current_app.config),
                       policy=effective_password_policy(db.session, current_app.config))
    existing = find_user(db.session, login_id)
    if existing is not None:
        if not reset:
            _fail(f"ログインID「{login_id}」は既に存在します。一時パスワードを再発行するには --reset を付けてください。")
        if Role.SYSTEM_ADMIN not in existing.roles:
            _fail(f"「{login_id}」はシステム管理者ではないため、ここでは再発行できません。管理画面から操作してください。")
        if not existing.is_active:
            admin_services.reactivate_user(db.session, None, existing)
        password = admin_services.reset_password(db.session, None, existing, policy=settings.policy, now=utcnow(),
                                                 hash_method=settings.hash_method)
        user = existing
    else:
        try:
            user, password = admin_services.create_user(
                db.session, None, login_id=login_id, name=name, department_id=None, roles=[Role.SYSTEM_ADMIN],
                policy=settings.policy, hash_method=settings.hash_method)
        except ValidationFailed as exc:
            _fail(" ".join(m for msgs in exc.errors.values() for m in msgs))
    db.session.commit()
    click.echo(f"システム管理者「{user.login_id}」の一時パスワード: {password}")
    click.echo("この一時パスワードは再表示できません。初回ログイン時に新しいパスワードへの変更が求められます。")


@click.group("audit", help="操作ログ（改ざん検知・保存期間）の管理")
def audit_cli():
    pass


@audit_cli.command("verify", help="操作ログのハッシュチェーンを検証します。改ざんがあれば終了コード 1。")
@with_appcontext
def audit_verify():
    result = audit.verify(db.session)
    if not result.ok:
        _fail(f"改ざんを検出しました: {result.message}（最初の異常: ID {result.broken_id}、"
              f"それまでに正常確認 {result.checked} 件）")
    click.echo(result.message)


@audit_cli.command("prune", help="保存期間を過ぎた操作ログを削除します（保存期間内は削除できません）。")
@click.option("--before", "before", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="この日（日本時間）より前の記録を削除します。省略時は保存期間の境界日。")
@click.option("--dry-run", is_flag=True, help="削除せず、対象件数だけ表示します。")
@with_appcontext
def audit_prune(before: datetime | None, dry_run: bool):
    _cli_context("audit prune")
    from core.rules.queries import effective_audit_retention_days

    retention = effective_audit_retention_days(db.session, current_app.config)
    now = utcnow()
    cutoff_day: date = before.date() if before else (now + timedelta(hours=9)).date() - timedelta(days=retention)
    cutoff = jst_day_start_utc(cutoff_day)
    from sqlalchemy import func, select

    from core.audit.models import AuditEntry

    try:
        audit.check_prune_cutoff(cutoff, retention, now)
    except ValidationFailed as exc:
        _fail(" ".join(m for msgs in exc.errors.values() for m in msgs))
    count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.at < cutoff))
    if dry_run:
        click.echo(f"{cutoff_day:%Y-%m-%d} より前の記録: {count} 件（保存期間 {retention} 日）。削除は行っていません。")
        return
    try:
        marker = audit.prune(db.session, None, cutoff, retention, now)
    except ValidationFailed as exc:
        _fail(" ".join(m for msgs in exc.errors.values() for m in msgs))
    db.session.commit()
    if marker is None:
        click.echo(f"{cutoff_day:%Y-%m-%d} より前の記録はありません。")
    else:
        click.echo(f"{marker.removed_count} 件を削除しました（ID {marker.pruned_through_id} まで）。"
                   f"境界ハッシュ {marker.boundary_hash} を記録しました。")


DEMO_DEPARTMENTS = [
    ("0100", "総務部 契約課"),
    ("0210", "建設部 道路課"),
    ("0220", "建設部 河川課"),
    ("0300", "上下水道局 工務課"),
    ("0400", "用地管理課"),
]
DEMO_USERS = [
    ("admin", "管理 太郎", None, Role.SYSTEM_ADMIN),
    ("keiyaku", "契約 花子", "0100", Role.CONTRACT_STAFF),
    ("douro", "道路 一郎", "0210", Role.DEPARTMENT_STAFF),
    ("kensa", "検査 次郎", "0400", Role.INSPECTOR),
    ("etsuran", "閲覧 三子", "0100", Role.VIEWER),
]


def load_demo_data(session, settings: AuthSettings) -> list[tuple[str, str, str]]:
    """Fictional departments and one user per role; returns (login id, role label, password) rows.

    Re-running issues fresh passwords for the demo users and leaves everything else as it is.
    """
    from sqlalchemy import select

    from core.auth.models import Department

    by_code = {d.code: d for d in session.scalars(select(Department))}
    for code, name in DEMO_DEPARTMENTS:
        if code not in by_code:
            by_code[code] = admin_services.create_department(session, None, code=code, name=name)
    issued = []
    for login_id, name, dept_code, role in DEMO_USERS:
        user = find_user(session, login_id)
        if user is None:
            user, password = admin_services.create_user(
                session, None, login_id=login_id, name=name, roles=[role], policy=settings.policy,
                department_id=by_code[dept_code].id if dept_code else None, hash_method=settings.hash_method)
        else:
            password = admin_services.reset_password(session, None, user, policy=settings.policy, now=utcnow(),
                                                     hash_method=settings.hash_method)
        # Demo accounts skip the forced change so a visitor can look around at once.
        user.must_change_password = False
        issued.append((login_id, role.label, password))
    return issued


def register_demo_loader(app, loader) -> None:
    """A package adds its fictional demo data: ``loader(session, settings, storage_root)`` returns the logins it
    issued as (login id, role label, password) rows (called from the package's ``init_app``)."""
    app.extensions.setdefault("keiyaku_demo_loaders", []).append(loader)


@click.command("demo", help="開発用: SQLite を移行し、架空のデモデータを入れて http://127.0.0.1:5000 で起動します。")
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="データ投入だけ行い、サーバーは起動しません。")
@with_appcontext
def demo(port: int, no_serve: bool):
    app = current_app._get_current_object()
    if app.config["KEIYAKU_ENV"] != "development":
        _fail("demo は KEIYAKU_ENV=development のときだけ実行できます（本番データベースを守るため）。")
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        _fail("demo は SQLite のデータベースでのみ実行できます。")
    from core.migrate import upgrade_database

    _cli_context("demo")
    upgrade_database(app.config["DATABASE_URL"])
    settings = AuthSettings.from_config(app.config)
    issued = load_demo_data(db.session, settings)
    db.session.commit()
    for loader in app.extensions.get("keiyaku_demo_loaders", []):
        issued += loader(db.session, settings, app.config["STORAGE_DIR"])
        db.session.commit()
    click.echo("デモデータを用意しました（架空のデータです）。ログイン情報:")
    for login_id, label, password in issued:
        click.echo(f"  ID: {login_id:<10} パスワード: {password}   （{label}）")
    if no_serve:
        return
    click.echo(f"http://127.0.0.1:{port} で起動します（終了は Ctrl+C）。")
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False)
