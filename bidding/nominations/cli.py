"""``flask nominations sweep``: cancel nominations of firms suspended before their case's opening (run daily)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.db import db
from core.timefmt import today


@click.group("nominations", help="指名・参加申請の処理です。")
def nominations_cli():
    pass


@nominations_cli.command("sweep", help="開札前の案件で、指名停止中の業者の指名（参加資格）を取り消します。毎日実行します。")
@click.option("--on", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="判定する日（既定: 今日）。")
@with_appcontext
def sweep(day):
    from core.audit.services import AuditContext, reset_context, set_context

    from .services import cancel_suspended

    token = set_context(AuditContext(ip="cli", endpoint="cli:nominations sweep"))
    try:
        cancelled = cancel_suspended(db.session, None, day.date() if day else today())
        db.session.commit()
    finally:
        reset_context(token)
    for p in cancelled:
        click.echo(f"{p.case.number}\t{p.contractor.number}\t{p.contractor.name}\t{p.cancel_reason}")
    click.echo(f"取り消した指名・参加資格: {len(cancelled)} 件")
