"""A small grade database whose figures are computed by hand in the tests (SPEC GR5, CM9).

Years are relative to the current 年度 (``Y0``) so that the recent window of the ``grading.use`` rule (the 年度 of
today and the one before) holds the works it should whatever the day the tests run:

    firm A (010 土木一式, registered for 010 and 020), 土木課:  Y0-1: 80, 70   Y0: 90
    firm B (020 建築一式, registered for 020), 建築課:          Y0-2: 60       Y0: 75, 76.5
    plus works that never count: a submitted (not settled) one of A scoring 99, a pending one of B.

    all six:  60 70 75 76.5 80 90 → mean 451.5 / 6 = 75.25, median (75 + 76.5) / 2 = 75.75
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.jp import fiscal_year
from core.timefmt import today
from grading.works.models import GradedWork

Y0 = fiscal_year(today())


@dataclass
class Graded:
    a: object
    b: object
    doboku: object
    kenchiku: object


def add_work(session, contractor, department, code: str, year: int, score, *, state: str = "notified",
             source: str = "import", number: str | None = None, month: int = 4, day: int = 1) -> GradedWork:
    """A graded work completed on ``day``/``month`` of 年度 ``year`` (inserted directly: the figures are tested,
    not the grading services)."""
    completed = date(year if month >= 4 else year + 1, month, day)
    work = GradedWork(contract_number=number or f"T{year}-{session.info.setdefault('seq', 0) + 1:04d}",
                      name=f"{contractor.name}の工事", contractor_id=contractor.id, department_id=department.id,
                      work_type_code=code, contract_amount=10_000_000, completed_on=completed,
                      fiscal_year=fiscal_year(completed), state=state, source=source,
                      final_score=Decimal(str(score)) if score is not None else None)
    session.info["seq"] = session.info.get("seq", 0) + 1
    session.add(work)
    session.flush()
    return work


def graded_set(session, create_contractor, doboku, kenchiku) -> Graded:
    a = create_contractor("株式会社Ａ建設", number="810001", work_types={"010": "B", "020": "C"})
    b = create_contractor("株式会社Ｂ工務店", number="810002", work_types={"020": "B"})
    for row in a.registrations[0].work_types + b.registrations[0].work_types:
        row.objective_points = 1000
    add_work(session, a, doboku, "010", Y0 - 1, 80)
    add_work(session, a, doboku, "010", Y0 - 1, 70, month=9)
    add_work(session, a, doboku, "010", Y0, 90)
    add_work(session, b, kenchiku, "020", Y0 - 2, 60)
    add_work(session, b, kenchiku, "020", Y0, 75)
    add_work(session, b, kenchiku, "020", Y0, "76.5")
    add_work(session, a, doboku, "010", Y0, 99, state="submitted", source="system")
    add_work(session, b, kenchiku, "020", Y0, None, state="pending", source="system")
    return Graded(a, b, doboku, kenchiku)
