"""An uploaded .xlsx is refused before it is opened when it would expand beyond the limits (a zip bomb: a
100 KB file holding 100 MB of XML), on every way in: the service, the import screen and the CLI."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from core import archives
from core.auth.importers import UsersImport
from core.auth.models import User
from core.errors import ValidationFailed
from core.importing import profiles
from core.importing.models import ImportBatch
from core.importing.reading import FileUnreadable, read_table
from core.importing.runner import run_import
from tests.helpers import page_text

MB = 1024 * 1024
ROWS = [["ログインID", "氏名", "部署コード", "部署名", "役割", "メールアドレス", "状態"],
        ["tanaka.t", "田中 太郎", "0100", "総務部 契約課", "契約担当", "tanaka@example.jp", "有効"]]


def workbook(rows=ROWS) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def padded(data: bytes, member: str, pad_bytes: int) -> bytes:
    """``data`` (an .xlsx) with ``pad_bytes`` of blanks inside ``member``'s XML: a valid workbook that expands
    ~1000 times (blanks compress that well), written in chunks so the test itself stays small in memory."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename != member:
                target.writestr(info.filename, body)
                continue
            head, tail = body.rsplit(b"</", 1)
            with target.open(info.filename, "w", force_zip64=True) as handle:
                handle.write(head)
                chunk = b" " * MB
                for _ in range(pad_bytes // MB):
                    handle.write(chunk)
                handle.write(b"</" + tail)
    return out.getvalue()


@pytest.fixture
def kind(app):
    return UsersImport(app.config["PASSWORD_HASH_METHOD"])


def _run(session, kind, data: bytes):
    name, settings = profiles.get_settings(session, kind, "標準")
    return run_import(session, None, kind, data=data, file_name="staff.xlsx", profile_name=name, settings=settings,
                      dry_run=True)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = padded(workbook(), "xl/worksheets/sheet1.xml", 100 * MB)
    assert len(data) < 200 * 1024  # ~100 KB on disk
    return data


def test_a_zip_bomb_workbook_is_refused_before_it_is_read(app, db_session, kind, bomb, monkeypatch):
    import openpyxl

    opened, real = [], openpyxl.load_workbook
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1) or real(*a, **k))
    with pytest.raises(ValidationFailed) as info:
        _run(db_session, kind, bomb)
    message = info.value.errors["file"][0]
    assert "展開すると大きすぎる" in message and "xl/worksheets/sheet1.xml" in message
    assert opened == []  # refused from the declared sizes, openpyxl never saw it


def test_the_limits_come_from_the_config(app, db_session, kind, monkeypatch):
    # ~2 MB of XML at a ratio under the limit: refused only once the configured limits are smaller.
    rows = ROWS + [[f"user{i:05d}", f"氏名{i}", f"{i:04d}", f"部署{i % 97}", "契約担当", f"u{i}@example.jp", "有効"]
                   for i in range(5_000)]
    data = workbook(rows)
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert expanded > 1.5 * MB
    with app.app_context():
        read_table(data, "staff.xlsx")  # within the default limits
        monkeypatch.setitem(app.config, "XLSX_MAX_EXPANDED_MB", 1)
        with pytest.raises(ValidationFailed, match="上限 1.0 MB"):
            _run(db_session, kind, data)
        monkeypatch.setitem(app.config, "XLSX_MAX_EXPANDED_MB", 200)
        monkeypatch.setitem(app.config, "XLSX_MAX_MEMBER_MB", 1)
        with pytest.raises(ValidationFailed, match="sheet1.xml"):
            _run(db_session, kind, data)


@pytest.mark.parametrize("limits, words", [
    (archives.ZipLimits(max_total=200 * MB, max_member=100 * MB, max_ratio=100, max_members=3), "ファイルが多すぎます"),
    (archives.ZipLimits(max_total=200 * MB, max_member=100 * MB, max_ratio=10), "圧縮率が高すぎます"),
    (archives.ZipLimits(max_total=2 * MB, max_member=100 * MB, max_ratio=2000), "合計"),
])
def test_each_limit_refuses(limits, words):
    data = padded(workbook(), "xl/styles.xml", 3 * MB)
    with pytest.raises(FileUnreadable, match=words):
        read_table(data, "staff.xlsx", xlsx_limits=limits)


def test_an_ordinary_workbook_is_read(db_session, kind):
    report = _run(db_session, kind, workbook())
    assert report.encoding == "xlsx" and report.new == 1


def test_the_import_screen_refuses_the_bomb(admin_client, db_session, bomb):
    response = admin_client.post("/admin/imports/", data={"kind": "users", "profile": "標準",
                                                          "file": (io.BytesIO(bomb), "staff.xlsx")},
                                 content_type="multipart/form-data")
    # Refused on the upload page itself, before any batch is queued (nothing is read beyond the ZIP directory).
    html = page_text(response)
    assert "展開すると大きすぎる" in html and "前回のファイル" in html
    assert db_session.query(ImportBatch).count() == 0
    assert db_session.query(User).filter_by(login_id="tanaka.t").count() == 0


def test_the_cli_refuses_the_bomb(app, tmp_path, bomb):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(bomb)
    result = app.test_cli_runner().invoke(args=["import", "users", str(path), "--dry-run"])
    assert result.exit_code == 2 and "展開すると大きすぎる" in result.output


def test_the_limit_settings_are_read_and_bounded():
    from core.config import ConfigError, load_config

    config = load_config({"KEIYAKU_ENV": "test", "KEIYAKU_XLSX_MAX_EXPANDED_MB": "50", "KEIYAKU_ZIP_MAX_RATIO": "30"})
    assert archives.xlsx_limits(config) == archives.ZipLimits(max_total=50 * MB, max_member=100 * MB, max_ratio=30,
                                                              max_members=1_000)
    for name in ("KEIYAKU_XLSX_MAX_EXPANDED_MB", "KEIYAKU_XLSX_MAX_MEMBER_MB", "KEIYAKU_ZIP_MAX_RATIO",
                 "KEIYAKU_TRANSFER_MANIFEST_MAX_MB"):
        with pytest.raises(ConfigError, match=name):
            load_config({"KEIYAKU_ENV": "test", name: "0"})
