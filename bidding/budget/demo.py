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

#: The 年度 of the sample file.
SAMPLE_YEAR = 2025
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
    from core.rules.numbering import fiscal_year_of
    from core.timefmt import today

    kind = get_kind("budget")
    sample = PROJECT_ROOT / "docs" / "samples" / "budget_2025.csv"
    name, profile = profiles.get_settings(session, kind, None)
    files = [(sample.name, sample.read_bytes())]
    current = fiscal_year_of(today())
    if current != SAMPLE_YEAR:
        # The same fictional lines for this 年度 too, so that the demo's cases (drafted today) have a budget.
        text = sample.read_bytes().decode("cp932")
        lines = text.splitlines(keepends=True)
        shifted = lines[:1] + [line.replace(f"{SAMPLE_YEAR},", f"{current},", 1) for line in lines[1:]]
        files.append((f"budget_{current}.csv", "".join(shifted).encode("cp932")))
    for file_name, data in files:
        report = run_import(session, None, kind, data=data, file_name=file_name, profile_name=name, settings=profile,
                            dry_run=False)
        session.commit()
        click.echo(f"架空の予算データを取り込みました（{file_name}: {report.new} 科目）。")
    return []
