"""The 主観点 from the 工事成績 (CM9): the rule's bands and minimum of works, the basis the registry shows, the window
of 年度, the write through the registry's service with history, the rank review and nomination that add it to the
総合点, the command and who may feed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.auth.roles import Role
from core.errors import PermissionDenied
from core.history import history_of
from core.rules import get_rule
from core.rules import services as rule_services
from core.timefmt import today
from grading.rules import USE_KEY
from grading.statistics import feed
from grading.works.models import GradedWork
from registry.qualifications.ranks import queries as rank_queries
from tests.bidding.conftest import doboku, kenchiku  # noqa: F401  (fixtures)
from tests.grading.stats_support import Y0, add_work, graded_set

D = Decimal
TODAY = today()


@pytest.fixture
def graded(db_session, create_contractor, doboku, kenchiku):  # noqa: F811
    return graded_set(db_session, create_contractor, doboku, kenchiku)


@pytest.fixture
def contract_staff(create_user):
    return create_user(Role.CONTRACT_STAFF)


def _rows(plan) -> dict:
    return {(r.contractor_number, r.work_type_code): (r.count, r.average, r.points, r.basis) for r in plan.rows}


class TestRule:
    @pytest.mark.parametrize(("average", "count", "points", "why"), [
        ("80.00", 3, 20, "80 点以上"), ("79.99", 3, 10, "75 点以上"), ("75.00", 5, 10, "75 点以上"),
        ("74.99", 3, 0, "60 点以上"), ("59.99", 4, -10, "60 点未満"), ("95.00", 2, 0, "3 件未満のため 0 点"),
        (None, 0, None, "評定なし"),
    ])
    def test_bands_and_the_minimum_of_works(self, db_session, average, count, points, why):
        rule = feed.use_rule(db_session, TODAY)
        assert feed.points_for(rule, D(average) if average else None, count) == (points, why)

    def test_a_new_rule_version_changes_bands_and_minimum(self, db_session, admin):
        values = get_rule(db_session, USE_KEY, TODAY)
        values["min_works"] = 2
        values["bands"] = {"top": {"label": "85 点以上", "min_average": "85", "points": 30},
                           "rest": {"label": "85 点未満", "min_average": "0", "points": 0}}
        rule_services.add_rule_version(db_session, admin, USE_KEY, date(2026, 12, 1), values, "要綱改正（テスト）")
        new, old = feed.use_rule(db_session, date(2026, 12, 1)), feed.use_rule(db_session, date(2026, 11, 30))
        assert feed.points_for(new, D("90"), 2) == (30, "85 点以上") and feed.points_for(new, D("84.99"), 2)[0] == 0
        assert feed.points_for(old, D("90"), 2) == (0, "3 件未満のため 0 点")

    def test_the_window_is_the_year_of_the_day_and_those_before(self):
        assert feed.window(date(2026, 3, 31), 2) == (2024, 2025)
        assert feed.window(date(2026, 4, 1), 2) == (2025, 2026)
        assert feed.window(date(2026, 4, 1), 1) == (2026, 2026)
        assert feed.window_label(2025, 2026) == "2025〜2026年度" and feed.window_label(2026, 2026) == "2026年度"


class TestPlan:
    def test_per_firm_and_registered_work_type(self, db_session, graded):
        plan = feed.plan_performance_points(db_session, TODAY)
        window = f"{Y0 - 1}〜{Y0}年度"
        assert (plan.first, plan.last) == (Y0 - 1, Y0)
        assert _rows(plan) == {
            # A in 010: 80, 70, 90 → 80.00 over 3 works (the submitted 99 never counts)
            ("810001", "010"): (3, D("80.00"), 20, f"{window}の評定 3 件・平均 80.00 点（80 点以上）"),
            # A is registered for 020 but has no work in it: no points
            ("810001", "020"): (0, None, None, None),
            # B in 020: 75 and 76.5 in the window (the 60 of Y0-2 is older) → 2 works, fewer than 3
            ("810002", "020"): (2, D("75.75"), 0, f"{window}の評定 2 件・平均 75.75 点（3 件未満のため 0 点）"),
        }

    def test_an_earlier_day_takes_an_earlier_window(self, db_session, graded):
        plan = feed.plan_performance_points(db_session, date(Y0, 3, 31))  # the last day of 年度 Y0-1
        assert (plan.first, plan.last) == (Y0 - 2, Y0 - 1)
        rows = _rows(plan)
        assert rows[("810001", "010")][:3] == (2, D("75.00"), 0)
        assert rows[("810002", "020")][:3] == (1, D("60.00"), 0)

    def test_works_completed_after_the_day_wait(self, db_session, graded):
        add_work(db_session, graded.b, graded.kenchiku, "020", Y0, 88, month=3, day=31)  # 31 March of Y0 + 1
        day = date(Y0 + 1, 3, 30)
        assert _rows(feed.plan_performance_points(db_session, day))[("810002", "020")][0] == 2
        assert _rows(feed.plan_performance_points(db_session, date(Y0 + 1, 3, 31)))[("810002", "020")][:3] == (
            3, D("79.83"), 10)  # (75 + 76.5 + 88) / 3 = 79.833…


class TestWrite:
    def test_feed_writes_through_the_registry_with_history(self, db_session, graded, contract_staff):
        assert feed.feed_performance_points(db_session, contract_staff, TODAY) == 2  # A/010 and B/020
        row = graded.a.registrations[0].work_types[0]
        db_session.refresh(row)
        assert row.work_type_code == "010" and row.performance_points == 20 and "平均 80.00 点" in row.performance_basis
        assert row.total_points == 1020
        [entry] = [h for h in history_of(db_session, "registered_work_types", row.id)
                   if h.operation == "registry.work_type.performance"]
        assert entry.change_map["performance_points"] == [None, 20] and entry.login_id == contract_staff.login_id
        assert feed.feed_performance_points(db_session, contract_staff, TODAY) == 0  # nothing changed since
        assert feed.plan_performance_points(db_session, TODAY).changes == []

    def test_a_new_grade_moves_the_points_and_the_rank_review(self, db_session, graded, contract_staff):
        """B gets a third work in the window: 75, 76.5 and 85 → 78.83, +10; 総合点 1,000 → 1,010 (B from 900)."""
        feed.feed_performance_points(db_session, contract_staff, TODAY)
        [before] = [p for p in rank_queries.propose_ranks(db_session, "construction", date(2025, 4, 1),
                                                          work_type_code="020") if p.contractor_number == "810002"]
        assert (before.performance_points, before.total) == (0, 1000)
        add_work(db_session, graded.b, graded.kenchiku, "020", Y0, 85)
        assert feed.feed_performance_points(db_session, contract_staff, TODAY) == 1
        [after] = [p for p in rank_queries.propose_ranks(db_session, "construction", date(2025, 4, 1),
                                                         work_type_code="020") if p.contractor_number == "810002"]
        assert (after.performance_points, after.total) == (10, 1010)
        assert after.performance_basis.endswith("3 件・平均 78.83 点（75 点以上）")

    def test_losing_every_work_of_the_window_clears_the_points(self, db_session, graded, contract_staff):
        feed.feed_performance_points(db_session, contract_staff, TODAY)
        for work in db_session.scalars(select(GradedWork).where(GradedWork.contractor_id == graded.b.id)):
            work.fiscal_year, work.completed_on = Y0 - 4, date(Y0 - 4, 6, 1)  # as a corrected past grade would
        db_session.flush()
        assert feed.feed_performance_points(db_session, contract_staff, TODAY) == 1
        row = graded.b.registrations[0].work_types[0]
        db_session.refresh(row)
        assert (row.performance_points, row.performance_basis, row.total_points) == (None, None, 1000)
        assert history_of(db_session, "registered_work_types", row.id)[-1].change_map["performance_points"] == [0, None]

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.DEPARTMENT_STAFF, Role.INSPECTOR])
    def test_only_the_contract_section_feeds(self, db_session, graded, create_user, role):
        with pytest.raises(PermissionDenied):
            feed.feed_performance_points(db_session, create_user(role), TODAY)
        assert graded.a.registrations[0].work_types[0].performance_points is None

    def test_nomination_eligibility_adds_the_points(self, db_session, graded, contract_staff, make_case):
        from bidding.nominations.eligibility import eligibility_rows

        feed.feed_performance_points(db_session, contract_staff, TODAY)
        case = make_case()  # nominated on 2026-05-15, in the registration's period
        [row] = [r for r in eligibility_rows(db_session, case, TODAY) if r.number == "810001"]
        assert (row.objective_points, row.performance_points, row.total_points) == (1000, 20, 1020)


class TestCommand:
    def test_dry_run_then_feed(self, app, db_session, graded):
        runner = app.test_cli_runner()
        dry = runner.invoke(args=["grading", "feed-points", "--dry-run", "--date", TODAY.isoformat()])
        assert dry.exit_code == 0, dry.output
        assert "うち 2 件が変わります" in dry.output and "810001 株式会社Ａ建設 010: — → +20" in dry.output
        assert "書き込んでいません" in dry.output
        assert graded.a.registrations[0].work_types[0].performance_points is None
        done = runner.invoke(args=["grading", "feed-points", "--date", TODAY.isoformat()])
        assert done.exit_code == 0 and "2 件の登録業種に反映しました" in done.output
        db_session.expire_all()
        assert graded.a.registrations[0].work_types[0].performance_points == 20

    def test_a_bad_date_is_refused(self, app, db_session):
        result = app.test_cli_runner().invoke(args=["grading", "feed-points", "--date", "令和8年2月30日"])
        assert result.exit_code == 2 and "基準日を読めません" in result.output


class TestWhatTheFeedLeavesAlone:
    def test_a_grade_settled_but_not_notified_does_not_count_yet(self, db_session, graded):
        add_work(db_session, graded.a, graded.doboku, "010", Y0, 40, state="settled", source="system")
        rows = _rows(feed.plan_performance_points(db_session, TODAY))
        assert rows[("810001", "010")][:3] == (3, D("80.00"), 20)  # the 40 waits for its notice

    def test_a_confirmed_rank_keeps_its_points(self, db_session, graded):
        row = next(w for w in graded.a.registrations[0].work_types if w.work_type_code == "010")
        row.rank_confirmed_at = datetime(2026, 4, 1, 9, 0)
        db_session.flush()
        rows = _rows(feed.plan_performance_points(db_session, TODAY))
        assert ("810001", "010") not in rows and ("810001", "020") in rows
