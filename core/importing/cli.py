"""``flask --app wsgi import KIND FILE``: the same pipeline as the screen, for batch jobs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from core.audit.services import AuditContext, set_context
from core.db import db
from core.errors import DomainError, ValidationFailed

from . import profiles
from .kinds import all_kinds, get_kind
from .runner import run_import


class ImportCommand(click.Command):
    """Lists the kinds and their profiles at the end of ``--help``; each kind's options (``ImportKind.options``)
    become flags, e.g. ``--create-missing-cases``, known once the app has registered its kinds."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        taken = {p.name for p in params}
        extra = []
        for kind in all_kinds():
            for option in kind.options:
                if option.name not in taken:
                    taken.add(option.name)
                    extra.append(click.Option([option.flag, option.name], is_flag=True, default=False,
                                              help=f"{option.label}（{kind.name} のみ）。{option.help}".strip()))
        help_last = params[-1:] if params and params[-1].name == "help" else []
        return params[:len(params) - len(help_last)] + extra + help_last

    def format_epilog(self, ctx, formatter):
        lines = []
        try:
            app = ctx.find_object(ScriptInfo).load_app()
            with app.app_context():
                for kind in all_kinds():
                    names = [n for n, _, _ in profiles.list_profiles(db.session, kind)]
                    lines.append(f"{kind.name:<12} {kind.label}　プロファイル: {'、'.join(names)}")
        except Exception:  # help must print even without a database
            lines = [f"{k.name:<12} {k.label}" for k in all_kinds()]
        with formatter.section("取り込める種類（KIND）"):
            formatter.write_text("\n".join(lines) or "（なし）")
        formatter.write_paragraph()
        formatter.write_text("終了コード: 0 = 正常、1 = 不正な行あり（--skip-rejected なしでは何も書き込みません）、"
                             "2 = ファイルやプロファイルを読めない・データの行がない・大きすぎる。")


def _progress(phase: str, done: int, total: int) -> None:
    label = "確認中" if phase == "check" else "書き込み中"
    click.echo(f"\r{label} {done:>7,} / {total:,} 行" if total else f"\r{label} {done:>7,} 行", nl=False, err=True)
    if total and done >= total:
        click.echo("", err=True)


@click.command("import", cls=ImportCommand, help="ファイルを取り込みます（事前確認・エラー行の報告・一括コミット）。")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", help="取込プロファイル名（省略時は組み込みの標準）")
@click.option("--dry-run", is_flag=True, help="確認だけ行い、何も書き込みません。")
@click.option("--skip-rejected", is_flag=True, help="不正な行を除いて、正しい行だけを取り込みます。")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="結果を JSON で書き出します（バッチ処理用）。")
@with_appcontext
def import_command(kind: str, file: Path, profile: str | None, dry_run: bool, skip_rejected: bool,
                   report_path: Path | None, **flags: bool):
    set_context(AuditContext(ip="cli", endpoint=f"cli:import {kind}"))
    spec = get_kind(kind)
    if spec is None:
        click.echo(f"種類「{kind}」はありません。使える種類: {', '.join(k.name for k in all_kinds())}", err=True)
        sys.exit(2)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and file.stat().st_size > limit:
        click.echo(f"取り込めません: ファイルが大きすぎます（{file.stat().st_size / 1024 / 1024:.1f} MB）。画面と同じく "
                   f"{limit / 1024 / 1024:.3g} MB までです（KEIYAKU_MAX_UPLOAD_MB で変えられます）。", err=True)
        sys.exit(2)
    session = db.session
    try:
        profile_name, settings = profiles.get_settings(session, spec, profile)
        chosen = spec.option_values({name: value for name, value in flags.items() if value})
        report = run_import(session, None, spec, data=file.read_bytes(), file_name=file.name, profile_name=profile_name,
                            settings=settings, dry_run=dry_run, skip_rejected=skip_rejected, progress=_progress,
                            options=chosen)
        session.commit()
    except DomainError as exc:
        session.rollback()
        messages = [m for msgs in exc.errors.values() for m in msgs] if isinstance(exc, ValidationFailed) else [str(exc)]
        click.echo("取り込めません: " + " ".join(messages), err=True)
        sys.exit(2)
    _print(report)
    if report_path:
        data = report.as_dict()
        payload = {k: data[k] for k in ("kind", "file_sha256", "encoding", "total", "new", "updated", "unchanged",
                                        "rejected", "committed")}
        payload.update(profile=report.profile, file_name=report.file_name, dry_run=report.dry_run,
                       rejected_rows=report.rejected_rows, batch_id=report.batch_id, summary=report.summary)
        if report.options:
            payload["options"] = report.options
        payload.update({key: value for key, value in report.extra.items() if key not in payload})
        report_path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    if report.rejected_rows and not skip_rejected:
        sys.exit(1)


def _print(report) -> None:
    if report.dry_run:
        mode = "事前確認（書き込みなし）"
    else:
        mode = "取り込みました" if report.committed else "中止（何も書き込んでいません）"
    click.echo(f"{report.file_name}  種類: {report.kind}  プロファイル: {report.profile}  文字コード: {report.encoding}")
    click.echo(f"SHA-256: {report.file_sha256}")
    click.echo(f"{mode}: 全 {report.total} 行 / 新規 {report.new} / 更新 {report.updated} / 変更なし {report.unchanged}"
               f" / 不正 {report.rejected_rows}")
    kind = get_kind(report.kind)
    chosen = [o.label for o in (kind.options if kind else ()) if report.options.get(o.name)]
    if chosen:
        click.echo("指定: " + "、".join(chosen))
    for group, counts in report.summary.items():
        click.echo(f"{group}: " + "、".join(f"{k} {v}" for k, v in counts.items()))
    warnings = report.extra.get("warnings") or []
    if warnings:
        click.echo(f"警告 {len(warnings)} 件（取込は止めません）:")
    for w in warnings[:200]:
        subject = "".join(f"［{w[key]}］" for key in w if key not in ("row", "message") and w[key])
        click.echo(f"  {w.get('row') or '—'} 行目{subject}: {w.get('message')}")
    for r in report.rejected[:200]:
        column = f"［{r.column}］" if r.column else ""
        value = f"「{r.value}」" if r.value else ""
        click.echo(f"  {r.row} 行目{column}{value}: {r.reason}")
    if report.rejected_rows > 200:
        click.echo(f"  ……ほかにも不正な行があります（全 {report.rejected_rows} 行。--report で書き出せます）")


