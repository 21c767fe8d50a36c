"""Take screenshots of the main pages with headless Chromium, for a human to look at.

Usage: python scripts/screenshots.py OUTPUT_DIR [--only-imports]
Starts the app on a temporary SQLite database with the demo data, logs in as the demo admin and saves
one PNG per page (1366x768, the common VDI size). Needs Debian's chromium (or CHROMIUM_PATH).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

PAGES = [
    ("home", "/"),
    ("users", "/admin/users"),
    ("user_new", "/admin/users/new"),
    ("user_detail", "/admin/users/2"),
    ("departments", "/admin/departments"),
    ("login_history", "/admin/login-history"),
    ("sessions", "/admin/sessions"),
    ("audit", "/admin/audit/"),
    ("audit_detail", "/admin/audit/3"),
    ("audit_verify", "/admin/audit/verify"),
    ("password", "/password"),
    ("user_history", "/admin/users/2/history?as_of=2020-01-01"),
    ("imports", "/admin/imports/"),
    ("import_profiles", "/admin/imports/profiles"),
    ("import_profile_new", "/admin/imports/profiles/new?kind=users"),
    ("rules", "/admin/rules/"),
    ("holidays", "/admin/rules/holidays"),
    ("forms", "/exports/reports"),
    ("contractors", "/registry/contractors"),
    ("contractors_filtered", "/registry/contractors?work_type=010&rank=A#results"),
    ("contractors_permits_expiring", "/registry/contractors?expiring=permit"),
    ("suspensions_ending_this_week", "/registry/suspensions?state=all&include_lifted=y&week=ending"),
    ("applications_submitted", "/registry/applications?state=submitted"),
    ("contractor_detail", "/registry/contractors/3"),
    ("contractor_permits", "/registry/contractors/3/permits"),
    ("contractor_ranks", "/registry/contractors/3/ranks"),
    ("contractor_suspensions", "/registry/contractors/3/suspensions"),
    ("contractor_history", "/registry/contractors/3/history"),
    ("suspensions", "/registry/suspensions"),
    ("suspension_new", "/registry/suspensions/new"),
    ("suspension_new_unknown", "/registry/suspensions/new?number=999999"),
    ("rank_review", "/registry/ranks/review"),
    ("form_ledger", "/exports/reports/contractor_ledger"),
    ("form_users", "/exports/reports/users"),
    ("applications", "/registry/applications"),
    ("application_review", "/registry/applications/1"),
    ("application_transfer", "/registry/applications/transfer"),
    ("cases", "/bidding/cases"),
    ("case_new", "/bidding/cases/new"),
    ("case_detail", "/bidding/cases/1"),
    ("case_prices", "/bidding/cases/1/prices"),
    ("case_prices_draft", "/bidding/cases/2/prices"),
    ("case_nominations", "/bidding/cases/1/nominations"),
    ("case_nominations_ineligible", "/bidding/cases/1/nominations?show=ineligible&sort=points"),
    ("case_open_applicants", "/bidding/cases/3/nominations"),
    ("case_history", "/bidding/cases/1/history"),
    ("case_bids_opened", "/bidding/cases/4/bids"),
    ("case_bids_record", "/bidding/cases/1/bids"),
    ("contracts", "/bidding/contracts"),
    ("contracts_filtered", "/bidding/contracts?changes=yes&sort=-amount#results"),
    ("contracts_filter_error", "/bidding/contracts?amount_min=3%E5%8D%83%E4%B8%87#results"),
    ("case_contract_completed", "/bidding/cases/5/contract"),
    ("case_contract_changed", "/bidding/cases/6/contract"),
    ("form_contracts", "/exports/reports/contracts?changes=yes&sort=-amount"),
    ("budget", "/bidding/budget"),
    ("budget_chapters", "/bidding/budget?level=chapter"),
    ("budget_line", "/bidding/budget/1"),
    ("budget_line_history", "/bidding/budget/1/history"),
    ("grading_board", "/grading/board"),
    ("grading_board_late", "/grading/board?late=y"),
    ("grading_work_settled", "/grading/works/1"),
    ("grading_work_entering", "/grading/works/2"),
    ("grading_sheet_submitted", "/grading/works/1/sheets/chief/1"),
    ("form_grading_summary", "/exports/reports/grading_summary?work=2026-K0001"),
    ("grading_notices", "/grading/notices"),
    ("grading_notices_notified", "/grading/notices?state=notified"),
    ("grading_notice_detail", "/grading/notices/2"),
    ("grading_notice_notified", "/grading/notices/1"),
    ("grading_publication", "/grading/publication"),
    ("grading_explanations", "/grading/explanations"),
    ("grading_explanation", "/grading/explanations/1"),
    ("form_grading_notice", "/exports/reports/grading_notice?work=2026-K0001"),
    ("grading_statistics", "/grading/statistics"),
    ("grading_statistics_filtered", "/grading/statistics?year_from=2021&work_type=010#results"),
    ("grading_statistics_contractors", "/grading/statistics/contractors?sort=recent"),
    ("grading_statistics_firm", "/grading/statistics/contractors/{firm}"),
    ("grading_commendations", "/grading/statistics/commendations"),
    ("grading_feed", "/grading/statistics/feed"),
    ("rank_review_performance", "/registry/ranks/review?category=construction&start_year=2025&work_type=020&changed=all"),
    ("not_found", "/admin/users/9999"),
]
#: The home page of each staff role (its work queues follow the role), then one page each role often opens.
ROLE_PAGES = {
    "keiyaku": [("home_contract_staff", "/"), ("transfer_contract_staff", "/registry/applications/transfer")],
    "douro": [("home_department_staff", "/")],
    "soukatsu": [("home_grading_department_staff", "/"), ("grading_explanation_department_staff", "/grading/explanations/1"),
                 ("grading_work_general", "/grading/works/2")],
    "doboku": [("cases_department_staff", "/bidding/cases"), ("case_draft_department_staff", "/bidding/cases/2"),
               ("budget_department_staff", "/bidding/budget"), ("contracts_department_staff", "/bidding/contracts"),
               ("grading_statistics_department_staff", "/grading/statistics")],
    "kensa": [("home_inspector", "/")],
    "etsuran": [("home_viewer", "/")],
    "shunin": [("home_grader", "/"), ("grading_index", "/grading/"), ("grading_entry", "/grading/works/2/sheets/chief/1"),
               ("grading_board_grader", "/grading/board")],
}
#: Pages of the demo applicant (the portal), after the admin's.
PORTAL_PAGES = [
    ("portal_home", "/portal/"),
    ("portal_application", "/portal/applications/1"),
    ("portal_company", "/portal/applications/1/company"),
    ("portal_keishin", "/portal/applications/1/rows/keishin"),
    ("portal_attachments", "/portal/applications/1/attachments"),
]
#: Pages of the demo firm whose grade was notified (工事成績評定の通知 and its 説明請求).
GRADING_PORTAL_PAGES = [
    ("portal_grading_notices", "/portal/grading/"),
    ("portal_grading_notice", "/portal/grading/notices/1"),
]


def import_screens(app, page, base: str, tmp: Path, out: Path) -> None:
    """The import journey: a refused upload (file kept), the dry-run report, a job writing (progress box; its
    state is set directly, a real job of a small file ends too soon to be seen), the committed result."""
    header = "ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態\r\n"
    empty = tmp / "header_only.csv"
    empty.write_bytes(header.encode("cp932"))
    page.goto(base + "/admin/imports/")
    page.screenshot(path=str(out / "import_upload.png"), full_page=True)
    page.get_by_label("ファイル（CSV または Excel .xlsx）").set_input_files(str(empty))
    page.get_by_role("button", name="アップロードして事前確認").click()
    page.screenshot(path=str(out / "import_upload_refused.png"), full_page=True)
    sample = tmp / "staff.csv"
    sample.write_bytes((header + "tanaka.t,田中 太郎,0100,総務部 契約課,契約担当,,有効\r\n"
                        "x,,0100,,社長,,\r\n").encode("cp932"))
    page.goto(base + "/admin/imports/")
    page.get_by_label("ファイル（CSV または Excel .xlsx）").set_input_files(str(sample))
    page.get_by_role("button", name="アップロードして事前確認").click()
    page.wait_for_selector("text=結果", timeout=15000)
    page.screenshot(path=str(out / "import_report.png"), full_page=True)
    page.get_by_label("不正な行を除いて、正しい行だけを取り込む").check()
    page.get_by_role("button", name="取り込む").click()
    page.wait_for_selector("#import-status >> text=取り込みました", timeout=15000)
    page.screenshot(path=str(out / "import_committed.png"), full_page=True)
    with app.app_context():
        from core.db import db, utcnow
        from core.importing.models import ImportBatch

        running = ImportBatch(kind="users", profile_name="標準", file_name="職員一覧_2026.csv", file_sha256="0" * 64,
                              login_id="admin", status="writing", dry_run=False, skip_rejected=False, committed=False,
                              total=28500, processed=12000, encoding="cp932", heartbeat_at=utcnow())
        db.session.add(running)
        db.session.commit()
        running_id = running.id
    page.goto(f"{base}/admin/imports/{running_id}")
    page.screenshot(path=str(out / "import_progress.png"), full_page=True)


def grading_screens(browser, base: str, passwords: dict, out: Path) -> None:
    """The chief's entry screen refused (a letter above the checklist's suggestion without a reason, a bonus above
    its maximum): the messages beside their items; then the keyboard focus on the first field in error."""
    chief = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP").new_page()
    chief.goto(base + "/login")
    chief.get_by_label("ログインID").fill("shunin")
    chief.get_by_label("パスワード").fill(passwords["shunin"])
    chief.get_by_role("button", name="ログイン").click()
    chief.goto(base + "/grading/works/2/sheets/chief/1")
    chief.locator('input[name="chief_taisei-value"][value="a"]').check()
    chief.locator("#chief_creativity-value").fill("9")
    chief.get_by_role("button", name="一時保存").click()
    chief.screenshot(path=str(out / "grading_entry_errors.png"), full_page=True)
    chief.screenshot(path=str(out / "grading_entry_errors_top.png"))
    chief.context.close()


def _busiest_firm(app) -> int:
    """The id of the firm with the most graded works of the demo (its statistics page has the most to show)."""
    with app.app_context():
        from sqlalchemy import func, select

        from core.db import db
        from grading.works.models import GradedWork

        return db.session.scalar(select(GradedWork.contractor_id).group_by(GradedWork.contractor_id)
                                 .order_by(func.count().desc(), GradedWork.contractor_id).limit(1)) or 1


def main(out: Path, only_imports: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    os.environ.update(KEIYAKU_ENV="development", KEIYAKU_SECRET_KEY="s" * 40,
                      KEIYAKU_DATABASE_URL=f"sqlite:///{tmp / 'shots.sqlite3'}", KEIYAKU_ORG_NAME="架空市 総務部契約課",
                      KEIYAKU_STORAGE_DIR=str(tmp / "storage"))
    from core import create_app

    app = create_app()
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    passwords = dict(re.findall(r"ID: (\S+)\s+パスワード: (\S+)", result.output))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="ja-JP")
        page.goto(base + "/login")
        page.screenshot(path=str(out / "login.png"))
        page.get_by_label("ログインID").fill("admin")
        page.get_by_label("パスワード").fill("wrong")
        page.get_by_role("button", name="ログイン").click()
        page.screenshot(path=str(out / "login_error.png"))
        page.get_by_label("ログインID").fill("admin")
        page.get_by_label("パスワード").fill(passwords["admin"])
        page.get_by_role("button", name="ログイン").click()
        firm = _busiest_firm(app)
        for name, path in ([] if only_imports else PAGES):
            page.goto(base + path.format(firm=firm))
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        if not only_imports:
            page.goto(base + "/admin/users/new")
            page.get_by_role("button", name="登録する").click()
            page.screenshot(path=str(out / "user_new_errors.png"), full_page=True)
        import_screens(app, page, base, tmp, out)
        if only_imports:
            browser.close()
            server.shutdown()
            print(f"screenshots in {out}")
            return
        # The review as staff: start, then the acceptance comparison.
        page.goto(base + "/registry/applications/1")
        page.get_by_role("button", name="審査を始める").click()
        page.screenshot(path=str(out / "application_under_review.png"), full_page=True)
        page.goto(base + "/registry/applications/1/accept")
        page.screenshot(path=str(out / "application_accept.png"), full_page=True)
        # One save for the whole page, then 差し戻す with its confirmation page.
        page.goto(base + "/registry/applications/1")
        page.locator("#permits_ok").check()
        page.locator("#company_note").fill("代表者の役職を登記事項証明書のとおりにしてください。")
        page.locator("#keishin_note").fill("土木一式工事の P を通知書で確認してください。")
        page.get_by_role("button", name="確認を保存").click()
        page.screenshot(path=str(out / "application_checks_saved.png"), full_page=True)
        page.locator("#comment").fill("2 点の修正をお願いします。")
        page.get_by_role("button", name="差し戻す…").click()
        page.screenshot(path=str(out / "application_return_confirm.png"), full_page=True)
        page.get_by_role("button", name="差し戻す（確定）").click()
        for login_id, pages in ROLE_PAGES.items():
            staff = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP").new_page()
            staff.goto(base + "/login")
            staff.get_by_label("ログインID").fill(login_id)
            staff.get_by_label("パスワード").fill(passwords[login_id])
            staff.get_by_role("button", name="ログイン").click()
            for name, path in pages:
                staff.goto(base + path)
                staff.screenshot(path=str(out / f"{name}.png"), full_page=True)
            staff.context.close()
        grading_screens(browser, base, passwords, out)
        applicant = browser.new_page(viewport={"width": 1366, "height": 768}, locale="ja-JP")
        applicant.goto(base + "/portal/signup")
        applicant.screenshot(path=str(out / "portal_signup.png"), full_page=True)
        applicant.goto(base + "/login")
        applicant.get_by_label("ログインID").fill("shinsei@example.jp")
        applicant.get_by_label("パスワード").fill(passwords["shinsei@example.jp"])
        applicant.get_by_role("button", name="ログイン").click()
        for name, path in PORTAL_PAGES:
            applicant.goto(base + path)
            applicant.screenshot(path=str(out / f"{name}.png"), full_page=True)
        firm = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP").new_page()
        firm.goto(base + "/login")
        firm.get_by_label("ログインID").fill("seiseki@example.jp")
        firm.get_by_label("パスワード").fill(passwords["seiseki@example.jp"])
        firm.get_by_role("button", name="ログイン").click()
        for name, path in GRADING_PORTAL_PAGES:
            firm.goto(base + path)
            firm.screenshot(path=str(out / f"{name}.png"), full_page=True)
        firm.context.close()
        # Returned: the applicant corrects the company data and resubmits through the confirmation page.
        applicant.goto(base + "/portal/applications/1/company")
        applicant.locator("#representative_title").fill("代表取締役社長")
        applicant.get_by_role("button", name="保存する").click()
        applicant.screenshot(path=str(out / "portal_application_saved.png"), full_page=True)
        applicant.goto(base + "/portal/applications/1/rows/keishin")
        applicant.locator("#work_type_code").select_option("010")
        recent = (date.today() - timedelta(days=40)).isoformat()
        for field, value in (("base_date", recent), ("x1", "812"), ("x2", "705"), ("y", "760"), ("z", "820"),
                             ("w", "905"), ("p", "801")):
            applicant.locator(f"#{field}").fill(value)
        applicant.get_by_role("button", name="追加する").click()
        applicant.screenshot(path=str(out / "portal_keishin_p_mismatch.png"), full_page=True)
        applicant.goto(base + "/portal/applications/1")
        applicant.get_by_role("button", name="再提出に進む").click()
        applicant.screenshot(path=str(out / "portal_submit_confirm.png"), full_page=True)
        applicant.get_by_role("button", name="再提出する").click()
        page.goto(base + "/registry/applications/1")
        page.get_by_role("button", name="審査を始める").click()
        page.screenshot(path=str(out / "application_resubmitted.png"), full_page=True)
        browser.close()
    server.shutdown()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--only-imports"]
    main(Path(args[0] if args else "screenshots"), only_imports="--only-imports" in sys.argv)
