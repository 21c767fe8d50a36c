"""Writes of past grades (過去の評定の取込, SPEC GR5, CM12): a work graded in the legacy system, kept in the grade
database so that statistics and the 主観点 start with ten years of history.

A past grade is public already: it is stored 通知済 with its 評定点 and source ``import``. It is keyed by its 契約番号
(or the legacy 工事番号); a re-import updates what differs and never duplicates. A work graded in this system
(source ``system``) is never written here. When a contract of that number is in the system (the legacy case
import makes them), the work is linked to it. The import kind (``importers.py``) calls these services through a
``core.history.BulkWriter``: one flush per chunk, history per work.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import ValidationFailed, require
from core.history import BulkWriter, register_fields

from .models import GradedWork


@dataclass(frozen=True)
class PastGrade:
    """A past grade as one row of the legacy export makes it; equal to ``as_past_grade`` of a work it leaves
    unchanged."""

    contract_number: str
    name: str
    contractor_id: int
    department_id: int
    work_type_code: str
    contract_amount: int
    completed_on: date
    fiscal_year: int
    final_score: Decimal
    #: The contract of that number in this system, if any.
    contract_id: int | None


#: The work's own columns a past grade sets (all of ``PastGrade`` but the key).
GRADE_FIELDS = tuple(f.name for f in fields(PastGrade) if f.name != "contract_number")


def as_past_grade(work: GradedWork) -> PastGrade:
    return PastGrade(contract_number=work.contract_number, **{name: getattr(work, name) for name in GRADE_FIELDS})


def past_grade_snapshot(work: GradedWork) -> dict:
    """What the 履歴 of an imported work shows (the grading sheets' fields stay those of ``work_snapshot``)."""
    return {"name": work.name, "contractor_id": work.contractor_id, "department_id": work.department_id,
            "work_type_code": work.work_type_code, "contract_amount": work.contract_amount,
            "completed_on": work.completed_on.isoformat() if work.completed_on else None,
            "fiscal_year": work.fiscal_year,
            "final_score": str(work.final_score) if work.final_score is not None else None,
            "contract_id": work.contract_id, "state": work.state, "source": work.source}


def _check_importer(actor) -> None:
    from bidding.cases.permissions import is_contract_section

    require(actor is None or is_contract_section(actor), "過去の評定を取り込めるのは契約課の職員です。")


def import_past_grade(writer: BulkWriter, target: PastGrade) -> GradedWork:
    """Create the work of ``target`` or bring the stored imported one up to it (``writer`` holds the chunk's works
    under their 契約番号; history queued, no flush).

    :raises ValidationFailed: the number belongs to a work graded in this system (the kind refuses such rows
        before writing; this keeps the rule where the write is)."""
    _check_importer(writer.actor)
    values = {name: getattr(target, name) for name in GRADE_FIELDS}
    work = writer.get(GradedWork, target.contract_number)
    if work is None:
        work = GradedWork(contract_number=target.contract_number, source="import", state="notified", **values)
        writer.add(GradedWork, target.contract_number, work)
        writer.queue("grading.import", f"過去の評定を取込: {target.contract_number} {target.name} "
                     f"{target.final_score} 点", work, None, past_grade_snapshot)
        return work
    if work.source != "import":
        raise ValidationFailed({"contract_number": [
            f"契約番号「{work.contract_number}」は本システムで評定した工事です（取込では更新しません）。"]})
    before = past_grade_snapshot(work)
    for name, value in values.items():
        if getattr(work, name) != value:
            setattr(work, name, value)
    writer.queue("grading.import_update", f"過去の評定を更新（取込）: {target.contract_number} {target.name} "
                 f"{target.final_score} 点", work, before, past_grade_snapshot)
    return work


def mark_import_batch(session: Session, actor, work_ids: list[int], batch) -> int:
    """Link the works a committed import created or changed to its batch (bookkeeping: no history row; the
    batch is the record of the import). Returns how many were linked."""
    _check_importer(actor)
    linked = 0
    for start in range(0, len(work_ids), 1000):
        result = session.execute(update(GradedWork).where(GradedWork.id.in_(work_ids[start:start + 1000]),
                                                          GradedWork.source == "import")
                                 .values(import_batch_id=batch.id).execution_options(synchronize_session=False))
        linked += result.rowcount
    return linked


def _firm(firm_id) -> str:
    from core.db import db
    from registry.contractors.models import Contractor

    firm = db.session.get(Contractor, firm_id)
    return f"{firm.number} {firm.name}" if firm else f"#{firm_id}"


def _department(department_id) -> str:
    from core.auth.models import Department
    from core.db import db

    department = db.session.get(Department, department_id)
    return department.name if department else f"#{department_id}"


def register_labels() -> None:
    register_fields("graded_works", {
        "name": "工事名", "contractor_id": "受注者", "department_id": "担当課", "work_type_code": "業種",
        "contract_amount": "最終契約金額", "completed_on": "完成日", "fiscal_year": "年度", "contract_id": "契約",
        "source": "登録の方法"}, {"contractor_id": _firm, "department_id": _department,
                              "contract_amount": lambda v: f"{v:,}円" if isinstance(v, int) else v})
    register_operations({"grading.import": "過去の評定の取込", "grading.import_update": "過去の評定の更新（取込）"}, {})
