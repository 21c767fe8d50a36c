"""``flask form``: list, batch output as PDF and Excel, Japanese errors with exit code 1."""

import openpyxl
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from exports.reports.base import today
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_list_shows_forms_and_parameters_in_japanese(runner, create_department):
    create_department(code="0100", name="総務部 契約課")
    result = runner.invoke(args=["report", "--list"])
    assert result.exit_code == 0, result.output
    assert "users  利用者一覧（A4 縦" in result.output and "audit_log  操作ログ一覧（A4 横" in result.output
    assert "--param date_from=YYYY-MM-DD  期間（開始日）（必須）" in result.output
    assert "--param status=値  状態（任意、省略時: active）" in result.output
    assert "0100（総務部 契約課）" in result.output


def test_pdf_output(runner, tmp_path, create_user, db_session):
    create_user(Role.VIEWER, login_id="saki", name="山﨑 花子")
    out = tmp_path / "users.pdf"
    result = runner.invoke(args=["report", "users", "--format", "pdf", "--out", str(out), "--param", "status=all"])
    assert result.exit_code == 0, result.output
    assert "帳票「利用者一覧」を PDF で出力しました" in result.output
    data = out.read_bytes()
    assert_fonts_embedded(data)
    [page] = read_pdf(data)
    assert page.is_a4_portrait and "山﨑 花子" in page.text
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert (entry.operation, entry.endpoint, entry.ip, entry.user_id) == ("report.output", "cli:report", "cli", None)


def test_xlsx_output(runner, tmp_path, admin):
    day = today()
    out = tmp_path / "log.xlsx"
    result = runner.invoke(args=["report", "audit_log", "--format", "xlsx", "--out", str(out),
                                 "--param", f"date_from={day.replace(day=1)}", "--param", f"date_to={day}"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "操作ログ一覧" and ws.page_setup.paperSize == 9


@pytest.mark.parametrize(("args", "message"), [
    (["audit_log", "--param", "date_from=2025-04-01"], "期間（終了日）を指定してください。"),
    (["audit_log", "--param", "date_from=2025-13-01", "--param", "date_to=2025-04-01"],
     "期間（開始日）「2025-13-01」を日付として読み取れません"),
    (["users", "--param", "status=gone"], "状態の値「gone」は選べません"),
    (["users", "--param", "color=red"], "パラメータ「color」はこの帳票にはありません"),
    (["users", "--param", "status"], "--param は 名前=値 の形で指定してください"),
    (["users", "--format", "docx"], "--format は pdf または xlsx で指定してください"),
    (["nope"], "帳票「nope」はありません"),
    ([], "帳票名を指定してください"),
])
def test_bad_parameters_exit_1_with_japanese_message(runner, tmp_path, args, message):
    out = tmp_path / "out.pdf"
    result = runner.invoke(args=["report", *args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not out.exists()


def test_missing_out(runner):
    result = runner.invoke(args=["report", "users"])
    assert result.exit_code == 1 and "--out で出力先ファイルを指定してください。" in result.output
