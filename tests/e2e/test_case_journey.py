"""The tender-case journey (issue: cases from budget to nomination) in the browser, as new users would take it:
the administrator imports the finance system's budget file; a 土木課 user drafts a case, charges it to a budget
line and enters the breakdown (the minimum price appears with its steps); the contract section records 決裁,
lists the eligible firms with the reasons of the others, nominates six and prints the 指名通知書 after its
preview; the 土木課 user cannot open 建築課's draft; a firm suspended after its nomination drops out with a
warning."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from core.config import PROJECT_ROOT
from tests.e2e.test_admin_journey import _login

PASSWORD = "Case-Journey-2026x"
SAMPLE = PROJECT_ROOT / "docs" / "samples" / "budget_2025.csv"


def _seed(app) -> dict:
    """Departments of the sample budget, one login per role of the journey, nine firms registered for 土木一式
    (one of rank C), and a draft of 建築課."""
    from bidding.cases import services as case_services
    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.auth.roles import Role
    from core.db import db
    from core.jp import search_key
    from registry.contractors.models import Contractor
    from registry.qualifications.models import KeishinScore, RegisteredWorkType, Registration

    with app.app_context():
        session = db.session
        from bidding.budget.demo import SAMPLE_DEPARTMENTS

        made = {code: admin_services.create_department(session, None, code=code, name=name)
                for code, name in SAMPLE_DEPARTMENTS.items()}
        doboku, kenchiku = made["110"], made["210"]
        users = {}
        for login_id, role, department in (("cj.admin", Role.SYSTEM_ADMIN, None),
                                           ("cj.keiyaku", Role.CONTRACT_STAFF, None),
                                           ("cj.doboku", Role.DEPARTMENT_STAFF, doboku),
                                           ("cj.kenchiku", Role.DEPARTMENT_STAFF, kenchiku)):
            user, _ = admin_services.create_user(session, None, login_id=login_id, name=login_id, roles=[role],
                                                 department_id=department.id if department else None,
                                                 policy=PasswordPolicy(), issue_password=False)
            user.password_hash, user.must_change_password = hash_password(PASSWORD), False
            users[login_id] = user
        for i in range(9):
            name = f"株式会社ジャーニー建設{i + 1}"
            firm = Contractor(number=f"{150001 + i}", name=name, search_key=search_key(name), legal_form="corporation",
                              area="city", status="active")
            registration = Registration(category="construction", period_start=date(2025, 4, 1),
                                        period_end=date(2027, 3, 31))
            registration.work_types.append(RegisteredWorkType(work_type_code="010", rank="C" if i == 8 else "A",
                                                              objective_points=900 - i * 10, subjective_points=20))
            firm.registrations.append(registration)
            session.add(firm)
            session.flush()
            session.add(KeishinScore(contractor_id=firm.id, work_type_code="010", base_date=date(2025, 3, 31),
                                     x1=800, x2=800, y=800, z=800, w=800, p_computed=900 - i * 10,
                                     valid_until=date(2026, 10, 31)))
        other = case_services.create_case(session, users["cj.keiyaku"], {
            "name": "市民会館空調改修工事", "department_id": kenchiku.id, "category": "construction",
            "work_type_code": "010", "method": "nominated", "drafted_on": date(2025, 6, 2)})
        session.commit()
        return {"other_case": other.id}


def _suspend_from_yesterday(app, number: str) -> None:
    from core.db import db
    from core.timefmt import today
    from registry.contractors.queries import find_by_number
    from registry.suspensions.models import Suspension

    with app.app_context():
        firm = find_by_number(db.session, number)
        start = today() - timedelta(days=1)
        db.session.add(Suspension(contractor_id=firm.id, cause_code="breach", decided_on=start - timedelta(days=2),
                                  starts_on=start, ends_on=start + timedelta(days=60), period_text="2か月",
                                  facts="契約違反"))
        db.session.commit()


def test_case_from_budget_to_nomination(live_app, live_server, new_page, tmp_path):
    seeded = _seed(live_app)

    # The administrator imports the finance system's budget file (CP932), dry run first.
    admin = new_page()
    _login(admin, live_server, "cj.admin", PASSWORD)
    admin.goto(live_server + "/admin/imports/")
    admin.get_by_label("取り込むデータ").select_option(label="予算（財務会計システム）")
    admin.get_by_label("ファイル（CSV または Excel .xlsx）").set_input_files(str(SAMPLE))
    admin.get_by_role("button", name="アップロードして事前確認").click()
    expect(admin.locator("h2", has_text="結果")).to_be_visible(timeout=20000)
    admin.get_by_role("button", name="取り込む").click()
    expect(admin.locator("#import-status .notice--success")).to_contain_text("取り込みました", timeout=20000)

    # A 土木課 user drafts the case.
    staff = new_page()
    _login(staff, live_server, "cj.doboku", PASSWORD)
    staff.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="案件の起案").click()
    staff.get_by_label("件名").fill("市道中央線道路改良工事")
    staff.get_by_label("業種").select_option("010")
    staff.get_by_label("設計金額（税抜）").fill("30,000,000")
    staff.get_by_label("予定価格（税抜）").fill("30,000,000")
    staff.locator("#allowed_ranks-0").check()  # A
    staff.locator("#drafted_on").fill("2025-06-02")
    staff.locator("#notice_on").fill("2025-06-16")
    staff.locator("#opening_at").fill("2025-07-01T10:00")
    staff.locator("#work_days").fill("150")
    staff.get_by_role("button", name="起案する").click()
    expect(staff.locator(".notice--success")).to_contain_text("案件を起案しました（案件番号 2025-110-0001）")

    # Charged to a 土木課 line of the imported budget (the amount defaults to 予定価格 with tax).
    staff.get_by_label("予算科目").select_option(index=1)
    expect(staff.get_by_label("充当額（税込）")).to_have_value("33,000,000")
    staff.get_by_role("button", name="充当する").click()
    expect(staff.locator("#budget ~ .table-wrap table").first).to_contain_text("33,000,000円")

    # The breakdown gives the minimum price, with its steps.
    staff.get_by_role("navigation", name="表示の切り替え").get_by_role("link", name="価格").click()
    for label, amount in (("直接工事費", "20,000,000"), ("共通仮設費", "2,000,000"), ("現場管理費", "4,000,000"),
                          ("一般管理費等", "4,000,000")):
        staff.get_by_label(label).fill(amount)
    staff.get_by_role("button", name="保存して最低制限価格を計算する").click()
    expect(staff.locator(".notice--success")).to_contain_text("最低制限価格: 27,520,000 円")
    expect(staff.locator("table")).to_contain_text("20,000,000 円 × 97% = 19,400,000 円")

    # 建築課's draft is not there for a 土木課 user.
    response = staff.goto(f"{live_server}/bidding/cases/{seeded['other_case']}")
    assert response.status == 404

    # The contract section records 決裁 and nominates six firms.
    contract = new_page()
    _login(contract, live_server, "cj.keiyaku", PASSWORD)
    contract.goto(live_server + "/bidding/cases?q=市道中央線")
    contract.get_by_role("link", name="市道中央線道路改良工事").click()
    contract.get_by_role("button", name="決裁を記録する").click()
    expect(contract.locator(".notice--success")).to_contain_text("決裁を記録しました")
    contract.get_by_role("navigation", name="表示の切り替え").get_by_role("link", name="指名・参加者").click()
    contract.get_by_label("表示", exact=True).select_option("ineligible")
    contract.get_by_role("button", name="表示", exact=True).click()
    expect(contract.locator("table").last).to_contain_text("等級 C は参加できる等級（A）の外")
    contract.get_by_label("表示", exact=True).select_option("eligible")
    contract.get_by_role("button", name="表示", exact=True).click()
    boxes = contract.locator("input[name=pick]")
    expect(boxes).to_have_count(8)
    for i in range(6):
        boxes.nth(i).check()
    contract.get_by_role("button", name="チェックした業者を指名業者に選ぶ").click()
    expect(contract.locator(".notice--success")).to_contain_text("6 者を指名業者に選びました")
    contract.get_by_role("button", name="選んだ業者に指名通知する（令和7年6月16日）").click()
    expect(contract.locator(".notice--success")).to_contain_text("6 者に指名通知を行いました")
    expect(contract.locator(".badge", has_text="指名済")).to_have_count(7)  # the case and its six firms

    # The 指名通知書: the preview first (6 letters), then the PDF to print, one page per firm.
    contract.get_by_role("link", name="指名通知書を印刷する（全業者）").click()
    expect(contract.locator("h1")).to_have_text("指名通知書")
    expect(contract.locator(".table-meta")).to_contain_text("6 通")
    expect(contract.locator("iframe.form-preview")).to_be_visible()
    with contract.expect_download() as download:
        contract.get_by_role("link", name="PDF をダウンロード").click()
    pdf = tmp_path / "notice.pdf"
    download.value.save_as(pdf)
    import pikepdf

    with pikepdf.open(pdf) as document:
        assert len(document.pages) == 6
    contract.go_back()

    # A firm suspended after its nomination drops out, with a warning on the case.
    _suspend_from_yesterday(live_app, "150001")
    contract.reload()
    contract.get_by_role("button", name="本日指名停止中の参加者の指名を取り消す").click()
    expect(contract.locator(".notice--success")).to_contain_text("1 件取り消しました")
    expect(contract.locator(".notice--warning").first).to_contain_text("株式会社ジャーニー建設1")
    expect(contract.locator("#participants ~ .table-wrap").first).to_contain_text("取消")
