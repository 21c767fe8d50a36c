"""The published CSV (exact header, UTF-8 with BOM or CP932, plain integers, 93.45, YYYY-MM-DD), ``flask results
export``, and the results page (filters, scope, the same CSV as the command line)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from bidding.bids import award
from bidding.results.export import HEADER, csv_chunks
from bidding.results.queries import ResultFilters, result_rows
from core.audit.models import AuditEntry
from core.auth.roles import Role
from tests.helpers import page_text

EXACT_HEADER = ("案件番号,案件名称,担当課,入札方式,開札日,予定価格,最低制限価格,入札者数,落札者業者番号,落札者名,落札金額,落札率,"
                "結果\r\n")


@pytest.fixture
def published(db_session, tender, contract_staff, kenchiku):
    """An awarded case of 土木課 (落札率 93.45), an opened one under survey, an unopened one, and an awarded case of
    建築課 whose winner's name has a character CP932 lacks."""
    awarded, firms = tender([None, 28_035_000, 29_000_000], prefix="61")
    award.award(db_session, contract_staff, awarded, decided_on=date(2026, 5, 29))
    surveyed, _ = tender([24_000_000], days=3, floor_kind="survey", prefix="62")
    sealed, _ = tender([27_000_000], days=1, opened=False, prefix="63")
    other, other_firms = tender([27_000_000], days=4, department=kenchiku, prefix="64")
    other_firms[0].name = "𠮷野建設株式会社"
    award.award(db_session, contract_staff, other, decided_on=date(2026, 6, 2))
    db_session.flush()
    return {"awarded": awarded, "surveyed": surveyed, "sealed": sealed, "other": other}


def _csv(session, user=None, encoding="utf-8", **filters) -> bytes:
    return b"".join(csv_chunks(result_rows(session, user, ResultFilters(sort="opening", **filters)), encoding))


def test_the_csv_columns_and_formatting(db_session, published):
    data = _csv(db_session)
    assert data.startswith(b"\xef\xbb\xbf" + EXACT_HEADER.encode())
    lines = data.decode("utf-8-sig").split("\r\n")
    assert tuple(lines[0].split(",")) == HEADER
    awarded = published["awarded"].number
    assert lines[1] == (f"{awarded},市道中央線道路改良工事,土木課,指名競争入札,2026-05-29,30000000,26000000,2,610002,"
                        "入札612建設,28035000,93.45,落札")
    assert lines[2] == (f"{published['surveyed'].number},市道中央線道路改良工事,土木課,指名競争入札,2026-06-01,30000000,"
                        "26000000,1,,,,,審査中")
    assert published["sealed"].number not in data.decode("utf-8-sig")  # not opened: not published
    assert lines[3].startswith(f"{published['other'].number},") and lines[3].endswith(",𠮷野建設株式会社,27000000,90.00,落札")
    assert lines[4] == "" and len(lines) == 5


def test_cp932_writes_geta_for_what_it_cannot_hold(db_session, published):
    replaced = []
    data = b"".join(csv_chunks(result_rows(db_session, None, ResultFilters(sort="opening")), "cp932", replaced))
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("cp932")
    assert text.startswith(EXACT_HEADER) and ",〓野建設株式会社," in text and "93.45" in text
    assert [(r.number, r.column, r.character) for r in replaced] == [(published["other"].number, "落札者名", "𠮷")]


def test_text_that_looks_like_a_formula_is_defused(db_session, published):
    published["awarded"].name = "=1+2 工事"
    db_session.flush()
    [row] = list(csv.reader(io.StringIO(_csv(db_session, q=published["awarded"].number).decode("utf-8-sig"))))[1:]
    assert row[1] == "'=1+2 工事"


