"""The portal's 経審 list at the common VDI size (1366x768): every column, the 変更/削除 buttons included, fits
without a horizontal scroll bar (it overflowed: the buttons were cut off at the right)."""

from __future__ import annotations

from core.db import db, utcnow
from registry.applications import services
from tests.e2e.test_admin_journey import _login
from tests.helpers import TEST_PASSWORD
from tests.registry.applications_support import keishin_row, make_account


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
