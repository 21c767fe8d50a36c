"""``flask --app wsgi grading score SHEET.json``: a grade sheet scored with the rules in force on its date, printed as
JSON (each grader's items and score, the weights, the weighted total, the deductions, the final score).

Writes nothing: administrators check a new rule version against the worked examples of their 要領 before it takes
effect. Errors are printed in Japanese on stderr with exit status 1 (the sheet or the rules) or 2 (the file).
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup, with_appcontext

from core.db import db

from .calculator import score_sheet
from .scoring import ScoreError

grading_cli = AppGroup("grading", help="工事成績評定（評定点の計算の確認など）")


@grading_cli.command("score")
@click.argument("sheet", type=click.File("rb"))
@with_appcontext
def score_command(sheet) -> None:
    """評定表 SHEET（JSON、- は標準入力）の評定点を、その日に適用されるルールで計算して表示します（保存しません）。"""
    try:
        data = json.loads(sheet.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        click.echo(f"評定表の JSON を読めません: {error}", err=True)
        sys.exit(2)
    if not isinstance(data, dict):
        click.echo("評定表は JSON のオブジェクト（{…}）で指定してください。", err=True)
        sys.exit(2)
    try:
        result = score_sheet(db.session, data)
    except ScoreError as error:
        for place, messages in error.errors.items():
            for message in messages:
                click.echo(f"{place}: {message}", err=True)
        sys.exit(1)
    finally:
        db.session.rollback()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
