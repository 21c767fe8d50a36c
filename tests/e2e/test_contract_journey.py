"""The award-to-payment journey in the browser: from an awarded case the contract section makes the contract and
previews its 契約書 (大字), takes a 前払金 claim, a 第1回変更契約 raising the amount by 5 % and extending the 工期,
the 完成届, assigns the 完成検査 that the assigned inspector passes, takes the 完成払 and exports the e-contract
bundle."""

from __future__ import annotations

import re
from datetime import date, datetime

from playwright.sync_api import expect

from tests.e2e.test_admin_journey import _login

PASSWORD = "Contract-Journey-2026x"


def _seed(app) -> int:
    from bidding.bids import award
    from bidding.bids import services as bids
    from bidding.budget.models import BudgetLine
    from bidding.cases import services as cases
    from bidding.cases.charges import add_charge
    from bidding.nominations import services as nominations
    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.auth.roles import Role
    from core.db import db
    from core.jp import search_key
    from registry.contractors.models import Contractor
    from registry.qualifications.models import KeishinScore, RegisteredWorkType, Registration

    with app.app_context():
        session = db.session
        department = admin_services.create_department(session, None, code="cj130", name="河川港湾課")
        users = {}
        for login_id, role, dept in (("cj2.keiyaku", Role.CONTRACT_STAFF, None), ("cj2.kensa", Role.INSPECTOR, department)):
            user, _ = admin_services.create_user(session, None, login_id=login_id, name=login_id, roles=[role],
                                                 department_id=dept.id if dept else None, policy=PasswordPolicy(),
                                                 issue_password=False)
            user.password_hash, user.must_change_password = hash_password(PASSWORD), False
            users[login_id] = user
        firm = Contractor(number="170001", name="護岸建設株式会社", search_key=search_key("護岸建設株式会社"),
                          legal_form="corporation", area="city", status="active", corporate_number="7000012050002",
                          address="架空市中央町1-1", representative_title="代表取締役", representative_name="護岸 太郎")
        registration = Registration(category="construction", period_start=date(2025, 4, 1), period_end=date(2027, 3, 31))
        registration.work_types.append(RegisteredWorkType(work_type_code="010", rank="A", objective_points=800))
        firm.registrations.append(registration)
        session.add(firm)
        session.flush()
        session.add(KeishinScore(contractor_id=firm.id, work_type_code="010", base_date=date(2025, 12, 31), x1=800,
                                 x2=800, y=800, z=800, w=800, p_computed=800, valid_until=date(2027, 7, 31)))
        line = BudgetLine(fiscal_year=2026, account_code="01", chapter_code="08", section_code="03", item_code="01",
                          subitem_code="14", department=department, current_amount=900_000_000, executed_amount=0,
                          remaining_amount=900_000_000)
        session.add(line)
        session.flush()
        staff = users["cj2.keiyaku"]
        case = cases.create_case(session, staff, {
            "name": "二級河川佐波川護岸改修工事", "department_id": department.id, "category": "construction",
            "work_type_code": "010", "method": "nominated", "planned_price": 30_000_000, "floor_kind": "minimum",
            "floor_price": 26_000_000, "drafted_on": date(2026, 5, 1), "notice_on": date(2026, 5, 15),
            "opening_at": datetime(2026, 5, 29, 10, 0), "work_days": 180})
        add_charge(session, staff, case, line.id, 33_000_000)
        cases.approve_case(session, staff, case)
        nominations.pick_firm(session, staff, case, firm, today=date(2026, 5, 10))
        nominations.notify_nominations(session, staff, case, notice_on=case.notice_on)
        bids.record_bid(session, staff, case, firm, amount=27_500_000, declined=False,
                        received_at=datetime(2026, 5, 28, 9, 0))
        bids.open_round(session, staff, case, now=datetime(2026, 5, 29, 10, 0))
        award.award(session, staff, case, decided_on=date(2026, 5, 29))
        session.commit()
        return case.id


