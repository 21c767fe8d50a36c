"""``flask --app wsgi prices minimum``: 最低制限価格 / 低入札価格調査基準価格 as JSON (for checks and batch jobs).

Writes nothing. Errors are printed in Japanese on stderr with a non-zero exit status (1: the input or the rules,
2: an option that cannot be read).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation

import click
from flask.cli import with_appcontext

from core.db import db
from core.errors import ValidationFailed
from core.jp import JpParseError, parse_amount, parse_date

from .calculation import compute_minimum

#: (option, breakdown key, what it is and where it belongs). Every component of the built-in models has an
#: option; a component a city adds to a consultancy rule is given with ``--component KEY=N``.
COMPONENT_OPTIONS = (
    ("--direct", "direct_cost", "直接工事費（建設工事）"),
    ("--common-temp", "common_temporary", "共通仮設費（建設工事）"),
    ("--site", "site_management", "現場管理費（建設工事）"),
    ("--overhead", "general_admin", "一般管理費等（建設工事、土木・補償コンサルタント）"),
    ("--direct-survey", "direct_survey", "直接測量費（測量）"),
    ("--survey-investigation", "survey_investigation", "測量調査費（測量）"),
    ("--expenses", "expenses", "諸経費（測量、建築コンサルタント、地質調査）"),
    ("--direct-labor", "direct_labor", "直接人件費（建築・土木・補償コンサルタント）"),
    ("--direct-expense", "direct_expense", "直接経費（土木・補償コンサルタント）"),
    ("--other-cost", "other_cost", "その他原価（土木・補償コンサルタント）"),
    ("--technical-expense", "technical_expense", "技術経費（建築コンサルタント）"),
    ("--special-expense", "special_expense", "特別経費（建築コンサルタント）"),
    ("--direct-investigation", "direct_investigation", "直接調査費（地質調査）"),
    ("--indirect-investigation", "indirect_investigation", "間接調査費（地質調査）"),
    ("--analysis", "analysis", "解析等調査業務費（地質調査）"),
)
OPTION_OF = {"on": "--on", "category": "--category", "planned": "--planned", "kind": "--kind",
             "coefficient": "--coefficient", **{key: option for option, key, _h in COMPONENT_OPTIONS}}

EPILOG = """\b
区分（--category）と費目のオプション:
  works（建設工事）: --direct --common-temp --site --overhead
  works.building など（建設工事の読み替え。ルール設定「最低制限価格等の読み替え」の識別名）: 建設工事と同じ
  surveying（測量）: --direct-survey --survey-investigation --expenses
  architecture（建築関係建設コンサルタント業務）: --direct-labor --technical-expense --special-expense --expenses
  civil（土木関係建設コンサルタント業務）: --direct-labor --direct-expense --other-cost --overhead
  geology（地質調査業務）: --direct-investigation --indirect-investigation --expenses --analysis
  compensation（補償関係コンサルタント業務）: --direct-labor --direct-expense --other-cost --overhead
金額はすべて消費税抜きの円単位（10000000 や 10,000,000）。結果は JSON（model, raw, lower, upper, result, steps）。
例: flask --app wsgi prices minimum --on 2026-05-01 --category works --planned 10000000
    --direct 7000000 --common-temp 500000 --site 1500000 --overhead 1000000
"""


def _fail(lines: list[str], status: int) -> None:
    for line in lines:
        click.echo(f"エラー: {line}", err=True)
    sys.exit(status)


def _amount(text: str, option: str) -> int:
    try:
        return parse_amount(text)
    except (JpParseError, TypeError) as exc:
        _fail([f"{option}: {exc}"], 2)


@click.group("prices", help="最低制限価格・低入札価格調査基準価格を、基準日に適用されるルールで計算します（何も記録しません）。")
def prices_cli():
    pass


def _component_options(command):
    for option, key, help_text in reversed(COMPONENT_OPTIONS):
        command = click.option(option, key, metavar="N", help=help_text)(command)
    return command


@prices_cli.command("minimum", epilog=EPILOG,
                    help="最低制限価格（--kind survey で低入札価格調査基準価格）の計算過程と結果を JSON で表示します。")
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="基準日（公告日など。2026-05-01 や R8.5.1）")
@click.option("--category", metavar="CODE", help="区分（下記）")
@click.option("--planned", metavar="N", help="予定価格（消費税抜き、円）")
@click.option("--kind", default="minimum", show_default=True, metavar="minimum|survey",
              help="minimum: 最低制限価格、survey: 低入札価格調査基準価格")
@click.option("--coefficient", metavar="X", help="抽選済みの入札時ランダム係数（例: 1.0012）。使う設定のときだけ指定できます。")
@click.option("--component", "extra", multiple=True, metavar="KEY=N",
              help="上記以外の費目（ルール設定で追加した費目の識別名と額）。繰り返し指定できます。")
@_component_options
@with_appcontext
def prices_minimum(on_text, category, planned, kind, coefficient, extra, **amounts):
    missing = [f"{option} を指定してください（{label}）。" for option, value, label in (
        ("--on", on_text, "基準日"), ("--category", category, "区分"), ("--planned", planned, "予定価格"))
        if not value]
    if missing:
        _fail(missing, 2)
    try:
        day = parse_date(on_text)
    except JpParseError as exc:
        _fail([f"--on: {exc}"], 2)
    breakdown = {key: _amount(amounts[key], option) for option, key, _h in COMPONENT_OPTIONS if amounts[key] is not None}
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail([f"--component は 識別名=額 の形で指定してください（指定: {item}）。"], 2)
        breakdown[key.strip()] = _amount(value, f"--component {key.strip()}")
    if coefficient is not None:
        try:
            coefficient = Decimal(coefficient)
        except InvalidOperation:
            _fail([f"--coefficient は小数で指定してください（指定: {coefficient}）。"], 2)
    try:
        result = compute_minimum(db.session, on=day, category=category, planned=_amount(planned, "--planned"),
                                 breakdown=breakdown, kind=kind, coefficient=coefficient)
    except ValidationFailed as exc:
        _fail([f"{OPTION_OF[k]}: {m}" if k in OPTION_OF else m for k, ms in exc.errors.items() for m in ms], 1)
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
