"""The grading journey in the browser (issue 13, SPEC GR1-GR4): a contract of 道路課 completes when its 完成検査 passes;
the works department names the 主任監督員 and 総括監督員; three graders of two departments enter their sheets with
the checklists (a draft, an override with its reason, a refused submit), the 総括監督員 settles, the contract section
previews the 工事成績評定表 and notifies the grade; the firm reads the notice with its 項目別評定点表 on the portal and
files a 説明請求, which the contract section answers within the deadline; the statistics list the new grade and the
主観点 feed moves the firm's 工事成績 points in its 格付 tab (SPEC GR5, CM9).

The seed (through the services) stops at the 完成検査 assigned to the 検査員; the rest is done in the browser. Dates
are fixed up to the 完成検査 (2026-11-27); the notice, the 説明請求 and its answer are dated today (the forms'
defaults), so their deadlines lie ahead whenever the test runs; the feed is run on a fixed 基準日 (``FEED_DAY``).

The score by hand (標準, 基本点 65, weights 0.4・0.2・0.4, each grader's score and the total rounded half up):
  主任監督員 施工体制一般 b 0.5, 配置技術者 b 1.5, 施工管理 b 2.0, 工程管理 c 0 (3 of 5 ticked), 安全対策 b 2.5,
    対外関係 b 1.0, 出来形 b 2.0, 品質 a 5.0 (the checklist suggests b: a reason), 創意工夫 +2 → 16.5 → 81.5 → 82
  総括監督員 工程管理 b 1.0, 安全対策 b 1.5, 施工条件等への対応 +1, 地域への貢献等 b 7.5 → 11 → 76
  検査員 施工管理 b 2.5, 出来形 b 5.0, 品質 b 7.5, 出来ばえ b 2.5 → 17.5 → 82.5 → 83
  評定点計 0.4 × 82 + 0.2 × 76 + 0.4 × 83 = 81.2 → 総合評定点 81
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from playwright.sync_api import expect

from tests.e2e.test_admin_journey import _login
from tests.exports.pdfcheck import read_pdf

PASSWORD = "Grading-Journey-2026x"
CASE_NAME = "市道成績評定線道路改良工事"
APPLICANT = "gj.seiseki@example.jp"
CHIEF, GENERAL, INSPECTOR, STAFF = "gj.shunin", "gj.soukatsu", "gj.kensa", "gj.keiyaku"
#: The 基準日 of the 主観点 feed: its window is 2025〜2026年度 (the 年度 of the day and the one before), whenever the
#: test runs.
FEED_DAY = date(2027, 3, 31)
NAMES = {CHIEF: "主任 評定", GENERAL: "総括 評定", INSPECTOR: "検査 評定", STAFF: "契約 評定"}


def _seed(app) -> int:
    """道路課 (two department staff), 工事検査課 (an 検査員), a contract staff user, a firm with its applicant login and
    two past grades of 道路課 imported (85 and 82 in 2025年度, so the firm's 工事成績 主観点 as of ``FEED_DAY`` is 0:
    fewer than three works), and a contract of 30,250,000 円 whose 完成届 is in and whose 完成検査 is assigned to the
    検査員. Returns the firm's id."""
    from bidding.bids import award
    from bidding.bids import services as bids
    from bidding.budget.models import BudgetLine
    from bidding.cases import services as cases
    from bidding.cases.charges import add_charge
    from bidding.contracts import services as contracts
    from bidding.inspections import services as inspections
    from bidding.nominations import services as nominations
    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.auth.roles import Role
    from core.auth.services import find_user
    from core.db import db, utcnow
    from core.history import BulkWriter
    from core.jp import search_key
    from grading.statistics.feed import feed_performance_points
    from grading.works.import_services import PastGrade, import_past_grade
    from registry.applications import accounts
    from registry.contractors.models import Contractor
    from registry.qualifications.models import KeishinScore, RegisteredWorkType, Registration

    method = app.config["PASSWORD_HASH_METHOD"]
    with app.app_context():
        session = db.session
        works = admin_services.create_department(session, None, code="gj140", name="道路課")
        kensa = admin_services.create_department(session, None, code="gj141", name="工事検査課")
        users = {}
        for login_id, role, department in ((CHIEF, Role.DEPARTMENT_STAFF, works),
                                           (GENERAL, Role.DEPARTMENT_STAFF, works),
                                           (INSPECTOR, Role.INSPECTOR, kensa), (STAFF, Role.CONTRACT_STAFF, None)):
            user, _ = admin_services.create_user(session, None, login_id=login_id, name=NAMES[login_id], roles=[role],
                                                 department_id=department.id if department else None,
                                                 policy=PasswordPolicy(), hash_method=method, issue_password=False)
            user.password_hash, user.must_change_password = hash_password(PASSWORD, method), False
            users[login_id] = user
        firm = Contractor(number="180001", name="成績道路株式会社", search_key=search_key("成績道路株式会社"),
                          legal_form="corporation", area="city", status="active", corporate_number="8000012050001",
                          address="架空市中央町2-1", representative_title="代表取締役", representative_name="成績 太郎")
        registration = Registration(category="construction", period_start=date(2025, 4, 1), period_end=date(2027, 3, 31))
        registration.work_types.append(RegisteredWorkType(work_type_code="010", rank="A", objective_points=800))
        firm.registrations.append(registration)
        session.add(firm)
        session.flush()
        session.add(KeishinScore(contractor_id=firm.id, work_type_code="010", base_date=date(2025, 12, 31), x1=800,
                                 x2=800, y=800, z=800, w=800, p_computed=800, valid_until=date(2027, 7, 31)))
        # The firm's applicant login, as an accepted application leaves it (the account carries the 業者番号).
        accounts.sign_up(session, email=APPLICANT, firm_name=firm.name, password=PASSWORD, policy=PasswordPolicy(),
                         hash_method=method, now=utcnow(), link=lambda token: token)
        applicant = find_user(session, APPLICANT)
        account = accounts.account_of(session, applicant)
        account.email_confirmed_at, account.contractor_number = utcnow(), firm.number
        applicant.is_active, applicant.deactivated_reason = True, None
        line = BudgetLine(fiscal_year=2026, account_code="01", chapter_code="08", section_code="02", item_code="02",
                          subitem_code="15", department=works, current_amount=900_000_000, executed_amount=0,
                          remaining_amount=900_000_000)
        session.add(line)
        session.flush()
        staff = users[STAFF]
        case = cases.create_case(session, staff, {
            "name": CASE_NAME, "department_id": works.id, "category": "construction", "work_type_code": "010",
            "method": "nominated", "planned_price": 30_000_000, "floor_kind": "minimum", "floor_price": 26_000_000,
            "drafted_on": date(2026, 5, 1), "notice_on": date(2026, 5, 15), "opening_at": datetime(2026, 5, 29, 10, 0),
            "work_days": 170})
        add_charge(session, staff, case, line.id, 33_000_000)
        cases.approve_case(session, staff, case)
        nominations.pick_firm(session, staff, case, firm, today=date(2026, 5, 10))
        nominations.notify_nominations(session, staff, case, notice_on=case.notice_on)
        bids.record_bid(session, staff, case, firm, amount=27_500_000, declined=False,
                        received_at=datetime(2026, 5, 28, 9, 0))
        bids.open_round(session, staff, case, now=datetime(2026, 5, 29, 10, 0))
        award.award(session, staff, case, decided_on=date(2026, 5, 29))
        contract = contracts.create_contract(session, staff, case, contract_date=date(2026, 6, 5),
                                             work_from=date(2026, 6, 6), work_to=date(2026, 11, 30),
                                             guarantee_method="bond", guarantee_amount=3_025_000)
        contracts.report_completion(session, staff, contract, reported_on=date(2026, 11, 25))
        inspections.assign_inspection(session, staff, contract, kind="final", inspector=users[INSPECTOR],
                                      scheduled_on=date(2026, 11, 27))
        # The firm's past grades, imported as the legacy system's export would bring them, then fed into the registry.
        writer = BulkWriter(session, staff)
        for number, completed, score in (("R7-0412", date(2025, 10, 15), "85"), ("R7-0877", date(2026, 2, 20), "82")):
            import_past_grade(writer, PastGrade(
                contract_number=f"GJ-{number}", name=f"市道成績評定線舗装工事（{number}）", contractor_id=firm.id,
                department_id=works.id, work_type_code="010", contract_amount=28_600_000, completed_on=completed,
                fiscal_year=2025, final_score=Decimal(score), contract_id=None))
        writer.write()
        feed_performance_points(session, staff, FEED_DAY)
        session.commit()
        return firm.id


