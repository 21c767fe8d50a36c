"""The registry's demo data (``flask demo`` only, wired by ``registry.init_app``): the fictional legacy sample
through the contractors import, and a demo applicant with a submitted application."""

from __future__ import annotations

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.roles import Role
from core.auth.services import AuthSettings
from core.config import PROJECT_ROOT


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    from .applications.demo import load_demo_applicant

    _load_contractors(session)
    session.commit()
    login_id, password = load_demo_applicant(session, settings, storage_root)
    return [(login_id, Role.APPLICANT.label, password)]


def _load_contractors(session: Session) -> None:
    """The fictional legacy sample (docs/samples) through the contractors import, once."""
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import

    from .contractors.models import Contractor

    if session.scalar(select(func.count()).select_from(Contractor)):
        return
    kind = get_kind("contractors")
    sample = PROJECT_ROOT / "docs" / "samples" / "legacy_contractors.csv"
    name, profile = profiles.get_settings(session, kind, None)
    report = run_import(session, None, kind, data=sample.read_bytes(), file_name=sample.name, profile_name=name,
                        settings=profile, dry_run=False, skip_rejected=True)
    click.echo(f"架空の業者データを取り込みました（{report.new} 行、不正 {report.rejected_rows} 行）。")
