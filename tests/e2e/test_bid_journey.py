"""The bid-to-award journey in the browser: on a nominated case the contract section enters six bids (one 辞退,
one below the 最低制限価格, two tied at the lowest), opens, draws the 電子くじ, awards, and prints the 入札調書 that
shows how the lot fell."""

from __future__ import annotations

from datetime import date, datetime

from playwright.sync_api import expect

from tests.e2e.test_admin_journey import _login

PASSWORD = "Bid-Journey-2026x"


def _seed(app) -> int:
    """A 指名競争 case (予定価格 30,000,000, 最低制限価格 26,000,000, opened on 2026-05-29) with six nominated firms."""
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
        department = admin_services.create_department(session, None, code="bj120", name="道路課")
        staff, _ = admin_services.create_user(session, None, login_id="bj.keiyaku", name="契約 担当",
                                              roles=[Role.CONTRACT_STAFF], department_id=None, policy=PasswordPolicy(),
                                              issue_password=False)
        staff.password_hash, staff.must_change_password = hash_password(PASSWORD), False
        firms = []
        for i in range(6):
            name = f"入札ジャーニー建設{i + 1}"
            firm = Contractor(number=f"16000{i + 1}", name=name, search_key=search_key(name), legal_form="corporation",
                              area="city", status="active")
            registration = Registration(category="construction", period_start=date(2025, 4, 1),
                                        period_end=date(2027, 3, 31))
            registration.work_types.append(RegisteredWorkType(work_type_code="010", rank="A", objective_points=800))
            firm.registrations.append(registration)
            session.add(firm)
            session.flush()
            session.add(KeishinScore(contractor_id=firm.id, work_type_code="010", base_date=date(2025, 12, 31),
                                     x1=800, x2=800, y=800, z=800, w=800, p_computed=800, valid_until=date(2027, 7, 31)))
            firms.append(firm)
        line = BudgetLine(fiscal_year=2026, account_code="01", chapter_code="08", section_code="02", item_code="01",
                          subitem_code="14", department=department, current_amount=900_000_000,
                          executed_amount=0, remaining_amount=900_000_000)
        session.add(line)
        session.flush()
        case = cases.create_case(session, staff, {
            "name": "市道駅南線舗装補修工事", "department_id": department.id, "category": "construction",
            "work_type_code": "010", "method": "nominated", "planned_price": 30_000_000, "floor_kind": "minimum",
            "floor_price": 26_000_000, "drafted_on": date(2026, 5, 1), "notice_on": date(2026, 5, 15),
            "opening_at": datetime(2026, 5, 29, 10, 0), "work_days": 120})
        add_charge(session, staff, case, line.id, 33_000_000)
        cases.approve_case(session, staff, case)
        for firm in firms:
            nominations.pick_firm(session, staff, case, firm, today=date(2026, 5, 10))
        nominations.notify_nominations(session, staff, case, notice_on=case.notice_on)
        session.commit()
        return case.id


BIDS = (  # (firm, amount, くじ入力番号, receipt)
    ("160001", "", "", "2026-05-28T09:00:00.000"),
    ("160002", "25,000,000", "111", "2026-05-28T09:05:00.250"),
    ("160003", "27,500,000", "428", "2026-05-28T09:10:00.600"),
    ("160004", "27,500,000", "905", "2026-05-28T09:15:00.875"),
    ("160005", "28,400,000", "333", "2026-05-28T09:20:00.000"),
    ("160006", "29,900,000", "777", "2026-05-28T09:25:00.000"),
)


def test_bids_to_award(live_app, live_server, new_page, tmp_path):
    case_id = _seed(live_app)
    page = new_page()
    _login(page, live_server, "bj.keiyaku", PASSWORD)
    page.goto(f"{live_server}/bidding/cases/{case_id}/bids")
    for number, amount, lot_input, receipt in BIDS:
        page.locator("#contractor_id").select_option(label=f"{number} 入札ジャーニー建設{number[-1]}")
        if amount:
            page.get_by_label("入札金額（税抜）").fill(amount)
            page.get_by_label("くじ入力番号（3 桁）").fill(lot_input)
        else:
            page.get_by_label("辞退").check()
        page.get_by_label("受付日時").fill(receipt)
        page.get_by_role("button", name="入札を記録する").click()
        expect(page.locator(".notice--success")).to_contain_text("の入札を記録しました（第1回）")
    page.get_by_role("button", name="第1回を開札する").click()
    expect(page.locator(".notice--success")).to_contain_text("開札しました")
    table = page.locator("table").first
    expect(table).to_contain_text("辞退")
    expect(table).to_contain_text("失格（最低制限価格未満）")
    expect(page.locator(".notice--warning")).to_contain_text("27,500,000 円の同額の入札が 2 者あります")
    page.get_by_role("button", name="電子くじを引く").click()
    # System values are the receipt milliseconds (600 and 875): くじ番号 (428 + 600) → 028, (905 + 875) → 780;
    # (28 + 780) = 808, 808 mod 2 = 0 → the first received of the two (入札ジャーニー建設3) wins.
    lot = page.locator("section.card")
    expect(lot).to_contain_text("（028 + 780） = 808、808 ÷ 2 の余り = 0")
    expect(lot).to_contain_text("1 位")
    page.get_by_label("決定日").fill("2026-05-29")
    page.get_by_role("button", name="落札者に決定する（入札ジャーニー建設3、27,500,000円）").click()
    expect(page.locator(".notice--success").first).to_contain_text("落札決定: 入札ジャーニー建設3（27,500,000 円）")
    expect(page.locator(".notice--success").nth(1)).to_contain_text("落札率 91.67%")

    # The 入札調書, previewed, then as a PDF showing how the lot fell.
    page.get_by_role("link", name="入札調書").click()
    expect(page.locator("h1")).to_have_text("入札調書")
    expect(page.locator("iframe.form-preview")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF をダウンロード").click()
    pdf = tmp_path / "bid_record.pdf"
    download.value.save_as(pdf)
    from tests.exports.pdfcheck import read_pdf

    text = "".join(p.text for p in read_pdf(pdf.read_bytes())).replace(" ", "")
    assert "808" in text and "入札ジャーニー建設3" in text
