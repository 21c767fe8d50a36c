"""Registration and rank services: register a firm in a category for a period, add or remove 業種, enter
主観点, confirm ranks from the review; for a bulk import, ``import_registration`` and ``import_work_type``
(no flush each, history queued on a ``core.history.BulkWriter``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import ValidationFailed, require
from core.history import BulkWriter, record_change
from registry.codes import work_types
from registry.contractors.models import CATEGORIES, Contractor
from registry.rules import RANK_CHOICES

from ..common import add_error, check_editor, check_work_type, work_type_title
from ..history import registration_snapshot, work_type_snapshot
from ..keishin.queries import latest_valid_keishin
from ..models import RegisteredWorkType, Registration
from .periods import FIRST_START_YEAR, LAST_START_YEAR, period_label, qualification_period
from .permissions import can_confirm_ranks
from .queries import Proposal


def create_registration(session: Session, actor, contractor: Contractor, *, category: str,
                        start_year: int | None) -> Registration:
    """Register the firm in a category for the period starting in ``start_year``."""
    check_editor(actor)
    errors: dict[str, list[str]] = {}
    if category not in CATEGORIES:
        add_error(errors, "category", "区分を選んでください。")
    if not start_year or not FIRST_START_YEAR <= start_year <= LAST_START_YEAR:
        add_error(errors, "start_year", "有効期間を選んでください。")
    if contractor.is_jv:
        add_error(errors, "category", "共同企業体は資格登録できません（構成員の資格を使います）。")
    if errors:
        raise ValidationFailed(errors)
    start, end = qualification_period(session, start_year)
    _check_period_free(session, contractor.id, category, start, end)
    registration = Registration(contractor_id=contractor.id, category=category, period_start=start, period_end=end)
    session.add(registration)
    session.flush()
    session.refresh(contractor, ["registrations"])
    record_change(session, actor, "registry.registration.create",
                  f"{contractor.name} {CATEGORIES[category]} {period_label(session, start, end)}",
                  target=registration, before=None, after=registration_snapshot(registration))
    return registration


def _check_period_free(session: Session, contractor_id: int, category: str, start, end,
                       other_than: int | None = None) -> None:
    """A firm has one registration per category and period (the table's unique key, told in Japanese)."""
    clash = session.scalar(select(Registration.id).where(
        Registration.contractor_id == contractor_id, Registration.category == category,
        Registration.period_start == start, Registration.id != (other_than or -1)))
    if clash:
        raise ValidationFailed({"start_year": [f"{CATEGORIES[category]}の{period_label(session, start, end)}は登録済みです。"]})


def update_registration(session: Session, actor, registration: Registration, *, start_year: int) -> Registration:
    """Move a registration to the period starting in ``start_year``."""
    check_editor(actor)
    if not start_year or not FIRST_START_YEAR <= start_year <= LAST_START_YEAR:
        raise ValidationFailed({"start_year": ["有効期間を選んでください。"]})
    start, end = qualification_period(session, start_year)
    _check_period_free(session, registration.contractor_id, registration.category, start, end, registration.id)
    before = registration_snapshot(registration)
    registration.period_start, registration.period_end = start, end
    session.flush()
    record_change(session, actor, "registry.registration.update",
                  f"{registration.contractor.name} {registration.category_label} {period_label(session, start, end)}",
                  target=registration, before=before, after=registration_snapshot(registration))
    return registration


def add_work_type(session: Session, actor, registration: Registration, *, work_type_code: str,
                  rank: str | None = None) -> RegisteredWorkType:
    """Add a 業種 to a registration; a construction 業種 takes its 客観点 from the latest valid 経審."""
    check_editor(actor)
    errors: dict[str, list[str]] = {}
    check_work_type(session, work_type_code, registration.category, errors)
    if any(w.work_type_code == work_type_code for w in registration.work_types):
        add_error(errors, "work_type_code", f"{work_type_title(session, work_type_code)}は登録済みです。")
    if rank and rank not in dict(RANK_CHOICES):
        add_error(errors, "rank", "等級は A〜E で選んでください。")
    if errors:
        raise ValidationFailed(errors)
    row = RegisteredWorkType(registration_id=registration.id, work_type_code=work_type_code, rank=rank or None)
    if registration.category == "construction":
        latest = latest_valid_keishin(session, registration.contractor_id, work_type_code)
        row.objective_points = latest.p_computed if latest else None
    session.add(row)
    session.flush()
    session.refresh(registration, ["work_types"])
    record_change(session, actor, "registry.work_type.add",
                  f"{registration.contractor.name} {registration.category_label} {work_type_title(session, work_type_code)}",
                  target=row, before=None, after=work_type_snapshot(row))
    return row


def remove_work_type(session: Session, actor, row: RegisteredWorkType, *, reason: str) -> None:
    """Remove a 業種 from a registration; the history row keeps everything it had."""
    check_editor(actor)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["削除の理由を入力してください。"]})
    registration = row.registration
    before = work_type_snapshot(row)
    record_change(session, actor, "registry.work_type.remove",
                  f"{registration.contractor.name} {work_type_title(session, row.work_type_code)} 削除: {reason.strip()}",
                  target=row, before=before, after=dict.fromkeys(before), details={"reason": reason.strip()})
    registration.work_types.remove(row)
    session.flush()


def _points(value: int | None) -> str:
    return "未設定" if value is None else f"{value:,}"


def set_points(session: Session, actor, row: RegisteredWorkType, *, objective=..., subjective=...) -> None:
    before = work_type_snapshot(row)
    if objective is not ...:
        row.objective_points = objective
    if subjective is not ...:
        row.subjective_points = subjective
    session.flush()
    contractor = row.registration.contractor
    record_change(session, actor, "registry.work_type.points",
                  f"{contractor.name} {work_type_title(session, row.work_type_code)} 客観点 {_points(row.objective_points)}"
                  f"・主観点 {_points(row.subjective_points)}", target=row, before=before, after=work_type_snapshot(row))