def test_award_to_payment(live_app, live_server, new_page, tmp_path):
    case_id = _seed(live_app)
    staff = new_page()
    _login(staff, live_server, "cj2.keiyaku", PASSWORD)
    staff.goto(f"{live_server}/bidding/cases/{case_id}/contract")
    staff.locator("#contract_date").fill("2026-06-05")
    staff.get_by_label("契約金額（税込）").fill("30,250,000")
    staff.locator("#work_from").fill("2026-06-06")
    staff.locator("#work_to").fill("2026-12-25")
    staff.get_by_label("契約保証の額").fill("3,025,000")
    staff.get_by_label("前払金の額（前払金を払わないときは空欄）").fill("12,100,000")
    staff.get_by_role("button", name="契約を登録する").click()
    # The number comes from the shared sequence (another journey may have made a contract first).
    made = re.compile(r"契約を登録しました（契約番号 2026-K\d{4}、30,250,000 円）")
    expect(staff.locator(".notice--success")).to_contain_text(made)

    # The 契約書 after its preview: 契約金額 in 大字 with the tax.
    staff.get_by_role("link", name="契約書").click()
    expect(staff.locator("h1")).to_have_text("契約書・請書")
    expect(staff.locator("iframe.form-preview")).to_be_visible()
    with staff.expect_download() as download:
        staff.get_by_role("link", name="PDF をダウンロード").click()
    pdf = tmp_path / "contract.pdf"
    download.value.save_as(pdf)
    import pikepdf

    with pikepdf.open(pdf) as document:
        assert len(document.pages) == 1
    staff.go_back()

    url = f"{live_server}/bidding/cases/{case_id}/contract"
    staff.goto(url)
    staff.get_by_label("請求の種類").select_option(label="前払金")
    staff.get_by_label("請求額").fill("12,100,000")
    staff.get_by_label("請求日").fill("2026-06-10")
    staff.get_by_role("button", name="請求を受け付ける").click()
    expect(staff.locator(".notice--success")).to_contain_text("前払金の請求を受け付けました（支払期限 2026-07-10）")

    staff.get_by_text("変更契約を登録する").first.click()
    staff.get_by_label("変更契約の日").fill("2026-09-01")
    staff.get_by_label("変更後の契約金額（税込。変えないときは空欄）").fill("31,762,500")  # +5 %
    staff.get_by_label("変更後の工期の終期（変えないときは空欄）").fill("2027-01-29")
    staff.get_by_label("変更の理由").fill("護岸延長の増加")
    staff.get_by_role("button", name="変更契約を登録する").click()
    expect(staff.locator(".notice--success")).to_contain_text("第1回変更契約を登録しました")
    expect(staff.locator("#changes ~ .table-wrap").first).to_contain_text("31,762,500円")

    staff.get_by_label("完成届の日").fill("2027-01-25")
    staff.get_by_role("button", name="完成届を受け付ける").click()
    staff.get_by_text("検査員を指定する").click()
    staff.get_by_label("検査の種類").select_option(label="完成検査")
    staff.locator("#assign-inspector_id").select_option(label="cj2.kensa")
    staff.get_by_label("検査予定日").fill("2027-01-27")
    staff.get_by_role("button", name="指定する").click()
    expect(staff.locator(".notice--success")).to_contain_text("検査員を指定しました")

    inspector = new_page()
    _login(inspector, live_server, "cj2.kensa", PASSWORD)
    inspector.goto(f"{live_server}/bidding/inspections")
    inspector.get_by_role("link", name="完成検査").click()
    inspector.get_by_label("検査日").fill("2027-01-27")
    inspector.get_by_label("結果").select_option(label="合格")
    inspector.get_by_role("button", name="結果を記録する").click()
    expect(inspector.locator(".notice--success")).to_contain_text("完成検査の結果（合格）を記録しました")

    staff.goto(url)
    expect(staff.locator(".detail-list").first).to_contain_text("完成")
    staff.get_by_label("請求の種類").select_option(label="完成払")
    staff.get_by_label("請求額").fill("19,662,500")
    staff.get_by_label("請求日").fill("2027-01-28")
    staff.get_by_role("button", name="請求を受け付ける").click()
    expect(staff.locator(".notice--success")).to_contain_text("完成払の請求を受け付けました（支払期限 2027-03-09）")
    with staff.expect_download() as download:
        staff.get_by_role("link", name="電子契約の書類（ZIP）").click()
    bundle = tmp_path / "bundle.zip"
    download.value.save_as(bundle)
    import zipfile

    assert "econtract.json" in zipfile.ZipFile(bundle).namelist()
