"""Fixtures of the notification and 説明請求 tests (import them into a test module): the work of ``conftest`` graded by
its three graders and settled on 2027-01-05 (JST), notified on 2027-01-06 — so its 説明請求 period ends on
2027-01-19 (14 days, the day of the notice counted, MLIT) — and an applicant login of the firm."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.auth.roles import Role
from grading.notices import services as notices
from grading.works import services as works
from tests.grading.test_works_services import _grade_all

SETTLED_AT = datetime(2027, 1, 5, 1, 0)  # UTC: 10:00 on 2027-01-05 in Japan
NOTIFIED_ON = date(2027, 1, 6)
REQUEST_DEADLINE = date(2027, 1, 19)


def clock(monkeypatch, day: date) -> None:
    """Move ``core.timefmt.today`` (what views and services read as today) to ``day`` (noon in Japan)."""
    monkeypatch.setattr("core.db.utcnow", lambda: datetime(day.year, day.month, day.day, 3, 0))


@pytest.fixture
def settled(db_session, work, chief, general, inspector):
    _grade_all(db_session, work, chief, general, inspector)
    works.settle_work(db_session, general, work, now=SETTLED_AT)
    return work


@pytest.fixture
def notified(db_session, settled, contract_staff):
    notices.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, today=NOTIFIED_ON)
    return settled


@pytest.fixture
def applicant_of(db_session, create_user):
    """Factory: an applicant login of ``firm`` (its account carries the firm's 業者番号, as an accepted application
    leaves it)."""
    from core.db import utcnow
    from registry.applications.models import ApplicantAccount

    def _make(firm, email: str):
        user = create_user(Role.APPLICANT, login_id=email.replace("@", "."), name=firm.name)
        db_session.add(ApplicantAccount(user_id=user.id, firm_name=firm.name, email=email,
                                        email_confirmed_at=utcnow(), contractor_number=firm.number))
        db_session.flush()
        return user

    return _make
