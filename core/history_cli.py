"""``flask --app wsgi history TABLE ID [--as-of DATE]``: a record's changes, or its state on a date."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask.cli import with_appcontext

from core.db import db
from core.history import SNAPSHOTS, display_value, field_label, history_of, state_as_of
from core.jp import JpParseError, format_date, parse_date
from core.timefmt import display_datetime, jst_day_start_utc


@click.command("history", help="記録の変更履歴（項目ごとの変更前・変更後）、または指定日の内容を表示します。")
@click.argument("table")
@click.argument("record_id")
@click.option("--as-of", "as_of", help="この日（日本時間）の終わり時点の内容を表示します（2026-04-01 や R8.4.1）。")
@with_appcontext
def history_command(table: str, record_id: str, as_of: str | None):
    if table not in SNAPSHOTS:
        click.echo(f"「{table}」の履歴は表示できません。使える表: {', '.join(sorted(SNAPSHOTS))}", err=True)
        sys.exit(2)
    model, snapshot = SNAPSHOTS[table]
    record = db.session.get(model, int(record_id)) if record_id.isdigit() else None
    if record is None:
        click.echo(f"{table} の ID {record_id} はありません。", err=True)
        sys.exit(2)
    rows = history_of(db.session, table, record.id)
    if as_of:
        try:
            day = parse_date(as_of)
        except JpParseError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from None
        state = state_as_of(snapshot(record), rows, jst_day_start_utc(day + timedelta(days=1)) - timedelta(microseconds=1))
        if state is None:
            click.echo(f"{format_date(day)} にはまだ登録されていませんでした。")
            return
        click.echo(f"{format_date(day)} 時点の内容:")
        for field, value in state.items():
            click.echo(f"  {field_label(table, field)}: {display_value(table, field, value)}")
        return
    for row in rows:
        click.echo(f"{display_datetime(row.at, seconds=True)}  {row.login_id or 'システム'}  {row.summary}")
        for field, (old, new) in row.change_map.items():
            click.echo(f"    {field_label(table, field)}: {display_value(table, field, old)} → "
                       f"{display_value(table, field, new)}")