def test_command_line_export(app, db_session, published, tmp_path):
    out = tmp_path / "結果.csv"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["results", "export", "--fiscal-year", "2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2026 年度の入札結果 3 件" in result.output and "UTF-8（BOM 付き）" in result.output
    assert out.read_bytes() == _csv(db_session)
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.summary.startswith("入札結果（公表用）を CSV 出力（コマンド") and '"rows":3' in entry.details
    result = runner.invoke(args=["results", "export", "--fiscal-year", "2026", "--out", str(out), "--encoding", "cp932"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == _csv(db_session, encoding="cp932")
    assert "𠮷" in result.output and "〓にしました" in result.output
    result = runner.invoke(args=["results", "export", "--fiscal-year", "2026", "--out", str(out), "--from", "2026-06-01",
                                 "--to", "2026-06-01"])
    assert "1 件" in result.output and published["awarded"].number not in out.read_text(encoding="utf-8-sig")
    assert runner.invoke(args=["results", "export", "--fiscal-year", "2025", "--out", str(out)]).exit_code == 0
    assert out.read_bytes() == b"\xef\xbb\xbf" + EXACT_HEADER.encode()


@pytest.mark.parametrize("args, message", [
    (["--encoding", "euc-jp"], "--encoding は utf-8 または cp932"),
    (["--from", "2026-06-30", "--to", "2026-06-01"], "--to は --from 以降"),
])
def test_command_line_refusals(app, tmp_path, args, message):
    out = tmp_path / "x.csv"
    result = app.test_cli_runner().invoke(args=["results", "export", "--fiscal-year", "2026", "--out", str(out), *args])
    assert result.exit_code == 1 and message in result.output and not out.exists()
    result = app.test_cli_runner().invoke(args=["results", "export", "--fiscal-year", "2026", "--out",
                                                str(tmp_path / "none" / "x.csv")])
    assert result.exit_code == 1 and "フォルダ" in result.output


def test_the_page_lists_opened_cases_and_downloads_the_same_csv(login_as, contract_staff, db_session, published):
    client = login_as(contract_staff)
    html = page_text(client.get("/bidding/results?fiscal_year=2026"))
    for name in ("awarded", "surveyed", "other"):
        assert published[name].number in html
    assert published["sealed"].number not in html
    assert "28,035,000" in html and "93.45%" in html and "審査中" in html and "全 3 件" in html
    response = client.get("/bidding/results?fiscal_year=2026&format=csv")
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    assert response.get_data() == _csv(db_session, fiscal_year=2026)
    response = client.get("/bidding/results?fiscal_year=2026&format=csv&encoding=cp932")
    assert response.get_data() == _csv(db_session, encoding="cp932", fiscal_year=2026)
    assert "shift_jis" in response.content_type
    workbook = client.get("/bidding/results?fiscal_year=2026&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER and rows[1][0] == published["awarded"].number
    assert rows[1][4].date() == date(2026, 5, 29) and rows[1][5] == 30_000_000 and rows[1][11] == 93.45
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.summary == "入札結果を Excel 出力"


def test_the_page_filters_sorts_and_reports_bad_dates(login_as, contract_staff, published):
    client = login_as(contract_staff)
    html = page_text(client.get("/bidding/results?fiscal_year=2026&result=pending"))
    assert published["surveyed"].number in html and published["awarded"].number not in html
    html = page_text(client.get("/bidding/results?fiscal_year=2026&sort=-rate"))
    assert html.index(published["awarded"].number) < html.index(published["other"].number)
    html = page_text(client.get("/bidding/results?opening_from=2026-06-30&opening_to=2026-06-01"))
    assert "開札日（まで）は開札日（から）以降の日付にしてください。" in html
    html = page_text(client.get("/bidding/results"))  # this 年度 by default
    assert 'href="/exports/reports/bid_results?fiscal_year=' in html


def test_department_staff_see_their_department_only(login_as, doboku_staff, create_user, published):
    client = login_as(doboku_staff)
    html = page_text(client.get("/bidding/results?fiscal_year=2026"))
    assert published["awarded"].number in html and published["other"].number not in html
    data = client.get("/bidding/results?fiscal_year=2026&format=csv").get_data().decode("utf-8-sig")
    assert published["awarded"].number in data and published["other"].number not in data
    viewer = login_as(create_user(Role.VIEWER))  # a city-wide role
    assert published["other"].number in page_text(viewer.get("/bidding/results?fiscal_year=2026"))
    applicant = login_as(create_user(Role.APPLICANT))
    assert applicant.get("/bidding/results").status_code == 403


def test_the_page_shows_no_raw_values(login_as, contract_staff, published):
    from core.rules.catalogue import definitions
    from tests.test_raw_values import raw_findings

    client = login_as(contract_staff)
    keys = [d.key for d in definitions()]
    for url in ("/bidding/results?fiscal_year=2026", "/bidding/results?fiscal_year=0&sort=-rate",
                f"/bidding/cases/{published['awarded'].id}/bids"):
        response = client.get(url)
        assert response.status_code == 200
        assert raw_findings(response.get_data(as_text=True), keys, staff_only=True) == [], url
