"""``flask report``: batch output of a report as PDF or Excel, and ``flask report --list``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core.audit.services import AuditContext, record, reset_context, set_context
from core.db import db
from core.errors import ValidationFailed

from . import reports
from .render import FORMATS
from .reports.base import today


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("report", help="帳票を PDF または Excel で出力します（一括出力用）。"
                            "帳票とパラメータの一覧は --list で表示します。\n\n"
                            "例: flask --app wsgi report audit_log --format pdf --out log.pdf "
                            "--param date_from=2026-04-01 --param date_to=2026-04-30")
@click.argument("name", required=False)
@click.option("--list", "list_reports", is_flag=True, help="帳票とパラメータ（日本語名）の一覧を表示します。")
@click.option("--format", "fmt", default="pdf", show_default=True, metavar="pdf|xlsx", help="出力形式")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="出力先ファイル")
@click.option("--param", "params", multiple=True, metavar="名前=値", help="帳票のパラメータ（繰り返し指定できます）")
@with_appcontext
def report_command(name: str | None, list_reports: bool, fmt: str, out: Path | None, params: tuple[str, ...]):
    if list_reports:
        click.echo(describe_reports())
        return
    if not name:
        _fail("帳票名を指定してください。帳票の一覧は `flask report --list` で表示できます。")
    definition = reports.get(name)
    if definition is None:
        _fail(f"帳票「{name}」はありません。帳票の一覧は `flask report --list` で表示できます。")
    if fmt not in FORMATS:
        _fail(f"--format は {' または '.join(FORMATS)} で指定してください（指定値: {fmt}）。")
    if out is None:
        _fail("--out で出力先ファイルを指定してください。")
    if not out.parent.is_dir():
        _fail(f"出力先のフォルダ {out.parent} がありません。")
    raw: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail(f"--param は 名前=値 の形で指定してください（指定値: {item}）。")
        raw[key.strip()] = value
    token = set_context(AuditContext(ip="cli", endpoint="cli:report"))
    try:
        try:
            values = definition.parse(raw, db.session, unknown="error")
            document = definition.produce(db.session, values, None)
        except ValidationFailed as exc:
            _fail("\n".join(m for msgs in exc.errors.values() for m in msgs))
        renderer, _mimetype, label = FORMATS[fmt]
        try:
            data = renderer(document, current_app.config["ORG_NAME"], today(),
                            date_style=current_app.config["DATE_STYLE"])
        finally:
            document.close()
        try:
            out.write_bytes(data)
        except OSError as exc:
            _fail(f"{out} に書き込めません: {exc.strerror or exc}")
        record(db.session, None, "report.output", f"帳票「{definition.title}」を {label} 出力（コマンド）",
               details={"report": definition.name, "format": fmt, "out": out.name,
                        "params": definition.args_of(values)})
        db.session.commit()
    finally:
        reset_context(token)
    click.echo(f"帳票「{definition.title}」を {label} で出力しました: {out}（{document.count_label}、{len(data):,} バイト）")


def describe_reports() -> str:
    """Every report with its parameters, for ``--list``."""
    lines: list[str] = []
    for definition in reports.all_reports():
        roles = "・".join(sorted((r.label for r in definition.roles), key=str))
        lines.append(f"{definition.name}  {definition.title}（{definition.orientation_label}、利用できる役割: {roles}）")
        if definition.description:
            lines.append(f"    {definition.description}")
        if not definition.params:
            lines.append("    パラメータ: なし")
        for p in definition.params:
            lines.append(f"    --param {p.name}={_example_value(p)}  {p.label}（{_requirement(p)}）"
                         + (f" {p.hint}" if p.hint else ""))
            if p.type == "choice":
                allowed = [f"{v}（{label.removeprefix(v).strip()}）" if label.removeprefix(v).strip() else v
                           for v, label in p.choice_list(db.session) if v]
                lines.append(f"        指定できる値: {'、'.join(allowed) if allowed else '（なし）'}")
    return "\n".join(lines)


def _example_value(p) -> str:
    return {"date": "YYYY-MM-DD", "choice": "値", "text": "文字列"}[p.type]


def _requirement(p) -> str:
    if p.required:
        return "必須"
    default = p.default_value(today()) if p.type == "choice" else None  # as ``ReportDefinition.parse`` applies
    return f"任意、省略時: {default}" if default not in (None, "") else "任意"


@click.group("contracts", help="契約のデータを出力します。")
def contracts_command():
    pass


@contracts_command.command("export-econtract", help="契約の書類（PDF）と電子契約サービス向けのメタデータ（econtract.json）を"
                                                    "フォルダに書き出します。")
@click.argument("number")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="出力先フォルダ")
@with_appcontext
def export_econtract(number: str, out: Path):
    from core.audit.services import record_export

    from .econtract import bundle_files, find_contract, write_bundle

    contract = find_contract(db.session, number)
    if contract is None:
        _fail(f"契約番号「{number}」の契約はありません。")
    token = set_context(AuditContext(ip="cli", endpoint="cli:contracts export-econtract"))
    try:
        files = bundle_files(db.session, contract, org=current_app.config["ORG_NAME"])
        paths = write_bundle(files, out)
        record_export(db.session, None, "電子契約の書類", {"contract": number}, file_format="PDF+JSON")
        db.session.commit()
    finally:
        reset_context(token)
    for path in paths:
        click.echo(str(path))
