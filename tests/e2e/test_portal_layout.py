"""Layout and focus in the browser at the common VDI size (1366x768): the portal's 経審 list fits with its
変更/削除 buttons (it overflowed: the buttons were cut off at the right), and filtering a list moves the focus to
its results."""

from __future__ import annotations

from core.auth.passwords import hash_password
from core.auth.roles import Role
from core.auth.services import find_user
from core.db import db, utcnow
from registry.applications import services
from tests.e2e.test_admin_journey import _login
from tests.helpers import TEST_PASSWORD
from tests.registry.applications_support import keishin_row, make_account


def make_staff(live_app, login_id: str) -> str:
    """A contract staff login with the test password (created once per live database)."""
    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy

    if find_user(db.session, login_id) is None:
        user, _ = admin_services.create_user(db.session, None, login_id=login_id, name="絞込 確認",
                                             roles=[Role.CONTRACT_STAFF], department_id=None, policy=PasswordPolicy(),
                                             hash_method=live_app.config["PASSWORD_HASH_METHOD"])
        user.password_hash = hash_password(TEST_PASSWORD, live_app.config["PASSWORD_HASH_METHOD"])
        user.must_change_password = False
    return login_id


def test_keishin_rows_fit_at_1366(live_app, live_server, new_page, tmp_path):
    with live_app.app_context():
        account = make_account(db.session, live_app, firm_name="株式会社横幅建設", email="wide@layout.example.jp")
        application = services.start_application(db.session, account, "new", utcnow())
        for code in ("010", "130", "020"):
            services.save_row(db.session, account, application, "keishin", keishin_row(code))
        app_id = application.id
        db.session.commit()
    page = new_page()
    _login(page, live_server, "wide@layout.example.jp", TEST_PASSWORD)
    page.goto(f"{live_server}/portal/applications/{app_id}/rows/keishin")
    page.screenshot(path=str(tmp_path / "portal_keishin_1366.png"), full_page=True)
    sizes = page.evaluate("""() => {
        const wrap = document.querySelector('.table-wrap');
        return {wrap: wrap.scrollWidth - wrap.clientWidth,
                page: document.documentElement.scrollWidth - window.innerWidth};
    }""")
    assert sizes == {"wrap": 0, "page": 0}, sizes
    # The buttons of the last column are inside the visible table.
    wrap = page.locator(".table-wrap").bounding_box()
    button = page.locator(".cell-actions button").last.bounding_box()
    assert button["x"] + button["width"] <= wrap["x"] + wrap["width"]


def test_filtering_a_list_moves_the_focus_to_the_results(live_app, live_server, new_page):
    with live_app.app_context():
        staff = make_staff(live_app, "e2e.focus")
        db.session.commit()
    page = new_page()
    _login(page, live_server, staff, TEST_PASSWORD)
    page.goto(f"{live_server}/registry/contractors")
    assert page.evaluate("document.activeElement.id") != "results"
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**#results")
    assert page.evaluate("document.activeElement.id") == "results"
    assert page.evaluate("document.activeElement.textContent").startswith("全 ")
