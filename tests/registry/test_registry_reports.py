"""Registry forms: 業者台帳, 有資格者名簿, 指名停止一覧 — parameters, data, PDF (A4) and Excel output."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from core.auth.roles import Role
from core.errors import ValidationFailed
from exports import reports
from exports.render import render_pdf, render_xlsx
from registry.qualifications.models import JVMember, KeishinScore, Permit
from registry.suspensions.services import register_suspension
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf
from tests.helpers import page_text

VIEW = {Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER}


def _produce(db_session, name: str, raw: dict):
    definition = reports.get(name)
    return definition.produce(db_session, definition.parse(raw, db_session))


def _errors(db_session, name: str, raw: dict) -> dict:
    definition = reports.get(name)
    with pytest.raises(ValidationFailed) as info:
        definition.produce(db_session, definition.parse(raw, db_session))
    return info.value.errors


def _pdf_text(document) -> tuple[list, str]:
    data = render_pdf(document, "架空市 総務部契約課", date(2026, 7, 1))
    assert_fonts_embedded(data)
    pages = read_pdf(data)
    return pages, "".join(p.text for p in pages)


def _xlsx_values(document) -> str:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(document, "架空市", date(2026, 7, 1))))
    return " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)


def test_forms_are_registered_for_the_registry_viewers():
    for name in ("contractor_ledger", "qualified_contractors", "suspensions"):
        assert reports.get(name).roles == VIEW, name
    assert reports.get("qualified_contractors").landscape and reports.get("suspensions").landscape
    assert not reports.get("contractor_ledger").landscape


def test_ledger_shows_the_firm(db_session, create_contractor, create_user):
    firm = create_contractor("株式会社台帳建設", number="250101", work_types={"010": "A", "130": "B"},
                             representative_title="代表取締役", representative_name="防府 一郎",
                             address="山口県防府市寿町7番1号", postal_code="747-8501")
    firm.registrations[0].work_types[0].objective_points = 1000
    firm.registrations[0].work_types[0].subjective_points = 120
    firm.permits.append(Permit(work_type_code="010", authority="governor", prefecture="山口県", grade="special",
                               permit_year=5, permit_number=12345, granted_on=date(2023, 5, 1),
                               expires_on=date(2028, 4, 30)))
    firm.keishin.append(KeishinScore(work_type_code="010", base_date=date(2025, 3, 31), x1=900, x2=800, y=850, z=950,
                                     w=1000, p_entered=900, p_computed=901, valid_until=date(2026, 10, 31)))
    db_session.flush()
    document = _produce(db_session, "contractor_ledger", {"number": "２５０１０１"})  # full-width digits
    flat = " ".join(str(v) for row in document.rows for v in row)
    assert "株式会社台帳建設" in flat and "代表取締役 防府 一郎" in flat and "〒747-8501 山口県防府市寿町7番1号" in flat
    assert "010 土木一式工事 等級 A 総合点 1,120" in flat and "130 舗装工事 等級 B" in flat
    assert "山口県知事許可（特-5）第12345号" in flat and "P 901" in flat and "不一致" in flat
    pages, text = _pdf_text(document)
    assert all(p.is_a4_portrait for p in pages)
    assert "株式会社台帳建設" in text and "業者台帳" in text
    assert "株式会社台帳建設" in _xlsx_values(document)


def test_ledger_shows_member_suspensions_of_a_jv(db_session, create_contractor, create_user):
    from core.timefmt import today

    member = create_contractor("株式会社構成員")
    jv = create_contractor("台帳特定建設工事共同企業体", number="259001", is_jv=True, work_types={})
    db_session.add(JVMember(jv_id=jv.id, member_id=member.id, share_percent=Decimal("100"), is_representative=True))
    db_session.flush()
    register_suspension(db_session, create_user(Role.CONTRACT_STAFF), member, "false_statement", today() - timedelta(days=5), 1,
                        "months", None, "虚偽の記載をした。")
    document = _produce(db_session, "contractor_ledger", {"number": "259001"})
    flat = " ".join(str(v) for row in document.rows for v in row)
    assert "株式会社構成員 100%（代表者）" in flat
    assert "構成員 株式会社構成員 の停止により" in flat and "虚偽記載" in flat


def test_ledger_unknown_number_is_a_japanese_message(db_session):
    assert _errors(db_session, "contractor_ledger", {"number": "999999x"})["number"] == [
        "業者番号「999999x」の業者は登録されていません。"]
    assert _errors(db_session, "contractor_ledger", {})["number"] == ["業者番号を指定してください。"]


def test_qualified_list_filters_and_sorts(db_session, create_contractor):
    create_contractor("株式会社名簿B", number="250202", work_types={"010": "B", "130": "A"}, address="防府市A")
    create_contractor("株式会社名簿A", number="250201", work_types={"010": "B"})
    create_contractor("株式会社名簿C", number="250203", work_types={"010": "A"})
    create_contractor("株式会社失効", number="250204", work_types={"010": "A"}, status="lapsed")
    create_contractor("株式会社物品", number="250205", category="goods", work_types={"910": None})
    document = _produce(db_session, "qualified_contractors", {"category": "construction", "on_date": "2026-07-01"})
    mine = [(r[0], r[5][:3], r[6]) for r in document.rows if r[0].startswith("2502")]
    assert mine == [("250203", "010", "A"), ("250201", "010", "B"), ("250202", "010", "B"), ("250202", "130", "A")]
    document = _produce(db_session, "qualified_contractors",
                        {"category": "construction", "work_type": "010", "rank": "B", "on_date": "R8.7.1"})
    assert [r[0] for r in document.rows if r[0].startswith("2502")] == ["250201", "250202"]
    pages, text = _pdf_text(document)
    assert all(p.is_a4_landscape for p in pages) and "株式会社名簿A" in text and "有資格者名簿" in text
    assert "株式会社名簿B" in _xlsx_values(document)
    outside = _produce(db_session, "qualified_contractors", {"category": "construction", "on_date": "2027-04-01"})
    assert not [r for r in outside.rows if r[0].startswith("2502")]  # outside the qualification period


def test_qualified_list_bad_parameters(db_session):
    errors = _errors(db_session, "qualified_contractors", {"category": "construction", "work_type": "910"})
    assert "物品の業種です" in errors["work_type"][0]
    errors = _errors(db_session, "qualified_contractors", {"category": "x", "rank": "Z", "on_date": "2026-13-01"})
    assert errors["category"][0].startswith("区分の値「x」は選べません")
    assert errors["rank"][0].startswith("等級の値「Z」は選べません")
    assert "基準日「2026-13-01」を日付として読み取れません" in errors["on_date"][0]


def test_suspension_list_form(db_session, create_contractor, create_user):
    staff = create_user(Role.CONTRACT_STAFF)
    firm = create_contractor("株式会社停止公表", address="山口県防府市西浦1番")
    long_facts = "市発注の道路改良工事において、契約書に定める工程を守らず、" * 12
    register_suspension(db_session, staff, firm, "breach", date(2026, 6, 1), 3, "weeks", "市発注の建設工事", long_facts)
    document = _produce(db_session, "suspensions", {"date_from": "2026-06-01", "date_to": "2026-06-30"})
    row = next(r for r in document.rows if r[0] == "株式会社停止公表")
    assert row[1] == "山口県防府市西浦1番" and "3週間" in row[2] and row[3] == "契約違反"
    assert row[4].startswith("範囲: 市発注の建設工事\n")
    pages, text = _pdf_text(document)
    assert all(p.is_a4_landscape for p in pages) and "株式会社停止公表" in text and "指名停止一覧" in text
    assert "株式会社停止公表" in _xlsx_values(document)
    empty = _produce(db_session, "suspensions", {"date_from": "2026-07-01", "date_to": "2026-07-31"})
    assert not [r for r in empty.rows if r[0] == "株式会社停止公表"]


def test_suspension_list_bad_period(db_session):
    errors = _errors(db_session, "suspensions", {"date_from": "2026-07-01", "date_to": "2026-06-01"})
    assert errors["date_to"] == ["期間の終了日は開始日以降の日付にしてください。"]
    assert _errors(db_session, "suspensions", {"date_from": "abc"})["date_to"] == ["期間（終了日）を指定してください。"]


def test_forms_over_http_for_a_viewer(create_user, login_as, create_contractor):
    create_contractor("株式会社閲覧確認", number="250301")
    client = login_as(create_user(Role.VIEWER))
    html = page_text(client.get("/exports/reports"))
    assert "業者台帳" in html and "有資格者名簿" in html and "指名停止一覧" in html and "利用者一覧" not in html
    response = client.get("/exports/reports/contractor_ledger.pdf?number=250301")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "株式会社閲覧確認" in "".join(p.text for p in read_pdf(response.data))
    html = page_text(client.get("/exports/reports/contractor_ledger?number=000000"))
    assert "業者番号「000000」の業者は登録されていません。" in html and "<iframe" not in html
    assert client.get("/exports/reports/qualified_contractors.xlsx?category=construction").status_code == 200
    assert client.get("/exports/reports/users").status_code == 403
    applicant = login_as(create_user(Role.APPLICANT))
    assert applicant.get("/exports/reports/suspensions").status_code == 403
