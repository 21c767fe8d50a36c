"""``flask --app wsgi transfer ...``: write and read the signed bundles between the portal and the LGWAN side.

On the portal: ``export-applications`` (submitted applications and their files) and ``import-decisions``.
On the internal side: ``import-applications`` (also on the 申請の転送 screen) and ``export-decisions``.
Exit codes: 0 done, 1 refused (the reason is printed), 2 nothing to write.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core import mail
from core.db import db, utcnow

from . import bundles

transfer_cli = click.Group("transfer", help="申請の転送ファイル（ポータル ⇄ 庁内）を作成・取込します。")


def _write(kind: str, out: str, resend: bool) -> None:
    config = current_app.config
    try:
        if kind == "applications":
            data, count = bundles.export_applications(db.session, None, key=config["TRANSFER_KEY"],
                                                      storage_root=config["STORAGE_DIR"], source=config["ORG_NAME"],
                                                      now=utcnow(), include_sent=resend)
        else:
            data, count = bundles.export_decisions(db.session, None, key=config["TRANSFER_KEY"],
                                                   source=config["ORG_NAME"], now=utcnow(), include_sent=resend)
    except bundles.BundleRefused as exc:
        db.session.rollback()
        click.echo(_refusal(exc), err=True)
        sys.exit(1)
    if data is None:
        db.session.rollback()
        click.echo("転送する" + ("申請" if kind == "applications" else "審査結果") + "はありません。")
        sys.exit(2)
    Path(out).write_bytes(data)
    db.session.commit()  # marked as sent only once the file is written
    click.echo(f"{count} 件を {out} に書き出しました（{len(data):,} バイト）。")


def _refusal(exc) -> str:
    """The refusal with the setting to check: the command line is the administrators' tool."""
    return f"{exc}（設定 {exc.setting} を確認してください）" if exc.setting else str(exc)


def _read(kind: str, file: str, dry_run: bool) -> None:
    config = current_app.config
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        click.echo(f"読めません: {exc}", err=True)
        sys.exit(1)
    try:
        report = bundles.read_bundle(db.session, None, data, key=config["TRANSFER_KEY"], expect=kind,
                                     storage_root=config["STORAGE_DIR"], now=utcnow(), dry_run=dry_run,
                                     limits=bundles.BundleLimits.from_config(config))
    except bundles.BundleRefused as exc:
        db.session.rollback()
        bundles.record_refusal(db.session, None, data, str(exc))
        db.session.commit()
        click.echo(f"取り込みませんでした: {_refusal(exc)}", err=True)
        sys.exit(1)
    for label, items in (("新規", report.new), ("更新", report.updated), ("対象外", report.skipped)):
        for item in items:
            click.echo(f"{label}: {item}")
    if dry_run:
        db.session.rollback()
        click.echo(f"確認のみ（書き込みなし）: {report.item_count} 件。")
        return
    db.session.commit()
    failed = sum(not mail.send_quietly(m) for m in report.mails)
    click.echo(f"取り込みました: 新規 {len(report.new)}・更新 {len(report.updated)}・対象外 {len(report.skipped)}"
               + (f"（メール送信の失敗 {failed} 件）" if failed else ""))


@transfer_cli.command("export-applications", help="ポータル側: 提出された申請と添付を転送ファイルに書き出します。")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="書き出す .zip ファイル")
@click.option("--resend", is_flag=True, help="送付済みで審査結果の来ていない申請も含めて作り直します（ファイルを失ったとき）。")
@with_appcontext
def export_applications(out: str, resend: bool):
    _write("applications", out, resend)


@transfer_cli.command("import-applications", help="庁内側: ポータルの転送ファイルを検証し、審査待ちに取り込みます。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="検証と件数の確認だけ行い、取り込みません。")
@with_appcontext
def import_applications(file: str, dry_run: bool):
    _read("applications", file, dry_run)


@transfer_cli.command("export-decisions", help="庁内側: ポータルの申請の審査結果を転送ファイルに書き出します。")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="書き出す .zip ファイル")
@click.option("--resend", is_flag=True, help="送付済みの審査結果も含めて作り直します（ファイルを失ったとき）。")
@with_appcontext
def export_decisions(out: str, resend: bool):
    _write("decisions", out, resend)


@transfer_cli.command("import-decisions", help="ポータル側: 庁内の審査結果を取り込み、申請者にメールで知らせます。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="検証と件数の確認だけ行い、取り込みません。")
@with_appcontext
def import_decisions(file: str, dry_run: bool):
    _read("decisions", file, dry_run)
