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
    _load_queue_examples(session)
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


def _load_queue_examples(session: Session) -> None:
    """A few permits and 経審 expiring soon and suspensions starting and ending this week, so the home page's
    queues have something to show (once: skipped when any 経審 exists; the legacy sample has none)."""
    from datetime import timedelta

    from core.auth.services import find_user
    from core.timefmt import today

    from .contractors.models import Contractor
    from .qualifications.keishin.services import add_keishin
    from .qualifications.models import KeishinScore
    from .qualifications.permits.services import save_permit
    from .suspensions.periods import causes
    from .suspensions.queries import week_of
    from .suspensions.services import register_suspension

    if session.scalar(select(func.count()).select_from(KeishinScore)):
        return
    staff = find_user(session, "keiyaku")
    firms = session.scalars(select(Contractor).where(Contractor.status == "active", Contractor.is_jv.is_(False))
                            .order_by(Contractor.number).limit(6)).all()
    if len(firms) < 6 or staff is None:
        return
    day = today()
    for firm, days_left in zip(firms[:3], (20, 45, 400), strict=True):
        # A 5-year permit granted so that it ends ``days_left`` days from today.
        save_permit(session, None, firm, work_type_code="010", text=f"山口県知事許可（般-4）第{10000 + firm.id}号",
                    granted_on=day + timedelta(days=days_left + 1) - timedelta(days=365 * 5 + 1))
    for firm, age in zip(firms[3:5], (540, 200), strict=True):
        add_keishin(session, None, firm, work_type_code="010", base_date=day - timedelta(days=age),
                    x1=812, x2=705, y=760, z=820, w=905)
    cause = next(iter(causes(session, day)), None)
    monday, _sunday = week_of(day)
    if cause is not None:
        register_suspension(session, staff, firms[5], cause, monday, 1, "months", None,
                            "（デモ）工事中の事故により、公衆に損害を与えた。")
