"""The statistics screens (GR5, CM9): what each shows of the hand-computed set, the charts (SVG with title, desc and
values, no script), the filters' messages, the CSV/Excel downloads, the department scope, the 優良工事 candidates
and the 主観点 feed (a dry view, then apply; a stale view is refused), and who may open what."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from tests.bidding.conftest import doboku, kenchiku  # noqa: F401  (fixtures)
from tests.grading.stats_support import Y0, graded_set
from tests.helpers import page_text

BASE = "/grading/statistics"


@pytest.fixture
def graded(db_session, create_contractor, doboku, kenchiku):  # noqa: F811
    return graded_set(db_session, create_contractor, doboku, kenchiku)


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


class TestOverview:
    def test_figures_tables_and_charts(self, graded, staff_client):
        html = page_text(staff_client.get(BASE))
        assert "集計（6 件）" in html and "75.25" in html and "75.75" in html
        assert "010 土木一式工事" in html and "70.50" in html and "土木課" in html and "33.3" in html
        svgs = re.findall(r"<svg[^>]*role=\"img\"[^>]*>.*?</svg>", html, re.S)
        assert len(svgs) == 4 and "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
        for svg in svgs:
            assert "<title id=" in svg and "<desc id=" in svg and "aria-labelledby" in svg
        trend = next(s for s in svgs if "平均点の推移" in s)
        assert "80.50" in trend and "75.00" in trend  # the means of 年度 Y0 and Y0-1, written beside their points

    def test_filters_narrow_and_explain_bad_input(self, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}?year_from={Y0 - 1}&work_type=020"))
        assert "集計（2 件）" in html and "75.75" in html
        bad = page_text(staff_client.get(f"{BASE}?year_from={Y0}&year_to={Y0 - 1}"))
        assert "年度（まで）は年度（から）以後の年度にしてください。" in bad
        unknown = page_text(staff_client.get(f"{BASE}?contractor=999999"))
        assert "業者番号「999999」の業者は登録されていません。" in unknown and "集計（0 件）" in unknown
        assert "集計（3 件）" in page_text(staff_client.get(f"{BASE}?contractor=810002"))

    def test_each_table_downloads_as_csv_and_excel(self, db_session, graded, staff_client):
        rows = _csv(staff_client.get(f"{BASE}?export=years&format=csv"))
        assert rows[0] == ["年度", "件数", "平均点", "中央値", "最低点", "最高点"]
        assert rows[-1][1:] == ["3", "80.50", "76.50", "75.0", "90.0"]
        bands = _csv(staff_client.get(f"{BASE}?export=bands&format=csv"))
        assert bands[1] == ["60〜64.9点", "1", "16.7"]
        workbook = load_workbook(io.BytesIO(staff_client.get(f"{BASE}?export=work_types&format=xlsx").get_data()))
        sheet = workbook.active
        assert [c.value for c in sheet[2]] == ["010 土木一式工事", 3, 80, 80, 70, 90]  # numbers, not text
        assert staff_client.get(f"{BASE}?export=nothing&format=csv").status_code == 404
        db_session.expire_all()
        entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert entry.operation == "data.export" and "評定の統計（業種別）" in entry.summary

    def test_department_staff_see_their_department(self, graded, create_user, login_as):
        client = login_as(create_user(Role.DEPARTMENT_STAFF, department=graded.kenchiku))
        html = page_text(client.get(BASE))
        assert "集計（3 件）" in html and "自分の課の工事の評定だけ" in html and "土木課" not in html
        assert "主観点への反映" not in html
        rows = _csv(client.get(f"{BASE}/contractors?export=contractors&format=csv"))
        assert [r[0] for r in rows[1:]] == ["810002"]


class TestContractors:
    def test_table_sorted_with_the_recent_window(self, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}/contractors?sort=recent"))
        assert html.index("株式会社Ａ建設") < html.index("株式会社Ｂ工務店")
        rows = _csv(staff_client.get(f"{BASE}/contractors?sort=recent&export=contractors&format=csv"))
        assert rows[0][-2:] == [f"直近（{Y0 - 1}〜{Y0}年度）の件数", f"直近（{Y0 - 1}〜{Y0}年度）の平均点"]
        assert rows[1] == ["810001", "株式会社Ａ建設", "3", "80.00", "80.00", "70.0", "90.0", "3", "80.00"]
        assert rows[2] == ["810002", "株式会社Ｂ工務店", "3", "70.50", "75.00", "60.0", "76.5", "2", "75.75"]

    def test_a_firm_page(self, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}/contractors/{graded.b.id}"))
        assert "株式会社Ｂ工務店" in html and f"直近（{Y0 - 1}〜{Y0}年度）" in html and "75.75" in html
        assert "2 件の平均" in html and "評定した工事（3 件）" in html and "chart-firm-trend" in html
        works = _csv(staff_client.get(f"{BASE}/contractors/{graded.b.id}?export=works&format=csv"))
        assert [r[9] for r in works[1:]] == ["75.0", "76.5", "60.0"]  # newest completion first
        assert staff_client.get(f"{BASE}/contractors/999999").status_code == 404

    def test_a_firm_page_in_another_department_shows_no_works(self, graded, create_user, login_as):
        client = login_as(create_user(Role.DEPARTMENT_STAFF, department=graded.kenchiku))
        html = page_text(client.get(f"{BASE}/contractors/{graded.a.id}"))
        assert "評定した工事（0 件）" in html and "90.0" not in html


class TestCommendations:
    def test_works_at_or_over_the_threshold(self, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}/commendations?fiscal_year={Y0}"))
        assert "（80 点）以上" in html and "全 1 件" in html and "90.0" in html
        rows = _csv(staff_client.get(f"{BASE}/commendations?fiscal_year={Y0 - 1}&export=commendations&format=csv"))
        assert len(rows) == 2 and rows[1][2] == "810001" and rows[1][9] == "80.0"


class TestFeed:
    def test_dry_view_then_apply(self, db_session, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}/feed"))
        assert "変わる登録業種（2 件／対象 3 件）" in html and "2 件を反映する" in html
        assert "平均 80.00 点（80 点以上）" in html and "3 件未満のため 0 点" in html
        digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
        day = re.search(r'name="day" value="([0-9-]+)"', html).group(1)
        response = staff_client.post(f"{BASE}/feed", data={"day": day, "digest": digest})
        assert response.status_code == 302
        db_session.expire_all()
        assert graded.a.registrations[0].work_types[0].performance_points == 20
        assert "反映で変わる登録業種はありません" in page_text(staff_client.get(response.location))

    def test_a_stale_view_is_refused(self, db_session, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}/feed"))
        day = re.search(r'name="day" value="([0-9-]+)"', html).group(1)
        response = staff_client.post(f"{BASE}/feed", data={"day": day, "digest": "0" * 16})
        assert response.status_code == 409 and "表示し直してから" in page_text(response)
        db_session.expire_all()
        assert graded.a.registrations[0].work_types[0].performance_points is None
        assert staff_client.post(f"{BASE}/feed", data={"digest": "x"}).status_code == 400

    def test_another_day_is_shown(self, graded, staff_client):
        html = page_text(staff_client.get(f"{BASE}/feed?day={Y0}-03-31"))
        assert f"（{Y0 - 2}〜{Y0 - 1}年度）" in html


class TestAccess:
    @pytest.mark.parametrize("role", [Role.INSPECTOR, Role.APPLICANT])
    def test_roles_without_statistics(self, graded, create_user, login_as, role):
        client = login_as(create_user(role))
        for url in (BASE, f"{BASE}/contractors", f"{BASE}/contractors/{graded.a.id}", f"{BASE}/commendations"):
            assert client.get(url).status_code == 403

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.DEPARTMENT_STAFF])
    def test_only_the_contract_section_feeds(self, graded, create_user, login_as, role):
        client = login_as(create_user(role))
        assert client.get(BASE).status_code == 200
        assert client.get(f"{BASE}/feed").status_code == 403
        assert client.post(f"{BASE}/feed", data={"day": "2026-12-01", "digest": "x"}).status_code == 403

    def test_anonymous_goes_to_login(self, client):
        assert client.get(BASE).status_code == 302
