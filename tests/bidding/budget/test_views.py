"""Budget screens, thinly: who sees which lines (role and department), the list's totals and exports, a line's
detail with its import history and 履歴, and no raw program values on the pages."""

from __future__ import annotations

import csv
import io

import pytest
from jinja2 import ChoiceLoader, DictLoader
from openpyxl import load_workbook
from sqlalchemy import select

from bidding.budget import views
from bidding.budget.models import BudgetLine
from core.auth.roles import Role
from core.rules.catalogue import definitions
from tests.bidding.budget.conftest import encode, make_line, sample_lines
from tests.helpers import page_text
from tests.test_raw_values import raw_findings

LIST = "/bidding/budget"


def _line_of(session, department) -> BudgetLine:
    return session.scalars(select(BudgetLine).where(BudgetLine.department_id == department.id)
                           .order_by(BudgetLine.id)).first()


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


class TestWhoSeesWhat:
    @pytest.mark.parametrize("role", [Role.CONTRACT_STAFF, Role.SYSTEM_ADMIN, Role.VIEWER])
    def test_city_wide_roles_see_every_department(self, imported, departments, create_user, login_as, role):
        html = page_text(login_as(create_user(role)).get(LIST))
        assert "全 27 件" in html and "農林漁港整備課" in html and "教育総務課" in html

    @pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.INSPECTOR])
    def test_department_bound_roles_see_their_own_lines(self, db_session, imported, departments, create_user,
                                                        login_as, role):
        client = login_as(create_user(role, department=departments["110"]))
        html = page_text(client.get(LIST))
        assert "全 3 件" in html and "土木課" in html and "教育総務課" not in html
        other = _line_of(db_session, departments["410"])
        assert client.get(f"{LIST}/{other.id}").status_code == 404
        assert client.get(f"{LIST}/{other.id}/history").status_code == 404
        own = _line_of(db_session, departments["110"])
        assert client.get(f"{LIST}/{own.id}").status_code == 200
        body = client.get(f"{LIST}?format=csv").get_data().decode("utf-8-sig")
        assert [row[15] for row in csv.reader(io.StringIO(body))][1:] == ["110"] * 3

    def test_a_filter_on_another_department_shows_nothing_of_it(self, imported, departments, create_user, login_as):
        client = login_as(create_user(Role.DEPARTMENT_STAFF, department=departments["110"]))
        html = page_text(client.get(f"{LIST}?department={departments['410'].id}"))
        assert "教育総務課" not in html and "全 3 件" in html

    def test_applicants_are_refused(self, imported, login_as, create_user):
        client = login_as(create_user(Role.APPLICANT))
        assert client.get(LIST).status_code == 403

    def test_only_administrators_get_the_import_button(self, imported, admin_client, staff_client):
        assert "予算を取り込む" in page_text(admin_client.get(LIST))
        assert "予算を取り込む" not in page_text(staff_client.get(LIST))


class TestList:
    def test_grouped_list_with_subtotals(self, imported, staff_client):
        html = page_text(staff_client.get(LIST))
        assert "令和7年度の合計（27 科目）" in html and "13,902,651,000円" in html
        assert "款 08 土木費 計" in html and "（9 科目）" in html and "5,072,730,000" in html
        assert "配当額" not in html  # the sample has no 配当額: no empty column

    def test_level_totals(self, imported, staff_client):
        html = page_text(staff_client.get(f"{LIST}?level=chapter"))
        assert "全 3 件" in html and "款 10 教育費" in html and "4,671,442,000" in html

    def test_sorted_by_remaining_without_subtotals(self, imported, staff_client):
        html = page_text(staff_client.get(f"{LIST}?sort=-remaining"))
        assert "小計は表示していません" in html and "款 08 土木費 計" not in html
        assert html.index("793,664,000") < html.index("631,211,000")

    def test_second_page_says_its_groups_continue(self, app, imported, staff_client, monkeypatch):
        monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
        html = page_text(staff_client.get(f"{LIST}?page=2"))
        assert "全 27 件中 6〜10 件を表示" in html and "（前のページから続く）" in html

    def test_absent_filter_and_badge(self, imported, run, staff_client):
        lines = sample_lines()
        del lines[7]
        run(encode(lines))
        html = page_text(staff_client.get(f"{LIST}?absent=absent"))
        assert "全 1 件" in html and "最新の取込になし" in html

    def test_csv_and_excel_exports(self, imported, staff_client):
        body = staff_client.get(f"{LIST}?format=csv&chapter=08").get_data().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0][:5] == ["年度", "会計", "会計名", "款", "款名"] and len(rows) == 10
        book = load_workbook(io.BytesIO(staff_client.get(f"{LIST}?format=xlsx").get_data()))
        assert book.sheetnames == ["予算科目", "集計"]
        assert book["予算科目"].max_row == 28 and isinstance(book["予算科目"].cell(2, 18).value, int)
        assert book["集計"].cell(2, 1).value == "会計" and book["集計"].cell(2, 9).value == 13902651000

    def test_empty_state(self, staff_client):
        assert "予算科目はまだありません" in page_text(staff_client.get(LIST))


