"""The firm's 履歴 tab reads like the other tabs: firms by number and name, 業種 and registrations by title,
figures with separators, causes by their label — never the stored ids and codes."""

from __future__ import annotations

import re
from datetime import timedelta

from core.auth.roles import Role
from core.timefmt import today
from registry.qualifications.keishin.services import add_keishin
from registry.qualifications.permits.services import save_permit
from registry.qualifications.ranks.services import set_subjective_points
from tests.helpers import page_text
from tests.test_raw_values import visible_text


def test_history_tab_shows_names_titles_and_figures(db_session, create_user, login_as, create_contractor):
    staff = create_user(Role.CONTRACT_STAFF)
    firm = create_contractor("株式会社履歴建設", number="700123")
    day = today()
    save_permit(db_session, staff, firm, work_type_code="010", text="山口県知事許可（般-4）第23456号",
                granted_on=day - timedelta(days=100))
    add_keishin(db_session, staff, firm, work_type_code="010", base_date=day - timedelta(days=100), x1=1270, x2=1323,
                y=1120, z=976, w=1235, p_entered=1169)
    set_subjective_points(db_session, staff, firm.registrations[0].work_types[0], 400)
    html = page_text(login_as(staff).get(f"/registry/contractors/{firm.id}/history"))
    cells = [text for tag, text in visible_text(html) if tag.startswith("td")]
    assert "700123 株式会社履歴建設" in cells  # the firm of a permit, 経審, registration
    assert "010 土木一式工事" in cells
    assert "1,270" in cells and "1,169" in cells  # 経審 figures
    assert str(firm.id) not in cells


def test_registration_ids_read_as_category_and_period(app, db_session, create_contractor):
    from core.history import display_value

    firm = create_contractor()
    with app.test_request_context("/"):
        shown = display_value("registered_work_types", "registration_id", firm.registrations[0].id)
        assert re.fullmatch(r"建設工事 令和7年4月1日〜令和9年3月31日", shown), shown
        assert display_value("registered_work_types", "rank_confirmed_at", "2026-04-01T00:30:00") == "令和8年4月1日 09:30"


def test_suspension_cause_codes_read_as_their_label(app, db_session):
    from core.history import display_value
    from registry.suspensions.periods import causes

    cause = next(iter(causes(db_session, today()).values()))
    with app.test_request_context("/"):
        assert display_value("suspensions", "cause_code", cause.code) == cause.label
        assert display_value("suspensions", "cause_code", "no_such_cause") == "no_such_cause"
