"""Statistics of the grade database (GR5) against figures computed by hand: exact means and medians, the 5-point
bands, the groups per 年度, 業種 and 担当課, the firms' recent averages, the filters and the department scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.auth.roles import Role
from core.timefmt import today
from grading.statistics import figures, firms, queries
from grading.statistics.queries import Filters
from tests.bidding.conftest import doboku, kenchiku  # noqa: F401  (fixtures)
from tests.grading.stats_support import Y0, add_work, graded_set

D = Decimal


@pytest.fixture
def graded(db_session, create_contractor, doboku, kenchiku):  # noqa: F811
    return graded_set(db_session, create_contractor, doboku, kenchiku)


@pytest.fixture
def viewer(create_user):
    return create_user(Role.VIEWER)


class TestFigures:
    def test_mean_is_exact_and_rounds_half_up(self):
        # 80.1 + 80 + 80 + 80 = 320.1 → 80.025 exactly, 80.03 half-up (binary floating point gives 80.02).
        assert figures.mean_of(801 + 800 + 800 + 800, 4) == D("80.03")
        assert figures.mean_of(2 * 800 + 751, 3) == D("78.37")  # 235.1 / 3 = 78.366…
        assert figures.mean_of(0, 0) is None

    def test_median_of_odd_and_even_counts(self):
        assert figures.median_of([600, 700, 765]) == D("70.00")
        assert figures.median_of([600, 700, 765, 800]) == D("73.25")
        assert figures.median_of([]) is None

    @pytest.mark.parametrize(("score", "band"), [("0", 0), ("4.9", 0), ("64.9", 60), ("65", 65), ("69.9", 65),
                                                 ("94.9", 90), ("95", 95), ("100", 95)])
    def test_bands_of_five_points(self, score, band):
        assert figures.band_of(figures.tenths(D(score))) == band

    def test_band_labels(self):
        assert figures.band_label(65) == "65〜69.9点" and figures.band_label(95) == "95〜100点"

    def test_summary_of_a_small_set(self):
        assert figures.summary([600, 700, 750, 765, 800, 900]) == {
            "count": 6, "mean": D("75.25"), "median": D("75.75"), "min": D("60.0"), "max": D("90.0")}


class TestGroups:
    def test_only_settled_grades_count(self, db_session, graded, viewer):
        frame = queries.grade_frame(db_session, viewer, Filters())
        assert sorted(frame["tenths"]) == [600, 700, 750, 765, 800, 900]  # not the submitted 99 nor the pending one
        total = queries.overall(frame)
        assert (total.count, total.mean, total.median, total.minimum, total.maximum) == (
            6, D("75.25"), D("75.75"), D("60.0"), D("90.0"))

    def test_per_fiscal_year_with_an_empty_year_listed(self, db_session, graded, viewer):
        add_work(db_session, graded.a, graded.doboku, "010", Y0 - 4, 85)
        frame = queries.grade_frame(db_session, viewer, Filters())
        years = queries.year_range(frame, Filters())
        assert years == [Y0 - 4, Y0 - 3, Y0 - 2, Y0 - 1, Y0]
        rows = {f.key: (f.count, f.mean, f.median, f.minimum, f.maximum)
                for f in queries.figures_by(frame, "fiscal_year", keys=years)}
        assert rows == {Y0 - 4: (1, D("85.00"), D("85.00"), D("85.0"), D("85.0")),
                        Y0 - 3: (0, None, None, None, None),
                        Y0 - 2: (1, D("60.00"), D("60.00"), D("60.0"), D("60.0")),
                        Y0 - 1: (2, D("75.00"), D("75.00"), D("70.0"), D("80.0")),
                        Y0: (3, D("80.50"), D("76.50"), D("75.0"), D("90.0"))}  # (90 + 75 + 76.5) / 3

    def test_per_work_type_and_department(self, db_session, graded, viewer):
        frame = queries.grade_frame(db_session, viewer, Filters())
        by_type = {f.key: (f.label, f.count, f.mean, f.median) for f in
                   queries.figures_by(frame, "work_type_code", queries.work_type_labels(db_session))}
        assert by_type == {"010": ("010 土木一式工事", 3, D("80.00"), D("80.00")),
                           "020": ("020 建築一式工事", 3, D("70.50"), D("75.00"))}  # 211.5 / 3
        by_department = {f.label: f.count for f in
                         queries.figures_by(frame, "department_id", queries.department_labels(db_session))}
        assert by_department == {"土木課": 3, "建築課": 3}

    def test_bands_from_the_lowest_to_the_highest_with_shares(self, db_session, graded, viewer):
        bands = queries.bands(queries.grade_frame(db_session, viewer, Filters()))
        assert [(b.lower, b.count, b.share) for b in bands] == [
            (60, 1, D("16.7")), (65, 0, D("0.0")), (70, 1, D("16.7")), (75, 2, D("33.3")), (80, 1, D("16.7")),
            (85, 0, D("0.0")), (90, 1, D("16.7"))]
        assert bands[3].label == "75〜79.9点"

    def test_filters(self, db_session, graded, viewer):
        def scores(**kw):
            return sorted(queries.grade_frame(db_session, viewer, Filters(**kw))["tenths"])

        assert scores(year_from=Y0 - 1) == [700, 750, 765, 800, 900]
        assert scores(year_from=Y0 - 2, year_to=Y0 - 1) == [600, 700, 800]
        assert scores(work_type_code="020") == [600, 750, 765]
        assert scores(department_id=graded.doboku.id) == [700, 800, 900]
        assert scores(contractor_id=graded.b.id) == [600, 750, 765]
        assert scores(contractor_id=graded.b.id, year_to=Y0 - 3) == []

    def test_department_staff_see_their_department_only(self, db_session, graded, create_user):
        staff = create_user(Role.DEPARTMENT_STAFF, department=graded.kenchiku)
        frame = queries.grade_frame(db_session, staff, Filters())
        assert sorted(frame["tenths"]) == [600, 750, 765]
        assert queries.grade_frame(db_session, staff, Filters(department_id=graded.doboku.id)).empty
        assert queries.department_choices(db_session, staff) == [(graded.kenchiku.id, "建築課")]
        assert queries.known_years(db_session, staff) == [Y0, Y0 - 2]


class TestFirms:
    def test_firm_table_with_the_recent_window(self, db_session, graded, viewer):
        frame = queries.grade_frame(db_session, viewer, Filters())
        rows = firms.firm_table(db_session, frame, Y0 - 1, Y0, sort="recent")
        assert [(r.number, r.figures.count, r.figures.mean, r.recent_count, r.recent_mean) for r in rows] == [
            ("810001", 3, D("80.00"), 3, D("80.00")), ("810002", 3, D("70.50"), 2, D("75.75"))]
        by_count_then_mean = firms.firm_table(db_session, frame, Y0, Y0, sort="count")
        assert [(r.number, r.recent_count, r.recent_mean) for r in by_count_then_mean] == [
            ("810001", 1, D("90.00")), ("810002", 2, D("75.75"))]  # 3 works each: the higher mean first

    def test_the_recent_window_follows_the_rule(self, db_session):
        first, last, rule = firms.recent_window(db_session, date(2026, 3, 31))
        assert (first, last, rule.years, rule.min_works) == (2024, 2025, 2, 3)

    def test_work_rows_and_commendations(self, db_session, graded, viewer):
        rows = firms.work_rows(db_session, viewer, Filters(contractor_id=graded.a.id))
        assert [r.final_score for r in rows] == [D("90.0"), D("70.0"), D("80.0")]  # newest completion first
        threshold, candidates = firms.commendation_candidates(db_session, viewer, Y0, today())
        assert threshold == D("80") and [(c.contractor_number, c.final_score) for c in candidates] == [
            ("810001", D("90.0"))]
        _t, last_year = firms.commendation_candidates(db_session, viewer, Y0 - 1, today())
        assert [c.final_score for c in last_year] == [D("80.0")]  # 80 is the threshold itself
