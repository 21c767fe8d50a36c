"""Findings of a new user walking the firm pages: the 業者台帳 button, the report form before any input, the
「指名停止を登録」 entry of the suspension list, the current tab after a refused form, and the focus after
「絞り込む」 on every list."""

from __future__ import annotations

import re

import pytest

from core.auth.roles import Role
from tests.helpers import page_text


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


@pytest.fixture
def viewer_client(create_user, login_as):
    return login_as(create_user(Role.VIEWER))


def _current_tab(html: str) -> str | None:
    match = re.search(r'class="tabs__link"[^>]*aria-current="page">([^<]+)<', html)
    return match.group(1) if match else None


def test_detail_page_opens_the_ledger_preview_of_the_firm(viewer_client, create_contractor):
    firm = create_contractor("台帳建設", number="71001")
    html = page_text(viewer_client.get(f"/registry/contractors/{firm.id}"))
    assert 'href="/exports/reports/contractor_ledger?number=71001"' in html and "業者台帳" in html
    preview = page_text(viewer_client.get("/exports/reports/contractor_ledger?number=71001"))
    assert "台帳建設" in preview or "contractor_ledger.pdf?inline=1&amp;number=71001" in preview


def test_report_form_shows_no_error_before_anything_is_entered(viewer_client):
    html = page_text(viewer_client.get("/exports/reports/contractor_ledger"))
    assert "業者番号を指定してください" not in html and "error-summary" not in html
    assert 'aria-invalid="true"' not in html and "<iframe" not in html
    submitted = page_text(viewer_client.get("/exports/reports/contractor_ledger?number="))
    assert "業者番号を指定してください" in submitted and "error-summary" in submitted


def test_report_with_complete_defaults_still_previews_at_once(viewer_client):
    html = page_text(viewer_client.get("/exports/reports/suspensions"))
    assert "<iframe" in html and "error-summary" not in html


def test_suspension_list_offers_registration_to_editors_only(staff_client, viewer_client, create_contractor):
    assert "指名停止を登録" in page_text(staff_client.get("/registry/suspensions"))
    assert "指名停止を登録" not in page_text(viewer_client.get("/registry/suspensions"))
    assert viewer_client.get("/registry/suspensions/new").status_code == 403
    firm = create_contractor("停止予定建設", number="71002")
    form = staff_client.get("/registry/suspensions/new")
    assert form.status_code == 200 and 'name="number"' in page_text(form)
    response = staff_client.get("/registry/suspensions/new?number=７１００２")
    assert response.status_code == 302
    assert response.location.endswith(f"/registry/contractors/{firm.id}/suspensions#register")
    missing = staff_client.get("/registry/suspensions/new?number=99999")
    assert missing.status_code == 422 and "業者番号「99999」の業者は登録されていません。" in page_text(missing)
    empty = staff_client.get("/registry/suspensions/new?number=")
    assert empty.status_code == 422 and "業者番号を入力してください。" in page_text(empty)


def test_tab_stays_current_after_a_refused_form(staff_client, create_contractor):
    firm = create_contractor()
    bad = staff_client.post(f"/registry/contractors/{firm.id}/permits/save",
                            data={"work_type_code": "010", "text": "読めない番号"})
    assert bad.status_code == 422 and _current_tab(page_text(bad)) == "許可"
    bad = staff_client.post(f"/registry/contractors/{firm.id}/suspensions/new", data={"facts": ""})
    assert "error-summary" in page_text(bad) and _current_tab(page_text(bad)) == "指名停止"
    bad = staff_client.post(f"/registry/contractors/{firm.id}/status", data={"status": "lapsed", "reason": ""})
    assert _current_tab(page_text(bad)) == "基本情報"


@pytest.mark.parametrize("path", ["/registry/contractors", "/registry/suspensions", "/registry/applications",
                                  "/admin/users", "/admin/audit/", "/admin/login-history", "/admin/departments"])
def test_filter_forms_land_on_the_results(admin_client, path):
    html = page_text(admin_client.get(path))
    form = re.search(r'<form class="filter-panel" method="get" action="([^"]*)"', html)
    assert form and form.group(1).endswith("#results"), path
    assert re.search(r'id="results" tabindex="-1"', html), path
