"""The tender-case forms on screen: preview, downloads, department scope over HTTP, the links on the case's
pages and the command line."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from bidding.cases import services as case_services
from bidding.nominations import services as nomination_services
from core.audit.models import AuditEntry
from tests.exports.pdfcheck import read_pdf
from tests.helpers import page_text


@pytest.fixture
def case(db_session, make_case, firm, contract_staff):
    """An approved 指名競争 case of 土木課 with two nominated firms."""
    case = make_case()
    case_services.approve_case(db_session, contract_staff, case)
    for number in ("250001", "250002"):
        nomination_services.pick_firm(db_session, contract_staff, case, firm(f"株式会社{number}建設", number=number),
                                      today=date(2026, 5, 10))
    nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=date(2026, 5, 15))
    return case


def test_preview_shows_the_letters_inline(login_as, doboku_staff, case):
    html = page_text(login_as(doboku_staff).get(f"/exports/reports/nomination_notice?case={case.number}"))
    assert f'src="/exports/reports/nomination_notice.pdf?inline=1&amp;case={case.number}#view=FitH' in html
    assert f'href="/exports/reports/nomination_notice.xlsx?case={case.number}"' in html
    assert "全 2 通・A4 縦" in html and "印刷する" in html


def test_the_preview_asks_for_the_case_number_first(login_as, doboku_staff):
    html = page_text(login_as(doboku_staff).get("/exports/reports/planned_price_record"))
    assert '<label class="form-label" for="case">案件番号' in html and "<iframe" not in html


def test_downloads_a_letter_per_firm_and_one_firms_letter(login_as, doboku_staff, case, db_session):
    client = login_as(doboku_staff)
    response = client.get(f"/exports/reports/nomination_notice.pdf?case={case.number}")
    assert response.status_code == 200 and len(read_pdf(response.get_data())) == 2
    response = client.get(f"/exports/reports/nomination_notice.pdf?case={case.number}&contractor=250002")
    [page] = read_pdf(response.get_data())
    assert "株式会社250002建設" in page.text and "株式会社250001建設" not in page.text
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.summary == "帳票「指名通知書」を PDF 出力" and '"contractor":"250002"' in entry.details
    workbook = client.get(f"/exports/reports/nomination_notice.xlsx?case={case.number}")
    wb = openpyxl.load_workbook(io.BytesIO(workbook.get_data()))
    assert wb.sheetnames == ["250001 株式会社250001建設", "250002 株式会社250002建設"]


def test_another_departments_case_is_refused(login_as, kenchiku_staff, case, db_session):
    client = login_as(kenchiku_staff)
    for name in ("nomination_notice", "case_approval", "planned_price_record"):
        html = page_text(client.get(f"/exports/reports/{name}?case={case.number}"))
        assert f"案件番号「{case.number}」の案件は見つかりません" in html and "<iframe" not in html
        response = client.get(f"/exports/reports/{name}.pdf?case={case.number}")
        assert response.status_code == 400 and "Content-Disposition" not in response.headers
    listing = client.get("/exports/reports/cases.pdf")
    assert case.name not in "".join(p.text for p in read_pdf(listing.get_data()))


def test_the_case_pages_link_to_the_forms(login_as, doboku_staff, case, make_case):
    client = login_as(doboku_staff)
    html = page_text(client.get(f"/bidding/cases/{case.id}"))
    assert f'href="/exports/reports/case_approval?case={case.number}">入札執行伺</a>' in html
    assert f'href="/exports/reports/planned_price_record?case={case.number}">予定価格調書</a>' in html
    assert f'href="/exports/reports/nomination_notice?case={case.number}">指名通知書</a>' in html
    tab = page_text(client.get(f"/bidding/cases/{case.id}/nominations"))
    assert f'href="/exports/reports/nomination_notice?case={case.number}">指名通知書を印刷する（全業者）' in tab
    assert f'href="/exports/reports/nomination_notice?case={case.number}&amp;contractor=250002">指名通知書' in tab
    assert "floor_price_record" not in html  # the floor was typed in: no calculation to print
    draft = make_case()
    html = page_text(client.get(f"/bidding/cases/{draft.id}"))
    assert "入札執行伺</a>" in html and "nomination_notice" not in html


def test_the_floor_record_is_offered_once_the_breakdown_gives_the_floor(login_as, doboku_staff, make_case, db_session,
                                                                      contract_staff):
    from bidding.cases.pricing import set_breakdown

    case = make_case(floor_price=None)
    set_breakdown(db_session, contract_staff, case, "works", {
        "direct_cost": 20_000_000, "common_temporary": 2_000_000, "site_management": 4_000_000,
        "general_admin": 4_000_000})
    client = login_as(doboku_staff)
    html = page_text(client.get(f"/bidding/cases/{case.id}"))
    assert f'href="/exports/reports/floor_price_record?case={case.number}">最低制限価格調書</a>' in html
    [page] = read_pdf(client.get(f"/exports/reports/floor_price_record.pdf?case={case.number}").get_data())
    assert "最低制限価格調書" in page.text and "27,520,000" in page.text


def test_the_list_of_forms_offers_the_case_forms(login_as, doboku_staff):
    html = page_text(login_as(doboku_staff).get("/exports/reports"))
    for name in ("nomination_notice", "case_approval", "planned_price_record", "floor_price_record", "cases"):
        assert f'href="/exports/reports/{name}"' in html


def test_command_line(app, case, tmp_path):
    out = tmp_path / "notice.pdf"
    result = app.test_cli_runner().invoke(args=["report", "nomination_notice", "--out", str(out),
                                                "--param", f"case={case.number}"])
    assert result.exit_code == 0, result.output
    assert "全 2 通" in result.output and len(read_pdf(out.read_bytes())) == 2
    result = app.test_cli_runner().invoke(args=["report", "case_approval", "--out", str(out), "--param", "case=NOPE"])
    assert result.exit_code == 1 and "案件番号「NOPE」の案件は見つかりません" in result.output
