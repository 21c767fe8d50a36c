"""The first journey (issue 2): create-admin → forced password change → department and staff user →
that user logs in elsewhere → the admin sees every step in the operation log; the chain verifies."""

import re

from playwright.sync_api import expect

ADMIN_PASSWORD = "Admin-Pass-2026x"
STAFF_PASSWORD = "Staff-Pass-2026y"


def _login(page, base, login_id, password):
    page.goto(base + "/login")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def _change_password(page, current, new):
    expect(page).to_have_url(re.compile(r"/password$"))
    page.get_by_label("現在のパスワード").fill(current)
    page.locator("#new_password").fill(new)
    page.get_by_label("新しいパスワード（確認）").fill(new)
    page.get_by_role("button", name="変更する").click()


def test_admin_creates_department_and_user(live_app, live_server, new_page):
    result = live_app.test_cli_runner().invoke(args=["create-admin", "e2e.admin", "--name", "初期 管理者"])
    assert result.exit_code == 0, result.output
    one_time = re.search(r"一時パスワード: (\S+)", result.output).group(1)

    admin = new_page()
    _login(admin, live_server, "e2e.admin", "wrong-password")
    expect(admin.locator(".error-summary")).to_contain_text("ログインIDまたはパスワードが正しくありません")
    _login(admin, live_server, "e2e.admin", one_time)
    expect(admin.locator(".notice--warning")).to_contain_text("新しいパスワードを設定してください")
    # the forced change cannot be skipped
    admin.goto(live_server + "/admin/users")
    expect(admin).to_have_url(re.compile(r"/password$"))
    _change_password(admin, one_time, ADMIN_PASSWORD)
    expect(admin.locator(".notice--success")).to_contain_text("パスワードを変更しました")

    admin.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="部署").click()
    admin.get_by_role("link", name="部署を登録").click()
    admin.get_by_label("部署コード").fill("0510")
    admin.get_by_label("部署名").fill("総務部 契約課")
    admin.get_by_role("button", name="登録する").click()
    expect(admin.locator("table")).to_contain_text("総務部 契約課")

    admin.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="利用者").click()
    expect(admin.locator("h1")).to_have_text("利用者一覧")
    admin.get_by_role("link", name="利用者を登録").click()
    admin.get_by_role("button", name="登録する").click()  # empty form: errors, nothing created
    expect(admin.locator(".error-summary")).to_be_focused()
    expect(admin.locator(".error-summary")).to_contain_text("氏名を入力してください")
    admin.get_by_label("ログインID").fill("keiyaku.tanaka")
    admin.get_by_label("氏名").fill("田中 契約")
    admin.get_by_label("所属部署").select_option(label="0510 総務部 契約課")
    admin.get_by_label("契約担当").check()
    admin.get_by_role("button", name="登録する").click()
    staff_one_time = admin.locator(".onetime-password").inner_text().strip()
    assert len(staff_one_time) >= 12

    staff = new_page()  # another browser: its own cookies
    _login(staff, live_server, "keiyaku.tanaka", staff_one_time)
    _change_password(staff, staff_one_time, STAFF_PASSWORD)
    expect(staff.locator(".site-header__user")).to_contain_text("田中 契約")
    expect(staff.locator(".site-header__user")).to_contain_text("総務部 契約課")
    expect(staff.get_by_role("navigation", name="メインメニュー")).not_to_contain_text("操作ログ")
    response = staff.goto(live_server + "/admin/audit/")
    assert response.status == 403

    admin.goto(live_server + "/admin/audit/")
    log = admin.locator("table")
    for text in ("部署を登録: 0510 総務部 契約課", "利用者を登録: keiyaku.tanaka（田中 契約）", "パスワード変更",
                 "ログイン失敗", "keiyaku.tanaka"):
        expect(log).to_contain_text(text)
    admin.get_by_role("link", name="改ざん検証").click()
    expect(admin.locator(".notice--success")).to_contain_text("改ざんは検出されませんでした")

    staff.get_by_role("button", name="ログアウト").click()
    expect(staff.locator(".notice--success")).to_contain_text("ログアウトしました")
