"""``flask results export``: the published results of a 年度 as the CSV the city posts (入札結果公表)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from core.db import db

from .export import ENCODING_LABELS, ENCODINGS, Replaced, csv_chunks
from .queries import ResultFilters, result_rows


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.group("results", help="入札結果（公表用）の出力です。")
def results_cli():
    pass


@results_cli.command("export", help="年度の入札結果を公表用の CSV に書き出します（開札済みの案件だけ。事後公表）。\n\n"
                                    "例: flask --app wsgi results export --fiscal-year 2026 --out 入札結果.csv")
@click.option("--fiscal-year", "fiscal_year", type=int, required=True, help="年度（西暦の開始年、例: 2026）")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="出力先ファイル")
@click.option("--encoding", "encoding", default="utf-8", show_default=True, metavar="utf-8|cp932",
              help="文字コード（utf-8 は BOM 付き）")
@click.option("--from", "opening_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="開札日の期間の開始（YYYY-MM-DD）")
@click.option("--to", "opening_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="開札日の期間の終了（YYYY-MM-DD）")
@with_appcontext
def export(fiscal_year: int, out: Path, encoding: str, opening_from, opening_to):
    from core.audit.services import AuditContext, record, reset_context, set_context

    encoding = encoding.lower().replace("_", "-")
    encoding = {"utf8": "utf-8", "utf-8-sig": "utf-8", "shift-jis": "cp932", "sjis": "cp932"}.get(encoding, encoding)
    if encoding not in ENCODINGS:
        _fail(f"--encoding は utf-8 または cp932 で指定してください（指定値: {encoding}）。")
    if not 1900 < fiscal_year < 2200:
        _fail(f"--fiscal-year は西暦の年（例: 2026）で指定してください（指定値: {fiscal_year}）。")
    if opening_from and opening_to and opening_to < opening_from:
        _fail("--to は --from 以降の日付にしてください。")
    if not out.parent.is_dir():
        _fail(f"出力先のフォルダ {out.parent} がありません。")
    filters = ResultFilters(fiscal_year=fiscal_year, opening_from=opening_from.date() if opening_from else None,
                            opening_to=opening_to.date() if opening_to else None, sort="opening")
    replaced: list[Replaced] = []
    count = 0

    def counted():
        nonlocal count
        for row in result_rows(db.session, None, filters):
            count += 1
            yield row

    # Written beside the target and renamed at the end: a failure never leaves half a file under its name.
    handle, scratch = tempfile.mkstemp(prefix=".results-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in csv_chunks(counted(), encoding, replaced):
                stream.write(chunk)
        os.replace(scratch, out)
    except OSError as exc:
        Path(scratch).unlink(missing_ok=True)
        _fail(f"{out} に書き込めません: {exc.strerror or exc}")
    token = set_context(AuditContext(ip="cli", endpoint="cli:results export"))
    try:
        record(db.session, None, "data.export", f"入札結果（公表用）を CSV 出力（コマンド、{fiscal_year} 年度）",
               details={"fiscal_year": fiscal_year, "encoding": encoding, "out": out.name, "rows": count})
        db.session.commit()
    finally:
        reset_context(token)
    for item in replaced:
        click.echo(f"注意: {item.message}", err=True)
    click.echo(f"{fiscal_year} 年度の入札結果 {count:,} 件を {out} に書き出しました（{ENCODING_LABELS[encoding]}）。")
