"""The statistics' demo data (``flask demo`` only, after the registry's and bidding's loaders): the fictional past
grades of ``docs/samples/past_grades.csv`` through the ``grades`` import, once, and the 主観点 fed from them, so the
statistics, the 優良工事 candidates and the rank review have something to show."""

from __future__ import annotations

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.services import AuthSettings
from core.config import PROJECT_ROOT


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    """Import the sample once (skipped when imported grades exist); feed the 主観点 of today. Issues no login."""
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import
    from core.timefmt import today

    from ..works.models import GradedWork
    from .feed import feed_performance_points

    if not session.scalar(select(func.count()).select_from(GradedWork).where(GradedWork.source == "import")):
        kind = get_kind("grades")
        sample = PROJECT_ROOT / "docs" / "samples" / "past_grades.csv"
        name, profile = profiles.get_settings(session, kind, None)
        report = run_import(session, None, kind, data=sample.read_bytes(), file_name=sample.name, profile_name=name,
                            settings=profile, dry_run=False, skip_rejected=True)
        click.echo(f"架空の過去の評定を取り込みました（{report.new} 行、不正 {report.rejected_rows} 行）。")
    fed = feed_performance_points(session, None, today())
    if fed:
        click.echo(f"工事成績による主観点を {fed} 件の登録業種に反映しました。")
    return []
