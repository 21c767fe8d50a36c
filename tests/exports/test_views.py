"""Form pages over HTTP: list, preview with the inline PDF, downloads, bad parameters, roles, audit entries."""

import io
from datetime import timedelta
from urllib.parse import quote

import openpyxl
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from exports.reports.base import today
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf
from tests.helpers import login, page_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _last_entry(db_session) -> AuditEntry:
    db_session.expire_all()
    return db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


def test_list_shows_the_forms_and_the_menu_item(admin_client):
    html = page_text(admin_client.get("/exports/reports"))
    assert "帳票一覧" in html
    assert 'href="/exports/reports/users"' in html and 'href="/exports/reports/audit_log"' in html
    assert "期間（開始日）（必須）" in html
    assert 'href="/exports/reports"' in page_text(admin_client.get("/"))  # side menu 「帳票」→「帳票一覧」


def test_preview_embeds_the_pdf_with_download_and_print_links(admin_client):
    response = admin_client.get("/exports/reports/users")
    html = page_text(response)
    assert response.status_code == 200
    assert '<iframe class="form-preview" src="/exports/reports/users.pdf?inline=1&amp;status=active#view=FitH' in html
    assert 'href="/exports/reports/users.pdf?status=active"' in html
    assert 'href="/exports/reports/users.xlsx?status=active"' in html
    assert 'target="_blank" rel="noopener">印刷する' in html
    assert '<label class="form-label" for="department">部署</label>' in html
    assert "<script>" not in html and "onclick" not in html  # CSP: no inline script


def test_preview_defaults_to_this_month_and_keeps_changed_parameters(admin_client):
    day = today()
    html = page_text(admin_client.get("/exports/reports/audit_log"))
    assert f'value="{day.replace(day=1).isoformat()}"' in html and f'value="{day.isoformat()}"' in html
    start = day - timedelta(days=3)
    html = page_text(admin_client.get(f"/exports/reports/audit_log?date_from={start}&date_to={day}"))
    assert f"audit_log.pdf?inline=1&amp;date_from={start}&amp;date_to={day}" in html


def test_preview_with_bad_parameters_shows_japanese_errors_and_no_pdf(admin_client):
    html = page_text(admin_client.get("/exports/reports/audit_log?date_from=2025-04-10&date_to=2025-04-01"))
    assert "入力内容に誤りがあります（1 件）" in html
    assert "期間の終了日は開始日以降の日付にしてください。" in html and 'aria-invalid="true"' in html
    assert "<iframe" not in html and ".pdf" not in html
    html = page_text(admin_client.get("/exports/reports/audit_log?date_from=abc&date_to="))
    assert "期間（開始日）「abc」を日付として読み取れません" in html and "期間（終了日）を指定してください。" in html


def test_pdf_download(admin_client, db_session, create_user):
    create_user(Role.VIEWER, login_id="takasaki", name="髙﨑 花子")
    response = admin_client.get("/exports/reports/users.pdf?status=all")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"keiyaku_") and quote("利用者一覧_") in disposition
    data = response.get_data()
    assert_fonts_embedded(data)
    [page] = read_pdf(data)
    assert page.is_a4_portrait and "利用者一覧" in page.text and "髙﨑 花子" in page.text and "1 / 1" in page.text
    entry = _last_entry(db_session)
    assert (entry.operation, entry.login_id) == ("report.output", "admin1")
    assert entry.summary == "帳票「利用者一覧」を PDF 出力" and '"status":"all"' in entry.details


def test_inline_pdf_for_preview_and_printing(admin_client, db_session):
    response = admin_client.get("/exports/reports/users.pdf?inline=1&status=active")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("inline;")
    assert _last_entry(db_session).summary == "帳票「利用者一覧」を PDF 表示"


def test_xlsx_download(admin_client, db_session):
    day = today()
    response = admin_client.get(f"/exports/reports/audit_log.xlsx?date_from={day - timedelta(days=1)}&date_to={day}")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert quote("操作ログ一覧_") in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert [c.value for c in ws[4]] == ["ID", "日時", "利用者", "操作", "対象", "内容"]
    assert isinstance(ws["A5"].value, int)  # the login of admin1 at least
    assert _last_entry(db_session).summary == "帳票「操作ログ一覧」を Excel 出力"


@pytest.mark.parametrize("suffix", [".pdf", ".xlsx"])
def test_bad_parameters_on_downloads_give_a_japanese_400_and_no_file(admin_client, db_session, suffix):
    before = _last_entry(db_session).id
    response = admin_client.get(f"/exports/reports/audit_log{suffix}?date_from=2024-01-01&date_to=2025-12-31")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "期間は 366 日以内で指定してください" in page_text(response)
    assert "Content-Disposition" not in response.headers
    assert _last_entry(db_session).id == before  # nothing was output, nothing logged


def test_unknown_form_is_404(admin_client):
    assert admin_client.get("/exports/reports/nope").status_code == 404
    assert admin_client.get("/exports/reports/nope.pdf").status_code == 404


@pytest.mark.parametrize("path", ["/exports/reports", "/exports/reports/users", "/exports/reports/users.pdf?status=all",
                                  "/exports/reports/audit_log.xlsx?date_from=2025-04-01&date_to=2025-04-30"])
def test_other_roles_are_refused(login_as, create_user, path):
    client = login_as(create_user(Role.APPLICANT))
    response = client.get(path)
    assert response.status_code == 403 and "アクセスが許可されていません" in page_text(response)
    assert "/exports/reports" not in page_text(client.get("/"))  # no menu item either


@pytest.mark.parametrize("path", ["/exports/reports/users", "/exports/reports/users.pdf?status=all",
                                  "/exports/reports/audit_log.xlsx?date_from=2025-04-01&date_to=2025-04-30"])
def test_admin_forms_refused_to_contract_staff(login_as, create_user, path):
    client = login_as(create_user(Role.CONTRACT_STAFF))
    assert client.get(path).status_code == 403
    listing = page_text(client.get("/exports/reports"))
    assert "/exports/reports/users" not in listing and "/exports/reports/audit_log" not in listing


def test_anonymous_goes_to_login(client):
    response = client.get("/exports/reports/users.pdf")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_admin_forms_limited_to_admin_networks(app, admin, admin_client, monkeypatch):
    from core.config import parse_networks

    monkeypatch.setitem(app.config, "ADMIN_NETWORKS", parse_networks("10.20.0.0/16"))
    response = admin_client.get("/exports/reports/users.pdf?status=all")
    assert response.status_code == 403 and "許可されたネットワーク" in page_text(response)
    inside = app.test_client()
    inside.environ_base["REMOTE_ADDR"] = "10.20.3.4"
    login(inside, admin)
    assert inside.get("/exports/reports/users.pdf?status=all").status_code == 200
