"""The budget's demo data (``flask demo`` only, wired by ``bidding.init_app``): the fictional sample of the finance
system's export (docs/samples/budget_2025.csv) through the budget import, with the sample's departments."""

from __future__ import annotations

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import admin_services
from core.auth.models import Department
from core.auth.services import AuthSettings
from core.config import PROJECT_ROOT

from .models import BudgetLine

#: The 所管課 of the sample (fictional departments).
SAMPLE_DEPARTMENTS = {"110": "土木課", "120": "道路課", "130": "河川港湾課", "210": "建築課", "310": "上下水道局工務課",
                      "410": "教育総務課", "510": "農林漁港整備課"}


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    """Import the sample once; issues no login."""
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import

    if session.scalar(select(func.count()).select_from(BudgetLine)):
        return []
    known = set(session.scalars(select(Department.code)))
    for code, name in SAMPLE_DEPARTMENTS.items():
        if code not in known:
            admin_services.create_department(session, None, code=code, name=name)
    kind = get_kind("budget")
    sample = PROJECT_ROOT / "docs" / "samples" / "budget_2025.csv"
    name, profile = profiles.get_settings(session, kind, None)
    report = run_import(session, None, kind, data=sample.read_bytes(), file_name=sample.name, profile_name=name,
                        settings=profile, dry_run=False)
    session.commit()
    click.echo(f"架空の予算データを取り込みました（{report.new} 科目）。")
    return []