def set_subjective_points(session: Session, actor, row: RegisteredWorkType, points: int | None) -> RegisteredWorkType:
    """Enter the 主観点 of one registered 業種 (None clears it)."""
    check_editor(actor)
    if points is not None and not -1000 <= points <= 2000:
        raise ValidationFailed({"subjective_points": ["主観点は -1,000〜2,000 の範囲で入力してください。"]})
    set_points(session, actor, row, subjective=points)
    return row


#: The 主観点 from the 工事成績 stays within the range the entered 主観点 may take.
PERFORMANCE_MIN, PERFORMANCE_MAX = -1000, 2000
BASIS_MAX = 200


def set_performance_points(session: Session, actor, row: RegisteredWorkType, points: int | None,
                           basis: str | None) -> bool:
    """The 主観点 from the firm's 工事成績評定 in this 業種, with what it was computed from (平均点・件数・年度), as
    the grading package computes it (None with no basis clears it: no grades to go by). The registry never reads
    the grades itself: the grading package writes here (DESIGN: reads never go upward). History per row; returns
    whether anything changed (an unchanged row writes nothing)."""
    check_editor(actor)
    basis = (basis or "").strip() or None
    errors: dict[str, list[str]] = {}
    if points is not None and (isinstance(points, bool) or not isinstance(points, int)
                               or not PERFORMANCE_MIN <= points <= PERFORMANCE_MAX):
        add_error(errors, "performance_points",
                  f"工事成績の主観点は {PERFORMANCE_MIN:,}〜{PERFORMANCE_MAX:,} の整数です（{points}）。")
    if points is not None and basis is None:
        add_error(errors, "performance_basis", "工事成績の主観点には根拠（平均点・件数・年度）を添えてください。")
    if basis is not None and len(basis) > BASIS_MAX:
        add_error(errors, "performance_basis", f"工事成績の主観点の根拠は {BASIS_MAX} 文字以内です（{len(basis)} 文字）。")
    if errors:
        raise ValidationFailed(errors)
    if (row.performance_points, row.performance_basis) == (points, basis):
        return False
    before = work_type_snapshot(row)
    row.performance_points, row.performance_basis = points, basis
    session.flush()
    contractor = row.registration.contractor
    record_change(session, actor, "registry.work_type.performance",
                  f"{contractor.name} {work_type_title(session, row.work_type_code)} 主観点（工事成績） "
                  f"{_points(before['performance_points'])} → {_points(points)}（{basis or '評定なし'}）",
                  target=row, before=before, after=work_type_snapshot(row))
    return True


def confirm_ranks(session: Session, actor, proposals: list[Proposal]) -> int:
    """Set each proposal's rank as confirmed (history per 業種); returns how many ranks were written.

    The rows are loaded in one query; the 業種 titles once."""
    if actor is not None:
        require(can_confirm_ranks(actor))
    if not proposals:
        return 0
    now = utcnow()
    titles = {code: f"{code} {wt.title}" for code, wt in work_types(session).items()}
    rows = {row.id: row for row in session.scalars(select(RegisteredWorkType).where(
        RegisteredWorkType.id.in_([p.work_type_id for p in proposals])))}
    for proposal in proposals:
        row = rows[proposal.work_type_id]
        before = work_type_snapshot(row)
        row.rank, row.rank_confirmed_at = proposal.proposed, now
        record_change(session, actor, "registry.rank.confirm",
                      f"{proposal.contractor_name} {titles.get(row.work_type_code, row.work_type_code)} "
                      f"格付 {proposal.current or '—'} → {proposal.proposed}（{proposal.reason}）",
                      target=row, before=before, after=work_type_snapshot(row), details={"reason": proposal.reason})
    session.flush()
    return len(proposals)


# --- bulk import (the legacy contractor import, CM12) ------------------------------------------------

def import_registration(writer: BulkWriter, contractor: Contractor, *, category: str, period: tuple) -> Registration:
    """The firm's registration in ``category`` for the ``(start, end)`` period, created when ``writer`` has
    none under ``(業者番号, category)``; a creation queues ``contractor.import_registration``."""
    number = contractor.number
    registration = writer.get(Registration, (number, category))
    if registration is None:
        registration = Registration(category=category, period_start=period[0], period_end=period[1])
        # Through the relationship: the flush orders the inserts, and an unloaded collection is not fetched.
        registration.contractor = contractor
        writer.add(Registration, (number, category), registration)
        writer.queue("contractor.import_registration", f"資格の登録（取込）: {number} {CATEGORIES[category]}",
                     registration, None, registration_snapshot)
    return registration


def import_work_type(writer: BulkWriter, registration: Registration, *, number: str, work_type_code: str,
                     rank: str | None, objective_points: int | None) -> RegisteredWorkType:
    """Create or update the 業種 of a registration with its imported 格付 and 総合評定値 (kept by ``writer``
    under ``(業者番号, category, code)``); ``contractor.import_work_type`` is queued (no row when unchanged)."""
    key = (number, registration.category, work_type_code)
    row = writer.get(RegisteredWorkType, key)
    before = None if row is None else work_type_snapshot(row)
    if row is None:
        row = RegisteredWorkType(work_type_code=work_type_code)
        row.registration = registration
        writer.add(RegisteredWorkType, key, row)
    row.rank, row.objective_points = rank, objective_points
    writer.queue("contractor.import_work_type", f"業種の登録（取込）: {number} {work_type_code}", row, before,
                 work_type_snapshot)
    return row
