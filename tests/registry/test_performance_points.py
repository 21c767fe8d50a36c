"""The 主観点 from the 工事成績 (CM9) on the registry's side: the service the grading package writes through, with
its checks and history, the 総合点 that adds it, and the screens that show it with its basis."""

from __future__ import annotations

from datetime import date

import pytest

from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.history import history_of
from registry.qualifications.models import RegisteredWorkType
from registry.qualifications.ranks import queries as rank_queries
from registry.qualifications.ranks.services import set_performance_points
from tests.helpers import page_text

BASIS = "2025〜2026年度の評定 3 件・平均 81.33 点（80 点以上）"


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF)


@pytest.fixture
def row(db_session, create_contractor) -> RegisteredWorkType:
    firm = create_contractor("成績建設株式会社", work_types={"010": "B"})
    row = firm.registrations[0].work_types[0]
    row.objective_points, row.subjective_points = 1090, 0
    db_session.flush()
    return row


def test_sets_points_and_basis_with_history(db_session, staff, row):
    assert set_performance_points(db_session, staff, row, 20, BASIS) is True
    assert (row.performance_points, row.performance_basis) == (20, BASIS)
    assert row.total_points == 1110  # 1,090 + 0 + 20
    [entry] = [h for h in history_of(db_session, "registered_work_types", row.id)
               if h.operation == "registry.work_type.performance"]
    assert entry.change_map == {"performance_points": [None, 20], "performance_basis": [None, BASIS]}
    assert "成績建設株式会社" in entry.summary and "未設定 → 20" in entry.summary


def test_unchanged_writes_nothing_and_none_clears(db_session, staff, row):
    set_performance_points(db_session, staff, row, 20, BASIS)
    count = len(history_of(db_session, "registered_work_types", row.id))
    assert set_performance_points(db_session, staff, row, 20, f"  {BASIS} ") is False
    assert len(history_of(db_session, "registered_work_types", row.id)) == count
    assert set_performance_points(db_session, None, row, None, None) is True  # the command line clears it
    assert (row.performance_points, row.performance_basis, row.total_points) == (None, None, 1090)
    assert history_of(db_session, "registered_work_types", row.id)[-1].change_map["performance_points"] == [20, None]


@pytest.mark.parametrize(("points", "basis", "field"), [
    (2001, BASIS, "performance_points"), (-1001, BASIS, "performance_points"), (True, BASIS, "performance_points"),
    (10, None, "performance_basis"), (10, "あ" * 201, "performance_basis"),
])
def test_refuses_bad_values_and_changes_nothing(db_session, staff, row, points, basis, field):
    with pytest.raises(ValidationFailed) as caught:
        set_performance_points(db_session, staff, row, points, basis)
    assert field in caught.value.errors and "工事成績の主観点" in caught.value.errors[field][0]
    assert (row.performance_points, row.performance_basis) == (None, None)


def test_only_the_registry_editors_write(db_session, create_user, row):
    for role in (Role.VIEWER, Role.DEPARTMENT_STAFF, Role.INSPECTOR):
        with pytest.raises(PermissionDenied):
            set_performance_points(db_session, create_user(role), row, 20, BASIS)
    assert row.performance_points is None


def test_rank_review_adds_the_points_to_the_total(db_session, staff, row):
    """1,090 is B for 土木一式 (A from 1,100); the 工事成績's +20 makes 1,110, A."""
    [before] = rank_queries.propose_ranks(db_session, "construction", date(2025, 4, 1), work_type_code="010")
    assert (before.total, before.proposed) == (1090, "B")
    set_performance_points(db_session, staff, row, 20, BASIS)
    [after] = rank_queries.propose_ranks(db_session, "construction", date(2025, 4, 1), work_type_code="010")
    assert (after.performance_points, after.performance_basis, after.total, after.proposed) == (20, BASIS, 1110, "A")
    assert "1,110" in after.reason


def test_review_and_ranks_tab_show_the_points_with_their_basis(db_session, staff, row, login_as):
    set_performance_points(db_session, staff, row, 20, BASIS)
    client = login_as(staff)
    review = page_text(client.get("/registry/ranks/review?category=construction&start_year=2025&work_type=010"))
    assert "工事成績による主観点" in review and "+20" in review and BASIS in review and "1,110" in review
    contractor_id = row.registration.contractor_id
    tab = page_text(client.get(f"/registry/contractors/{contractor_id}/ranks"))
    assert "+20" in tab and BASIS in tab and "1,110" in tab
    detail = page_text(client.get(f"/registry/contractors/{contractor_id}"))
    assert "工事成績による主観点" in detail and "+20" in detail
