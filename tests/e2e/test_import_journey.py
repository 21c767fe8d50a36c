"""Import journey in the browser: upload a CP932 file with one bad row → dry run report → commit the good
rows → the new staff appear in the user list with a history; the batch is in the operation log."""

import re

from playwright.sync_api import expect

from tests.e2e.test_admin_journey import _login

CSV = ("ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態\r\n"
       "imp.tanaka,田中 髙志,0610,建設部 道路課,工事担当課職員,,有効\r\n"
       "imp.sato,佐藤 﨑子,0610,,閲覧者,,有効\r\n"
       "x,,0610,,社長,,\r\n").encode("cp932")


def test_import_staff_from_cp932_file(live_app, live_server, new_page, tmp_path):
    result = live_app.test_cli_runner().invoke(args=["create-admin", "imp.admin"])
    one_time = re.search(r"一時パスワード: (\S+)", result.output).group(1)
    page = new_page()
    _login(page, live_server, "imp.admin", one_time)
    page.locator("#current_password").fill(one_time)
    page.locator("#new_password").fill("Import-Admin-2026")
    page.locator("#confirm_password").fill("Import-Admin-2026")
    page.get_by_role("button", name="変更する").click()

    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="データ取込").click()
    source = tmp_path / "staff.csv"
    source.write_bytes(CSV)
    page.get_by_label("ファイル（CSV または Excel .xlsx）").set_input_files(str(source))
    page.get_by_role("button", name="アップロードして事前確認").click()
    # The status region is polled by script (no page reload) and the result part is loaded in place.
    expect(page.locator("h2", has_text="結果")).to_be_visible(timeout=20000)
    expect(page.locator("#import-status[role=status]")).to_contain_text("事前確認が終わりました")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(page.locator("dl")).to_contain_text("Shift_JIS（cp932）")
    expect(page.locator("table").last).to_contain_text("氏名が空です")
    page.get_by_role("button", name="取り込む").click()
    expect(page.locator(".notice--error, .notice--warning").first).to_contain_text("不正な行")
    page.get_by_label("不正な行を除いて、正しい行だけを取り込む").check()
    page.get_by_role("button", name="取り込む").click()
    expect(page.locator("#import-status .notice--success")).to_contain_text("取り込みました", timeout=20000)

    page.goto(live_server + "/admin/users?q=imp.")
    expect(page.locator("table")).to_contain_text("田中 髙志")
    expect(page.locator("table")).to_contain_text("佐藤 﨑子")
    page.get_by_role("link", name="imp.tanaka").click()
    page.get_by_role("link", name="履歴", exact=True).click()
    expect(page.locator("table")).to_contain_text("建設部 道路課")
    page.goto(live_server + "/admin/audit/")
    expect(page.locator("table")).to_contain_text("職員（利用者・部署）の取込: staff.csv")
