"""``flask --app wsgi rules``: look up the rules in force on a date (for batch jobs and checks)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from core.db import db
from core.jp import JpParseError, format_date, parse_date

from .catalogue import definitions, get_definition
from .queries import RuleNotInForce, rule_history, rule_in_force, today


def _day(text: str | None):
    if not text:
        return today()
    try:
        return parse_date(text)
    except JpParseError as exc:
        raise click.BadParameter(str(exc), param_hint="--on") from None


@click.group("rules", help="ルール設定（適用開始日ごとの版）を参照します。変更は管理画面から行います。")
def rules_cli():
    pass


@rules_cli.command("list", help="すべてのルールと、指定日（既定: 今日）に適用される版を表示します。")
@click.option("--on", "on_text", help="日付（2026-04-01 や R8.4.1）")
@with_appcontext
def rules_list(on_text):
    day = _day(on_text)
    for definition in definitions():
        try:
            version = rule_in_force(db.session, definition.key, day)
            origin = "組込み" if version.builtin else f"第{version.revision}版"
            click.echo(f"{definition.key:<24} {definition.title}  {format_date(version.effective_from)}〜（{origin}）")
        except RuleNotInForce as exc:
            click.echo(f"{definition.key:<24} {definition.title}  {exc}")


@rules_cli.command("show", help="1 つのルールの、指定日に適用される値を JSON で表示します（--history で全版）。")
@click.argument("key")
@click.option("--on", "on_text", help="日付（2026-04-01 や R8.4.1）")
@click.option("--history", is_flag=True, help="すべての版を古い順に表示します。")
@with_appcontext
def rules_show(key, on_text, history):
    try:
        get_definition(key)
    except LookupError:
        click.echo(f"ルール「{key}」はありません。`flask --app wsgi rules list` で確認してください。", err=True)
        sys.exit(2)
    if history:
        for version in rule_history(db.session, key):
            click.echo(json.dumps({"effective_from": version.effective_from.isoformat(), "revision": version.revision,
                                   "note": version.note, "values": version.values}, ensure_ascii=False, default=str))
        return
    day = _day(on_text)
    try:
        version = rule_in_force(db.session, key, day)
    except RuleNotInForce as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(json.dumps({"key": key, "on": day.isoformat(), "effective_from": version.effective_from.isoformat(),
                           "revision": version.revision, "values": version.values}, ensure_ascii=False, default=str,
                          indent=2))
