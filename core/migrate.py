"""Alembic wiring: configuration from the app, the ``flask db`` commands and the "not migrated" check."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import current_app
from flask.cli import with_appcontext

from core.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may contain percent-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(engine) -> set[str]:
    from core.db import BEGIN_DEFERRED

    with engine.connect() as conn:
        # a read: on SQLite it must not queue for the write lock (checked on the first request of a worker)
        return set(MigrationContext.configure(conn.execution_options(**BEGIN_DEFERRED)).get_current_heads())


def migration_state(engine) -> str:
    """``ok``, ``empty`` (no schema at all) or ``outdated``."""
    current = current_revisions(engine)
    if current == head_revisions():
        return "ok"
    return "empty" if not current else "outdated"


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@click.group("db", help="データベースのマイグレーション（Alembic）を操作します。")
def db_cli():
    pass


def _config() -> Config:
    return alembic_config(current_app.config["DATABASE_URL"])


@db_cli.command("upgrade", help="指定リビジョン（既定: head）まで更新します。")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision):
    command.upgrade(_config(), revision)
    click.echo(f"データベースを {revision} まで更新しました。")


@db_cli.command("downgrade", help="指定リビジョン（既定: 1 つ前）まで戻します。")
@click.argument("revision", default="-1")
@with_appcontext
def db_downgrade(revision):
    command.downgrade(_config(), revision)
    click.echo(f"データベースを {revision} まで戻しました。")


@db_cli.command("current", help="データベースの現在のリビジョンを表示します。")
@with_appcontext
def db_current():
    command.current(_config(), verbose=False)


@db_cli.command("history", help="マイグレーションの履歴を表示します。")
@with_appcontext
def db_history():
    command.history(_config())


@db_cli.command("heads", help="最新リビジョン（head）を表示します。")
@with_appcontext
def db_heads():
    command.heads(_config())


@db_cli.command("check", help="モデルとマイグレーションに差がないか確認します（差があれば終了コード 1）。")
@with_appcontext
def db_check():
    try:
        command.check(_config())
    except CommandError as exc:
        raise click.ClickException(f"モデルとマイグレーションに差があります: {exc}") from None
    click.echo("モデルとマイグレーションは一致しています。")


@db_cli.command("revision", help="新しいマイグレーションを作成します（開発者向け、必ず手で見直すこと）。")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
@with_appcontext
def db_revision(message, autogenerate):
    command.revision(_config(), message=message, autogenerate=autogenerate)