class TestDetail:
    def test_amounts_import_history_and_absent_notice(self, db_session, imported, run, departments, staff_client):
        line = _line_of(db_session, departments["110"])
        lines = sample_lines()
        del lines[[i for i, text in enumerate(lines) if text.split(",")[9] == "110"][0]]
        run(encode(lines), file_name="budget_2025_10.csv")
        html = page_text(staff_client.get(f"{LIST}/{line.id}"))
        assert "719,337,000円" in html and "の取込（同じ年度のファイル）にこの科目はありませんでした" in html
        assert "budget_2025_10.csv" in html and "ファイルになし" in html and "新規" in html

    def test_history_tab_lists_the_changes(self, db_session, imported, run, departments, staff_client):
        line = _line_of(db_session, departments["120"])
        lines = sample_lines()
        number = next(i for i, text in enumerate(lines) if text.split(",")[9] == "120")
        cells = lines[number].split(",")
        cells[12], cells[13] = str(int(cells[12]) + 1000), str(int(cells[13]) - 1000)
        lines[number] = ",".join(cells)
        run(encode(lines))
        html = page_text(staff_client.get(f"{LIST}/{line.id}/history"))
        assert "予算科目を更新（取込）" in html and "執行済額" in html and f"{int(cells[12]):,}円" in html

    def test_other_aggregates_add_their_section(self, app, db_session, departments, staff_client, monkeypatch):
        line = make_line(db_session, departments["110"])
        monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([
            DictLoader({"test/section.html": "<h2>充当した案件</h2><p>{{ section.count }} 件（{{ line.title }}）</p>"}),
            app.jinja_env.loader]))
        monkeypatch.setitem(app.extensions, views.SECTIONS, [])
        views.register_detail_section(app, "test/section.html", lambda session, user, shown: {"count": shown.id})
        html = page_text(staff_client.get(f"{LIST}/{line.id}"))
        assert f"{line.id} 件（08土木費-01-01 14工事請負費）" in html

    def test_unknown_line_is_404(self, staff_client):
        assert staff_client.get(f"{LIST}/999999").status_code == 404


def test_pages_show_no_raw_values(db_session, imported, run, departments, staff_client):
    lines = sample_lines()
    del lines[7]
    run(encode(lines))
    line = _line_of(db_session, departments["110"])
    keys = [d.key for d in definitions()]
    problems = []
    for path in (LIST, f"{LIST}?level=item", f"{LIST}?sort=current", f"{LIST}/{line.id}", f"{LIST}/{line.id}/history"):
        response = staff_client.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {p}" for p in raw_findings(page_text(response), keys, staff_only=True)]
    assert not problems, "\n".join(problems)


def test_the_import_screen_checks_then_commits_and_flags(db_session, imported, admin_client):
    """The administrator's upload (a background job run inline in tests): dry run with the report, then commit."""
    lines = sample_lines()
    del lines[7]
    response = admin_client.post("/admin/imports/", data={
        "kind": "budget", "profile": "財務会計（標準）",
        "file": (io.BytesIO(encode(lines)), "budget_2025_11.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    html = page_text(admin_client.get(response.location))
    assert "事前確認" in html and "今回のファイルにない科目" in html and "719,337,000" in html
    batch_id = int(response.location.rsplit("/", 1)[1])
    done = admin_client.post(f"/admin/imports/{batch_id}/commit", data={})
    assert "取り込みました" in page_text(admin_client.get(done.location))
    assert db_session.scalar(select(BudgetLine).where(BudgetLine.absent_since.is_not(None))).current_amount == 719337000


@pytest.mark.parametrize("query", ["fiscal_year=" + "9" * 20, "fiscal_year=abc", "department=-1", "department=abc"])
def test_bad_number_filters_are_named(imported, staff_client, query):
    response = staff_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    html = page_text(response)
    assert "正しくありません" in html and ("年度" in html or "所管課" in html) and "全 27 件" in html


@pytest.mark.parametrize("query", ["page=" + "9" * 20, "sort=nothing", "level=nothing", "q=" + "あ" * 101,
                                   "account=zz&chapter=zz", "fiscal_year=1999"])
def test_other_odd_queries_show_the_list(imported, staff_client, query):
    response = staff_client.get(f"{LIST}?{query}")
    assert response.status_code == 200 and "予算科目" in page_text(response)