def _open(new_page, base: str, login_id: str):
    """A browser of its own for ``login_id``, logged in; it answers every confirmation with OK."""
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, base, login_id, PASSWORD)
    expect(page.locator(".site-header__user")).to_be_visible()
    return page


def _menu(page, label: str) -> None:
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name=label, exact=True).click()


def _grade(page, label: str, letter: str, ticks: int = 0, reason: str | None = None) -> None:
    """One 細別 of the sheet on screen: tick the first ``ticks`` 評価対象項目 as できている, choose ``letter`` (a letter,
    or the points of a bonus item) and the reason for another letter than the suggested one."""
    item = page.get_by_role("region", name=label, exact=True)
    done = item.get_by_role("checkbox", name=re.compile(r"できている$"))
    for i in range(ticks):
        done.nth(i).check()
    if letter.isdigit():
        item.get_by_label(re.compile(r"^加点")).fill(letter)
    else:
        item.get_by_role("radio", name=re.compile(rf"^{re.escape(letter)}\s*（")).check()
    if reason is not None:
        item.get_by_label(re.compile(r"^目安と違う評価にする理由")).fill(reason)


def _for(action: str) -> re.Pattern:
    """The name of a button of the work's row: its visible words and the work's name read out after them."""
    return re.compile(rf"^{action}\s*（{CASE_NAME}）$")


