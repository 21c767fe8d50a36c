"""``flask --app wsgi grading feed-points [--date YYYY-MM-DD] [--dry-run]``: the 主観点 from the 工事成績 written into
the registry for a 基準日 (default: today), as the contract section's button does, by the server's operator."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from core.db import db
from core.errors import ValidationFailed
from core.jp import JpParseError, format_date, parse_date
from core.timefmt import today


def register_commands(grading_cli) -> None:
    grading_cli.add_command(feed_points_command)


@click.command("feed-points")
@click.option("--date", "day_text", default=None, help="基準日（YYYY-MM-DD・令和8年3月31日など。省略時は今日）")
@click.option("--dry-run", is_flag=True, help="書き込まずに、変わる登録業種の件数と内容だけを表示します。")
@with_appcontext
def feed_points_command(day_text: str | None, dry_run: bool) -> None:
    """工事成績評定の平均から、登録業種ごとの主観点（工事成績）を業者登録に反映します。"""
    from .feed import feed_performance_points, plan_performance_points

    try:
        day = parse_date(day_text) if day_text else today()
    except JpParseError as error:
        click.echo(f"基準日を読めません: {error}", err=True)
        sys.exit(2)
    plan = plan_performance_points(db.session, day)
    changes = plan.changes
    click.echo(f"基準日 {format_date(day)}: {plan.first}〜{plan.last}年度の評定から、対象の登録業種 {len(plan.rows):,} 件の"
               f"うち {len(changes):,} 件が変わります。")
    for row in changes[:50]:
        before = "—" if row.current_points is None else f"{row.current_points:+,}"
        after = "—" if row.points is None else f"{row.points:+,}"
        click.echo(f"  {row.contractor_number} {row.contractor_name} {row.work_type_code}: {before} → {after}"
                   f"（{row.basis or '評定なし'}）")
    if len(changes) > 50:
        click.echo(f"  ……ほか {len(changes) - 50:,} 件")
    if dry_run:
        db.session.rollback()
        click.echo("事前確認のため書き込んでいません。")
        return
    try:
        count = feed_performance_points(db.session, None, day, plan)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        click.echo(" ".join(m for ms in error.errors.values() for m in ms), err=True)
        sys.exit(1)
    click.echo(f"{count:,} 件の登録業種に反映しました。")
