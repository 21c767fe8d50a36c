"""Applicant journey in the browser (SPEC QA1-QA4): sign up → confirm by mail → file a new application with
attachments → staff return it with a note → the applicant corrects and resubmits → staff accept it into the
registry, and the applicant sees the 業者番号."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from core import mail
from core.auth import admin_services
from core.auth.passwords import PasswordPolicy, hash_password
from core.auth.roles import Role
from core.db import db
from core.timefmt import today
from tests.e2e.test_admin_journey import _login
from tests.registry.applications_support import PDF

PASSWORD = "Applicant-Passw0rd-26"


def _staff(live_app) -> str:
    with live_app.app_context():
        user, _ = admin_services.create_user(db.session, None, login_id="e2e.shinsa", name="審査 花子",
                                             roles=[Role.CONTRACT_STAFF], department_id=None, policy=PasswordPolicy(),
                                             hash_method=live_app.config["PASSWORD_HASH_METHOD"])
        user.password_hash = hash_password(PASSWORD, live_app.config["PASSWORD_HASH_METHOD"])
        user.must_change_password = False
        db.session.commit()
    return "e2e.shinsa"


def _day(days_ago: int) -> str:
    return (today() - timedelta(days=days_ago)).isoformat()


def _add_row(page, values: dict) -> None:
    for field_id, value in values.items():
        field = page.locator(f"#{field_id}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="追加する").click()
    expect(page.locator(".flash-messages")).to_contain_text("追加しました")


def test_applicant_files_and_staff_accept(live_app, live_server, new_page, tmp_path):
    mail.clear_outbox()
    applicant = new_page()
    applicant.goto(live_server + "/login")
    applicant.get_by_role("link", name="申請者の新規登録").click()
    applicant.locator("#firm_name").fill("株式会社ブラウザ建設")
    applicant.locator("#email").fill("e2e@browser.example.jp")
    applicant.locator("#password").fill(PASSWORD)
    applicant.locator("#password_confirm").fill(PASSWORD)
    applicant.get_by_role("button", name="登録して確認メールを受け取る").click()
    expect(applicant.locator("h1")).to_have_text("確認のメールを送りました")
    link = re.search(r"https?://\S+/portal/confirm/\S+", mail.outbox()[-1].body).group(0)
    applicant.goto(link)
    applicant.get_by_role("button", name="登録を完了する").click()
    expect(applicant.locator(".flash-messages")).to_contain_text("メールアドレスを確認しました")
    _login(applicant, live_server, "e2e@browser.example.jp", PASSWORD)
    expect(applicant.locator("h1")).to_have_text("申請者ページ")

    applicant.get_by_role("button", name="新規申請を始める").click()
    expect(applicant.locator("h1")).to_contain_text("新規申請")
    application_url = applicant.url

    applicant.get_by_role("link", name="会社情報を入力").click()
    for field_id, value in (("name", "株式会社ブラウザ建設"), ("name_kana", "ブラウザケンセツ"),
                            ("corporate_number", "1345678901234"), ("representative_title", "代表取締役"),
                            ("representative_name", "閲覧 太郎"), ("postal_code", "747-0001"),
                            ("address", "山口県防府市寿町7-1"), ("phone", "0835-22-1111"),
                            ("email", "e2e@browser.example.jp")):
        applicant.locator(f"#{field_id}").fill(value)
    applicant.get_by_role("button", name="保存する").click()
    expect(applicant.locator(".flash-messages")).to_contain_text("会社情報を保存しました")

    applicant.get_by_role("link", name="申請する業種を入力").click()
    applicant.locator("#period_start_year").select_option(index=1)
    applicant.get_by_label("010 土木一式工事").check()
    applicant.get_by_role("button", name="保存する").click()

    applicant.get_by_role("link", name="建設業許可を入力").click()
    _add_row(applicant, {"work_type_code": "010", "text": "山口県知事許可（般-5）第12345号", "granted_on": _day(300)})
    applicant.goto(application_url)
    applicant.get_by_role("link", name="経営事項審査を入力").click()
    _add_row(applicant, {"work_type_code": "010", "base_date": _day(100), "x1": "800", "x2": "700", "y": "750",
                         "z": "800", "w": "900", "p": "790"})
    applicant.goto(application_url)
    applicant.get_by_role("link", name="技術者を入力").click()
    _add_row(applicant, {"name": "技術 一郎", "qualifications": "1級土木施工管理技士"})
    applicant.goto(application_url)
    applicant.get_by_role("link", name="誓約を入力").click()
    for box in applicant.locator("input[name=agreed]").all():
        box.check()
    applicant.get_by_role("button", name="保存する").click()

    applicant.get_by_role("link", name="添付書類を入力").click()
    document = tmp_path / "証明書.pdf"
    document.write_bytes(PDF)
    for option in ("納税証明書", "経営規模等評価結果", "登記事項証明書", "建設業許可通知書"):
        applicant.locator("#document_code").select_option(label=applicant.locator(
            "#document_code option", has_text=option).first.inner_text())
        applicant.locator("#file").set_input_files(str(document))
        applicant.get_by_role("button", name="添付する").click()
        expect(applicant.locator(".flash-messages")).to_contain_text("添付しました")
    fake = tmp_path / "偽物.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    applicant.locator("#document_code").select_option("other")
    applicant.locator("#file").set_input_files(str(fake))
    applicant.get_by_role("button", name="添付する").click()
    expect(applicant.locator(".error-summary")).to_contain_text("PDF・JPEG・PNG のいずれでもありません")

    applicant.goto(application_url)
    applicant.get_by_role("button", name="提出に進む").click()
    expect(applicant.locator("h1")).to_have_text("提出の確認")
    applicant.get_by_role("button", name="提出する").click()
    expect(applicant.locator(".flash-messages")).to_contain_text("提出しました")

    staff = new_page()
    _login(staff, live_server, _staff(live_app), PASSWORD)
    staff.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="資格審査申請").click()
    staff.get_by_role("link", name=re.compile(r"S\d{4}-\d{5}")).first.click()
    staff.get_by_role("button", name="審査を始める").click()
    expect(staff.get_by_role("complementary")).to_contain_text("証明書.pdf")
    staff.locator("#permits_ok").check()
    staff.locator("#company_note").fill("代表者の氏名を登記のとおりにしてください。")
    staff.get_by_role("button", name="確認を保存").click()
    expect(staff.locator(".flash-messages")).to_contain_text("確認を保存しました")
    # Leaving with a note typed but not saved asks first (the note would be lost).
    staff.locator("#keishin_note").fill("保存していない指摘")
    asked = []
    staff.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    staff.get_by_role("link", name="受理の確認へ").click()
    assert asked == ["beforeunload"]
    staff.locator("#keishin_note").fill("")
    staff.locator("#comment").fill("1 点修正をお願いします。")
    staff.get_by_role("button", name="差し戻す…").click()
    expect(staff.locator("h1")).to_contain_text("差戻しの確認")
    expect(staff.locator("main")).to_contain_text("代表者の氏名を登記のとおりに")
    staff.get_by_role("button", name="差し戻す（確定）").click()
    expect(staff.locator(".flash-messages")).to_contain_text("差し戻しました")

    applicant.goto(application_url)
    expect(applicant.locator("#section-company")).to_contain_text("代表者の氏名を登記のとおりに")
    applicant.get_by_role("link", name="会社情報を入力").click()
    applicant.locator("#representative_name").fill("閲覧 一太郎")
    applicant.get_by_role("button", name="保存する").click()
    applicant.get_by_role("button", name="再提出に進む").click()
    applicant.get_by_role("button", name="再提出する").click()
    expect(applicant.locator(".flash-messages")).to_contain_text("提出しました")

    staff.reload()
    staff.get_by_role("button", name="審査を始める").click()
    # The unchanged 許可 keeps its check; the corrected company data shows what changed.
    expect(staff.locator("#section-permits")).to_contain_text("確認済み")
    expect(staff.locator("#section-company")).to_contain_text("閲覧 太郎 → 閲覧 一太郎")
    staff.get_by_role("link", name="受理の確認へ").click()
    expect(staff.locator("main")).to_contain_text("新しく登録します")
    expect(staff.locator("main")).to_contain_text("閲覧 一太郎")
    staff.get_by_role("button", name="受理して台帳に反映する").click()
    expect(staff.locator(".flash-messages")).to_contain_text("業者台帳に反映しました")
    expect(staff.locator("main")).to_contain_text("株式会社ブラウザ建設")
    number = re.search(r"業者番号 (\S+?)）", staff.locator(".flash-messages").inner_text()).group(1)

    applicant.goto(live_server + "/portal/")
    expect(applicant.locator("main")).to_contain_text(number)
    expect(applicant.get_by_role("button", name="変更届を始める")).to_be_visible()
    assert "受理しました" in mail.outbox()[-1].subject