def _submit(page, flash: str) -> None:
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".notice--success")).to_contain_text(flash)


def test_grading_journey(live_app, live_server, new_page, tmp_path):
    from core import mail

    firm_id = _seed(live_app)
    mail.clear_outbox()

    # 1. The 検査員 passes the 完成検査: the graded work opens.
    inspector = _open(new_page, live_server, INSPECTOR)
    inspector.goto(f"{live_server}/bidding/inspections")
    inspector.get_by_role("link", name="完成検査").click()
    inspector.get_by_label("検査日").fill("2026-11-27")
    inspector.get_by_label("結果").select_option(label="合格")
    inspector.get_by_role("button", name="結果を記録する").click()
    expect(inspector.locator(".notice--success")).to_contain_text("完成検査の結果（合格）を記録しました")

    # 2. The works department's staff sees the work waiting for its supervisors and names them.
    chief = _open(new_page, live_server, CHIEF)
    _menu(chief, "評定の入力")
    waiting = chief.get_by_role("table", name="主任監督員・総括監督員の指定を待つ工事")
    expect(waiting).to_contain_text(CASE_NAME)
    expect(waiting.get_by_role("row", name=re.compile(CASE_NAME))).to_contain_text("主任監督員・総括監督員")
    waiting.get_by_role("link", name=CASE_NAME).click()
    expect(chief.locator("h1")).to_have_text(CASE_NAME)
    work_url = chief.url.split("#")[0]
    work_id = int(re.search(r"/grading/works/(\d+)", work_url).group(1))
    graders = chief.get_by_role("table", name="評定者と入力の状態")
    expect(graders.get_by_role("row", name=re.compile("^検査員"))).to_contain_text(NAMES[INSPECTOR])
    chief.get_by_label("主任監督員", exact=True).select_option(label=NAMES[CHIEF])
    chief.get_by_role("button", name="主任監督員を指定").click()
    expect(chief.locator(".notice--success")).to_contain_text(f"主任監督員に{NAMES[CHIEF]}さんを指定しました")
    chief.get_by_label("総括監督員", exact=True).select_option(label=NAMES[GENERAL])
    chief.get_by_role("button", name="総括監督員を指定").click()
    expect(chief.locator(".notice--success")).to_contain_text(f"総括監督員に{NAMES[GENERAL]}さんを指定しました")

    # 3. The 主任監督員's sheet: part of it saved as a draft (the checklist's suggestion shows), then an override
    # without its reason is refused (nothing saved), then with the reason it is submitted.
    _menu(chief, "評定の入力")
    chief.get_by_role("link", name=_for("入力する")).click()
    expect(chief.locator("h1")).to_have_text("工事成績採点表（主任監督員）")
    _grade(chief, "施工体制一般", "b", ticks=5)
    _grade(chief, "配置技術者", "b", ticks=5)
    _grade(chief, "施工管理", "b", ticks=5)
    chief.get_by_role("button", name="一時保存").click()
    expect(chief.locator(".notice--success")).to_contain_text("一時保存しました")
    expect(chief.get_by_role("region", name="施工体制一般", exact=True)).to_contain_text("評価対象項目からの目安: b")
    expect(chief.get_by_role("region", name="施工体制一般", exact=True).get_by_role(
        "checkbox", name=re.compile(r"できている$")).nth(4)).to_be_checked()
    _grade(chief, "工程管理", "c", ticks=3)  # 3 of 5 (60 %): c
    _grade(chief, "安全対策", "b", ticks=5)
    _grade(chief, "対外関係", "b", ticks=4)
    _grade(chief, "出来形", "b", ticks=4)
    _grade(chief, "品質", "a", ticks=4)  # the checklist says b; a needs a reason
    _grade(chief, "創意工夫", "2")
    chief.get_by_role("button", name="提出する").click()
    expect(chief.locator(".error-summary")).to_contain_text(
        "「品質」の評価対象項目からの目安は b です。a とするときは理由を入力してください。")
    expect(chief.locator(".page-header .badge")).to_have_text("入力中")
    _grade(chief, "品質", "a", reason="全数の試験で規格値の中央付近に収まり、品質の管理が特に優れていた")
    _submit(chief, "主任監督員の評定を提出しました（評定点 82 点）")

    # The chief sees neither the 総括監督員's sheet nor the 検査員's (403/404 by address).
    for role in ("general", "final_inspector"):
        response = chief.goto(f"{live_server}/grading/works/{work_id}/sheets/{role}/1")
        assert response.status in (403, 404), (role, response.status)

    # 4. The 総括監督員 (same department) and the 検査員 (another department) submit their own sheets.
    general = _open(new_page, live_server, GENERAL)
    _menu(general, "評定の入力")
    general.get_by_role("link", name=_for("入力する")).click()
    expect(general.locator("h1")).to_have_text("工事成績採点表（総括監督員）")
    _grade(general, "工程管理", "b", ticks=5)
    _grade(general, "安全対策", "b", ticks=5)
    _grade(general, "施工条件等への対応", "1")
    _grade(general, "地域への貢献等", "b", ticks=4)
    _submit(general, "総括監督員の評定を提出しました（評定点 76 点）")

    _menu(inspector, "評定の入力")
    mine = inspector.get_by_role("table", name="あなたが入力する評定")
    expect(mine.get_by_role("row", name=re.compile(CASE_NAME))).to_contain_text("検査員")
    mine.get_by_role("link", name=_for("入力する")).click()
    expect(inspector.locator("h1")).to_have_text("工事成績採点表（検査員（完成））")
    _grade(inspector, "施工管理", "b", ticks=5)
    _grade(inspector, "出来形", "b", ticks=4)
    _grade(inspector, "品質", "b", ticks=4)
    _grade(inspector, "出来ばえ", "b", ticks=4)
    _submit(inspector, "の評定を提出しました（評定点 83 点）")
    response = inspector.goto(f"{live_server}/grading/works/{work_id}/sheets/chief/1")
    assert response.status in (403, 404), response.status

    # 5. The 総括監督員 settles: 0.4 × 82 + 0.2 × 76 + 0.4 × 83 = 81.2 → 81.
    _menu(general, "評定の入力")
    general.get_by_role("table", name="確定を待つ工事").get_by_role("link", name=CASE_NAME).click()
    general.get_by_role("button", name="評定を確定する").click()
    expect(general.locator(".notice--success")).to_contain_text("評定を確定しました（評定点 81 点）")
    result = general.get_by_role("table", name="評定点の計算")
    expect(result.get_by_role("row", name=re.compile("^評定点計"))).to_contain_text("81.2")
    expect(result.get_by_role("row", name=re.compile("^総合評定点"))).to_contain_text("81")
    expect(general.locator(".page-header .badge")).to_have_text("確定")

    # 6. The contract section previews the 工事成績評定表 and notifies the grade (dated today, the form's default).
    staff = _open(new_page, live_server, STAFF)
    staff.goto(work_url)
    staff.get_by_role("link", name="工事成績評定表").click()
    expect(staff.locator("iframe.form-preview")).to_be_visible()
    with staff.expect_download() as download:
        staff.get_by_role("link", name="PDF をダウンロード").click()
    pdf = tmp_path / "summary.pdf"
    download.value.save_as(pdf)
    text = "".join(page.text for page in read_pdf(pdf.read_bytes()))
    for line in ("工事成績評定表", f"工事名 {CASE_NAME}", "主任監督員 主任 評定 82 0.4 32.8",
                 "総括監督員 総括 評定 76 0.2 15.2", "検査員（完成） 検査 評定 83 0.4 33.2", "評定点計 81.2",
                 "総合評定点 81 点"):
        assert line in text, line
    _menu(staff, "評定の通知")
    row = staff.get_by_role("row", name=re.compile(CASE_NAME))
    expect(row).to_contain_text("81")
    row.get_by_role("button", name=_for("通知する")).click()
    expect(staff.locator(".notice--success")).to_contain_text(f"{CASE_NAME} の評定を通知しました")
    assert any(m.to == APPLICANT and CASE_NAME in m.body for m in mail.outbox())

    # 7. The firm reads the notice on the portal with its 項目別評定点表 and files a 説明請求.
    applicant = _open(new_page, live_server, APPLICANT)
    applicant.goto(f"{live_server}/portal/grading/")
    applicant.get_by_role("link", name=CASE_NAME).click()
    expect(applicant.locator("h1")).to_have_text("工事成績評定の通知")
    expect(applicant.locator(".detail-list")).to_contain_text("81 点")
    expect(applicant.get_by_role("heading", name="項目別評定点表")).to_be_visible()
    expect(applicant.locator("main")).to_contain_text("配置技術者")
    applicant.get_by_label("請求の内容").fill("工程管理が c となった理由について説明を求めます。")
    applicant.get_by_role("button", name="説明請求をする").click()
    expect(applicant.locator(".notice--success")).to_contain_text("説明請求を受け付けました")

    # 8. The contract section answers within the deadline; the firm reads the answer.
    _menu(staff, "説明請求")
    staff.get_by_role("row", name=re.compile(CASE_NAME)).get_by_role("link").first.click()
    expect(staff.locator("h1")).to_have_text(f"説明請求: {CASE_NAME}")
    expect(staff.locator(".notice--error")).to_have_count(0)  # not past its deadline
    answer = "工程表に対し 2 週間の遅れが生じ、その対策が遅れたため c としました。"
    staff.get_by_label(re.compile(r"^回答 必須$")).fill(answer)
    staff.get_by_role("button", name="回答を記録する").click()
    expect(staff.locator(".notice--success")).to_contain_text("回答")
    expect(staff.locator(".detail-list")).to_contain_text(answer)
    applicant.reload()
    requests = applicant.locator(".card")
    expect(requests).to_contain_text(answer)
    expect(requests).to_contain_text("回答済")

    # 9. The statistics hold the new grade; the 主観点 feed (a dry view, then apply) moves the firm's 工事成績 points
    # from 0 (two works) to +20: (85 + 82 + 81) / 3 = 82.67, in the band of 80 点以上.
    _menu(staff, "評定の統計")
    staff.get_by_role("link", name="業者別の統計").click()
    staff.get_by_role("link", name="成績道路株式会社").click()
    expect(staff.locator("h1")).to_contain_text("成績道路株式会社")
    works = staff.get_by_role("table", name="成績道路株式会社の評定した工事（完成日の新しい順）")
    expect(works.get_by_role("row")).to_have_count(4)  # the header and three works
    expect(works.get_by_role("row", name=re.compile(CASE_NAME))).to_contain_text("81")
    registered = staff.get_by_role("table", name="登録業種ごとの工事成績による主観点と根拠")
    expect(registered).to_contain_text("2 件")
    expect(registered).to_contain_text("3 件未満のため 0 点")

    _menu(staff, "評定の統計")
    staff.get_by_role("link", name="主観点への反映").click()
    staff.get_by_role("textbox", name="基準日").fill(FEED_DAY.isoformat())
    staff.get_by_role("button", name="この基準日で確認").click()
    changes = staff.get_by_role("table", name="反映で変わる登録業種: 現在と反映後の主観点と根拠")
    row = changes.get_by_role("row", name=re.compile("成績道路株式会社"))
    expect(row).to_contain_text("+0")
    expect(row).to_contain_text("+20")
    expect(row).to_contain_text("3 件・平均 82.67 点（80 点以上）")
    staff.get_by_role("button", name=re.compile(r"件を反映する$")).click()
    expect(staff.locator(".notice--success")).to_contain_text("工事成績による主観点を反映しました")

    staff.goto(f"{live_server}/grading/statistics/contractors/{firm_id}")
    staff.get_by_role("link", name="業者の登録内容").click()
    staff.get_by_role("link", name="格付", exact=True).click()
    ranks = staff.get_by_role("row", name=re.compile("^010"))
    expect(ranks).to_contain_text("+20")
    expect(ranks).to_contain_text("2025〜2026年度の評定 3 件・平均 82.67 点（80 点以上）")
