"""``flask audit verify | checkpoint | prune``: the operation log's commands.

The keys come from the environment of the command (``KEIYAKU_AUDIT_KEY``, ``KEIYAKU_AUDIT_CHECKPOINT_KEY``),
never from the database, so someone who can only write to the database can neither forge a checkpoint nor
make a prune that verifies.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from core.db import begin_read, begin_write, db, utcnow
from core.errors import ValidationFailed
from core.rules.catalogue import mark_applied
from core.timefmt import jst_day_start_utc

from . import checkpoints as cp
from . import services as audit
from .chain import row_is_valid
from .models import GENESIS_HASH, AuditEntry
from .prune import check_prune_cutoff, prune
from .verify import verify_configured

mark_applied("audit_retention_days")  # `audit prune` below enforces the stricter of env and rule


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _errors(exc: ValidationFailed) -> str:
    return " ".join(m for msgs in exc.errors.values() for m in msgs)


@click.group("audit", help="操作ログ（改ざん検知・チェックポイント・保存期間）の管理")
def audit_cli():
    pass


@audit_cli.command("verify", help="操作ログのハッシュチェーンを鍵とチェックポイントで検証します。異常があれば終了コード 1。")
@click.option("--checkpoint-file", "extra", multiple=True, type=click.Path(dir_okay=False),
              help="照合するチェックポイントのファイルを追加します（syslog サーバーに集めたログなど。複数可）。")
@with_appcontext
def audit_verify(extra: tuple[str, ...]):
    begin_read(db.session)  # SQLite: a long walk must not hold the write lock and stall the app's writers
    result = verify_configured(db.session, current_app.config, extra)
    for warning in result.warnings:
        click.echo(f"注意: {warning}", err=True)
    if not result.ok:
        click.echo(f"改ざんを検出しました（{len(result.findings)} 件。最初の異常: ID {result.broken_id}）。", err=True)
        for finding in result.findings:
            click.echo(f"- {finding.message}", err=True)
        sys.exit(1)
    click.echo(result.message)


def _write_checkpoint() -> str:
    """Sign the log's current end and write it to every configured target; returns the line."""
    config = current_app.config
    last = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one_or_none()
    if last is not None and not row_is_valid(last, config["AUDIT_KEY"].encode("utf-8")):
        _fail(f"最後の記録（ID {last.id}）のハッシュが一致しないため、チェックポイントを記録しません。"
              "`flask --app wsgi audit verify` で確認してください。")
    seq, hash_ = (last.id, last.hash) if last is not None else (0, GENESIS_HASH)
    line = cp.format_line(config["AUDIT_CHECKPOINT_KEY"], seq, hash_, utcnow())
    try:
        written = cp.write(config, line)
    except (cp.CheckpointError, OSError) as exc:
        _fail(f"チェックポイントを書き込めませんでした: {exc}")
    click.echo(f"チェックポイントを記録しました（ID {seq}）: {', '.join(written)}")
    return line


def _require_targets() -> None:
    if not cp.targets(current_app.config):
        _fail("チェックポイントの保存先が設定されていません。KEIYAKU_AUDIT_CHECKPOINT_DIR（別のボリュームのフォルダ）"
              "または KEIYAKU_AUDIT_CHECKPOINT_SYSLOG を設定してください。")


@audit_cli.command("checkpoint", help="操作ログの末尾（ID・ハッシュ・日時）を署名してデータベースの外に記録します（定時処理）。")
@with_appcontext
def audit_checkpoint():
    _require_targets()
    audit.set_context(audit.AuditContext(ip="cli", endpoint="cli:audit checkpoint"))
    if audit.ensure_keyed(db.session) is not None:  # an upgraded log: record the switch to keyed hashes
        db.session.commit()
        click.echo("操作ログのハッシュを鍵付き（HMAC-SHA256）に切り替えました。")
    _write_checkpoint()


@audit_cli.command("prune", help="保存期間を過ぎた操作ログを削除します（保存期間内は削除できません）。")
@click.option("--before", "before", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="この日（日本時間）より前の記録を削除します。省略時は保存期間の境界日。")
@click.option("--dry-run", is_flag=True, help="削除せず、対象件数だけ表示します。")
@with_appcontext
def audit_prune(before: datetime | None, dry_run: bool):
    audit.set_context(audit.AuditContext(ip="cli", endpoint="cli:audit prune"))
    from core.rules.queries import effective_audit_retention_days

    retention = effective_audit_retention_days(db.session, current_app.config)
    now = utcnow()
    cutoff_day: date = before.date() if before else (now + timedelta(hours=9)).date() - timedelta(days=retention)
    cutoff = jst_day_start_utc(cutoff_day)
    try:
        check_prune_cutoff(cutoff, retention, now)
    except ValidationFailed as exc:
        _fail(_errors(exc))
    count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.at < cutoff))
    if dry_run:
        click.echo(f"{cutoff_day:%Y-%m-%d} より前の記録: {count} 件（保存期間 {retention} 日）。削除は行っていません。")
        return
    _require_targets()
    verified = verify_configured(db.session, current_app.config, now=now)
    try:
        # SQLite: the verification read in a deferred transaction; take the write lock before the first change
        # (an upgrade later would fail if another writer committed in between). No-op on PostgreSQL.
        begin_write(db.session)
        marker = prune(db.session, None, cutoff, retention, now, verified)
    except ValidationFailed as exc:
        _fail(_errors(exc))
    except DBAPIError as exc:
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            _fail("削除できませんでした。PostgreSQL では操作ログのテーブルの所有者のロールの接続先"
                  f"（KEIYAKU_DATABASE_URL）で実行してください。（{exc.orig}）")
        _fail(f"削除できませんでした。ほかの処理がデータベースに書き込んでいる可能性があります。しばらくしてから、"
              f"もう一度実行してください。（{exc.orig}）")
    db.session.commit()
    if marker is None:
        click.echo(f"{cutoff_day:%Y-%m-%d} より前の記録はありません。")
        return
    click.echo(f"{marker.removed_count} 件を削除しました（ID {marker.pruned_through_id} まで）。"
               f"境界ハッシュ {marker.boundary_hash} を鍵付きの削除記録として操作ログに残しました。")
    _write_checkpoint()
