"""Contractor screens over HTTP (the rules are tested on the services)."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from core.timefmt import today
from registry.contractors.models import Contractor
from registry.suspensions.models import Suspension
from tests.helpers import page_text


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


@pytest.fixture
def viewer_client(create_user, login_as):
    return login_as(create_user(Role.VIEWER))


def test_list_filters_and_search(staff_client, create_contractor):
    create_contractor("株式会社テスト建設", number="70001", area="city", work_types={"010": "A"})
    create_contractor("山田組", number="70002", area="near", work_types={"020": "B"})
    html = page_text(staff_client.get("/registry/contractors?q=ﾃｽﾄ"))
    assert "株式会社テスト建設" in html and "山田組" not in html
    html = page_text(staff_client.get("/registry/contractors?work_type=010&rank=A&area=city"))
    assert "70001" in html and "70002" not in html
    html = page_text(staff_client.get("/registry/contractors?area=near&sort=-name"))
    assert "70002" in html and "70001" not in html and 'aria-sort="descending"' in html
    html = page_text(staff_client.get("/registry/contractors?period=bad-date"))
    assert "正しい日付" in html
    assert "土木一式工事" in page_text(staff_client.get("/registry/contractors?category=construction"))


def test_list_marks_suspended_firms(staff_client, create_contractor, db_session):
    firm = create_contractor("停止建設", number="70010")
    day = today()
    db_session.add(Suspension(contractor_id=firm.id, cause_code="breach", decided_on=day, starts_on=day,
                              ends_on=day + timedelta(days=30), period_text="1か月", facts="契約違反"))
    db_session.flush()
    html = page_text(staff_client.get("/registry/contractors?suspended=yes"))
    assert "停止建設" in html and "指名停止中" in html
    detail = page_text(staff_client.get(f"/registry/contractors/{firm.id}"))
    assert "指名停止中（" in detail


def test_csv_export_has_bom_and_is_logged(staff_client, create_contractor, db_session):
    create_contractor("＝危険な名前", number="70020", work_types={"010": "A"})
    create_contractor("=式建設", number="70021")
    response = staff_client.get("/registry/contractors?q=70020&format=csv")
    body = response.get_data()
    assert response.status_code == 200 and body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["業者番号", "商号又は名称"] and rows[1][0] == "70020" and len(rows) == 2
    assert "土木一式工事 A" in rows[1][21]
    response = staff_client.get("/registry/contractors?q=70021&format=csv")
    assert list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1][1] == "'=式建設"
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.operation == "data.export" and "業者一覧" in entry.summary


def test_excel_export_opens_with_numbers_as_numbers(staff_client, create_contractor, db_session):
    firm = create_contractor("エクセル建設", number="70030", work_types={"010": "A"})
    firm.registrations[0].work_types[0].objective_points = 1200
    firm.registrations[0].work_types[0].subjective_points = 30
    firm.registrations[0].work_types[0].performance_points = -10
    db_session.flush()
    response = staff_client.get("/registry/contractors?q=エクセル&format=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    wb = load_workbook(io.BytesIO(response.get_data()))
    main, detail = wb["業者一覧"], wb["業種・等級"]
    assert main["A1"].value == "業者番号" and main["A2"].value == "70030" and main["B2"].value == "エクセル建設"
    row = [cell.value for cell in detail[2]]
    assert row[0] == "70030" and row[5] == "010" and row[7:12] == [1200, 30, -10, 1220, "A"]
    assert row[3].year == 2025  # a real date, not text
    assert main["A1"].font.b and main.freeze_panes == "A2"
    from sqlalchemy import select

    from core.audit.models import AuditEntry

    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.operation == "data.export" and entry.summary == "業者一覧を Excel 出力"


def test_excel_keeps_formula_like_text_as_text(staff_client, create_contractor):
    create_contractor("=HYPERLINK(\"x\")", number="70031", note="a\x01b")
    wb = load_workbook(io.BytesIO(staff_client.get("/registry/contractors?q=70031&format=xlsx").get_data()))
    cell = wb["業者一覧"]["B2"]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def test_detail_shows_basic_info_and_actions_for_editors(staff_client, viewer_client, create_contractor):
    firm = create_contractor("詳細建設", number="70040", address="山口県防府市寿町1-1", branch_name="詳細建設 防府営業所",
                             branch_address="山口県防府市駅南町1-1", area="outside",
                             area_override_reason="本店機能は市外")
    html = page_text(staff_client.get(f"/registry/contractors/{firm.id}"))
    assert "詳細建設 防府営業所" in html and "（判定: 市内、理由: 本店機能は市外）" in html
    assert "令和7年4月1日" in html and "土木一式工事" in html
    assert "基本情報を編集" in html and "状態を変更する" in html
    assert 'aria-current="page"' in html and "履歴" in html
    html = page_text(viewer_client.get(f"/registry/contractors/{firm.id}"))
    assert "詳細建設" in html and "基本情報を編集" not in html and "状態を変更する" not in html
    assert staff_client.get("/registry/contractors/999999").status_code == 404


def test_create_and_edit_through_forms(staff_client, db_session):
    response = staff_client.post("/registry/contractors/new", data={
        "name": "フォーム建設", "name_kana": "ﾌｫｰﾑｹﾝｾﾂ", "legal_form": "corporation", "address": "山口県防府市",
        "phone": "0835-22-1111"})
    assert response.status_code == 302
    firm = db_session.scalar(select(Contractor).where(Contractor.name == "フォーム建設"))
    assert firm.name_kana == "フォームケンセツ" and firm.area == "city"
    response = staff_client.post(f"/registry/contractors/{firm.id}/edit", data={
        "name": "", "legal_form": "individual", "corporate_number": "1234567890123", "email": "bad"})
    html = page_text(response)
    assert response.status_code == 200 and "入力内容に誤りがあります" in html
    assert "商号又は名称を入力してください。" in html and "個人事業者には法人番号はありません" in html
    assert "メールアドレスの形式が正しくありません" in html
    response = staff_client.post(f"/registry/contractors/{firm.id}/edit", data={
        "name": "フォーム建設（改）", "legal_form": "corporation", "address": "広島県広島市"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Contractor, firm.id).area == "outside"
    history = page_text(staff_client.get(f"/registry/contractors/{firm.id}/history"))
    assert "フォーム建設（改）" in history and "商号又は名称" in history


def test_area_and_status_actions(staff_client, create_contractor, db_session):
    firm = create_contractor("操作建設", number="70050", address="山口県防府市")
    response = staff_client.post(f"/registry/contractors/{firm.id}/area", data={
        "action": "override", "area_override": "outside", "area_override_reason": ""})
    assert response.status_code == 422 and "理由を入力してください" in page_text(response)
    response = staff_client.post(f"/registry/contractors/{firm.id}/area", data={
        "action": "override", "area_override": "outside", "area_override_reason": "実態は市外"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Contractor, firm.id).area == "outside"
    staff_client.post(f"/registry/contractors/{firm.id}/area", data={"action": "clear"})
    db_session.expire_all()
    assert db_session.get(Contractor, firm.id).area == "city"
    response = staff_client.post(f"/registry/contractors/{firm.id}/status", data={"status": "revoked", "reason": ""})
    assert response.status_code == 422 and "理由を入力してください" in page_text(response)
    response = staff_client.post(f"/registry/contractors/{firm.id}/status", data={"status": "revoked",
                                                                                  "reason": "不正行為"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Contractor, firm.id).status == "revoked"


def test_forbidden_cases(viewer_client, create_user, login_as, create_contractor):
    firm = create_contractor("禁止建設", number="70060")
    assert viewer_client.get("/registry/contractors").status_code == 200
    for url in (f"/registry/contractors/{firm.id}/edit", f"/registry/contractors/{firm.id}/area",
                f"/registry/contractors/{firm.id}/status", "/registry/contractors/new"):
        assert viewer_client.post(url, data={"status": "revoked", "reason": "x"}).status_code == 403, url
    assert "業者を登録" not in page_text(viewer_client.get("/registry/contractors"))
    applicant = login_as(create_user(Role.APPLICANT))
    assert applicant.get("/registry/contractors").status_code == 403
    assert applicant.get(f"/registry/contractors/{firm.id}").status_code == 403
    department = login_as(create_user(Role.DEPARTMENT_STAFF))
    assert department.get(f"/registry/contractors/{firm.id}").status_code == 200
    assert department.get(f"/registry/contractors/{firm.id}/edit").status_code == 403


def test_menu_items(staff_client, viewer_client):
    html = page_text(staff_client.get("/"))
    assert "業者一覧" in html and "業者の新規登録" in html
    html = page_text(viewer_client.get("/"))
    assert "業者一覧" in html and "業者の新規登録" not in html




def test_history_tab_lists_changes_of_permits_keishin_and_technicians(staff_client, db_session, create_user):
    from datetime import timedelta

    from core.timefmt import today
    from registry.contractors import services
    from registry.qualifications.permits import services as permits
    from registry.qualifications.technicians import services as technicians

    staff = create_user(Role.CONTRACT_STAFF)
    firm = services.create_contractor(db_session, staff, name="株式会社履歴建設", address="山口県防府市寿町1-1")
    permits.save_permit(db_session, staff, firm, work_type_code="010", text="山口県知事許可（般-5）第777号",
                  granted_on=today() - timedelta(days=100))
    technicians.add_technician(db_session, staff, firm, name="履歴 花子", qualifications="2級土木施工管理技士")
    db_session.flush()
    page = page_text(staff_client.get(f"/registry/contractors/{firm.id}/history"))
    related = page.split("資格・許可・経審・技術者・指名停止などの変更")[1]
    assert "建設業許可" in related and "777" in related and "履歴 花子" in related
    other = services.create_contractor(db_session, staff, name="株式会社よその建設")
    assert "777" not in page_text(staff_client.get(f"/registry/contractors/{other.id}/history")).split(
        "資格・許可・経審・技術者・指名停止などの変更")[1]
