"""File imports: decoding, profiles, dry run, row report, atomic commit, idempotent re-import (issue 3 §2)."""

import hashlib
import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth.importers import UsersImport
from core.auth.models import Department, User
from core.auth.roles import Role
from core.errors import ValidationFailed
from core.importing import profiles
from core.importing.models import ImportBatch
from core.importing.reading import FileUnreadable, decode, map_columns, read_table
from core.importing.runner import run_import
from tests.helpers import page_text

HEADER = "ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態\r\n"
GOOD = (HEADER
        + "tanaka.t,田中 太郎,0100,総務部 契約課,契約担当,tanaka@example.jp,有効\r\n"
        + "suzuki.h,髙橋 﨑子,0210,建設部 道路課,工事担当課職員・閲覧者,,有効\r\n"
        + "kensa.k,検査 花子,0210,,検査員,,\r\n")


@pytest.fixture
def kind(app):
    return UsersImport(app.config["PASSWORD_HASH_METHOD"])


def _run(session, kind, text: str | bytes, *, dry_run=False, skip_rejected=False, actor=None, profile="標準",
         file_name="staff.csv", encoding="utf-8"):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    name, settings = profiles.get_settings(session, kind, profile)
    return run_import(session, actor, kind, data=data, file_name=file_name, profile_name=name, settings=settings,
                      dry_run=dry_run, skip_rejected=skip_rejected)


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


class TestReading:
    def test_bom_utf8_cp932_detected(self):
        assert decode("\ufeffあ".encode()) == ("あ", "utf-8-sig")
        assert decode("あ".encode()) == ("あ", "utf-8")
        text, used = decode("髙﨑①㈱".encode("cp932"))
        assert (text, used) == ("髙﨑①㈱", "cp932")

    def test_undecodable_names_the_line(self):
        with pytest.raises(FileUnreadable, match="2 行目"):
            decode(b"ok\n\x85\x40", "auto")

    def test_xlsx_rows_as_text(self):
        book = Workbook()
        book.active.append(["ログインID", "数値", "日付"])
        from datetime import date

        book.active.append(["x1", 12.0, date(2025, 4, 1)])
        buffer = io.BytesIO()
        book.save(buffer)
        table = read_table(buffer.getvalue(), "a.xlsx")
        assert table.encoding == "xlsx"
        assert list(table.rows) == [(1, ["ログインID", "数値", "日付"]), (2, ["x1", "12", "2025-04-01"])]

    def test_map_columns_by_header_and_position(self):
        assert map_columns(["a", "b"], {"x": "b", "y": 1}) == ({"x": 1, "y": 0}, [])
        _, problems = map_columns(["a"], {"x": "見出し"})
        assert "見出し「見出し」の列がファイルにありません" in problems[0]


class TestUsersImport:
    def test_dry_run_counts_and_writes_nothing(self, db_session, kind):
        before = _count(db_session, User)
        report = _run(db_session, kind, GOOD, dry_run=True)
        assert (report.total, report.new, report.updated, report.unchanged, report.rejected_rows) == (3, 3, 0, 0, 0)
        assert report.encoding == "utf-8" and not report.committed
        assert _count(db_session, User) == before
        batch = db_session.get(ImportBatch, report.batch_id)
        assert batch.dry_run and batch.file_sha256 == report.file_sha256

    def test_commit_creates_users_and_departments(self, db_session, kind):
        report = _run(db_session, kind, GOOD)
        assert report.committed and report.new == 3
        user = db_session.scalar(select(User).where(User.login_id == "suzuki.h"))
        assert user.name == "髙橋 﨑子" and user.roles == {Role.DEPARTMENT_STAFF, Role.VIEWER}
        assert user.password_hash is None and user.must_change_password  # no password travels in a file
        assert {d.code for d in db_session.scalars(select(Department))} >= {"0100", "0210"}
        assert db_session.scalar(select(User).where(User.login_id == "kensa.k")).department.code == "0210"
        ops = [e.operation for e in db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))]
        assert ops == ["import.commit"]

    def test_reimport_same_file_changes_nothing(self, db_session, kind):
        _run(db_session, kind, GOOD)
        users, history_entries = _count(db_session, User), _count(db_session, AuditEntry)
        report = _run(db_session, kind, GOOD)
        assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
        assert _count(db_session, User) == users
        assert _count(db_session, AuditEntry) == history_entries + 1  # only the batch itself is logged

    def test_corrected_file_updates_by_key(self, db_session, kind):
        _run(db_session, kind, GOOD)
        corrected = GOOD.replace("田中 太郎", "田中 太一").replace("検査員,,", "検査員,,無効")
        report = _run(db_session, kind, corrected)
        assert (report.new, report.updated, report.unchanged) == (0, 2, 1)
        assert _count(db_session, User, User.login_id == "tanaka.t") == 1
        assert db_session.scalar(select(User).where(User.login_id == "tanaka.t")).name == "田中 太一"
        assert db_session.scalar(select(User).where(User.login_id == "kensa.k")).is_active is False

    def test_one_bad_row_commits_nothing_and_is_named(self, db_session, kind):
        bad = GOOD + "x,,0100,,契約担当,,\r\n"  # row 5: bad login id and empty name
        before = _count(db_session, User)
        report = _run(db_session, kind, bad)
        assert not report.committed and report.rejected_rows == 1
        assert {(r.row, r.column) for r in report.rejected} == {(5, "氏名")}
        assert _count(db_session, User) == before

    def test_skip_rejected_commits_valid_rows(self, db_session, kind):
        bad = GOOD + "bad id!,名前,0100,,契約担当,,\r\n" + "ok.one,正しい 人,0100,,社長,,\r\n"
        report = _run(db_session, kind, bad, skip_rejected=True)
        assert report.committed and report.new == 3 and report.rejected_rows == 2
        reasons = {r.row: r.reason for r in report.rejected}
        assert "ログインID" in reasons[5] and "役割「社長」は不明です" in reasons[6]
        assert _count(db_session, User, User.login_id == "ok.one") == 0

    def test_duplicate_keys_in_file_rejected(self, db_session, kind):
        report = _run(db_session, kind, GOOD + "tanaka.t,別人,0100,,閲覧者,,\r\n", dry_run=True)
        assert report.rejected[0].row == 5 and "2 行目にもあります" in report.rejected[0].reason

    def test_unknown_department_without_name_rejected(self, db_session, kind):
        report = _run(db_session, kind, HEADER + "a.b.c,名前,9999,,工事担当課職員,,\r\n", dry_run=True)
        assert "9999" in report.rejected[0].reason and report.rejected[0].column == "部署コード"

    def test_cp932_file_with_compatibility_kanji(self, db_session, kind):
        text = HEADER + "taka.s,髙﨑 神子,0100,総務部,閲覧者,,\r\n"
        report = _run(db_session, kind, text.encode("cp932"))
        assert report.encoding == "cp932"
        assert db_session.scalar(select(User).where(User.login_id == "taka.s")).name == "髙﨑 神子"

    def test_xlsx_file(self, db_session, kind):
        book = Workbook()
        for line in GOOD.strip().split("\r\n"):
            book.active.append(line.split(","))
        buffer = io.BytesIO()
        book.save(buffer)
        report = _run(db_session, kind, buffer.getvalue(), file_name="staff.xlsx")
        assert report.encoding == "xlsx" and report.new == 3

    def test_missing_header_column_is_a_file_error(self, db_session, kind):
        with pytest.raises(ValidationFailed, match="見出し「役割」の列がファイルにありません"):
            _run(db_session, kind, "ログインID,氏名\r\nx.y.z,名前\r\n")

    def test_error_while_writing_rolls_everything_back(self, db_session, kind, monkeypatch):
        original = UsersImport.apply
        calls = []

        def failing(self, ctx, values, status):
            calls.append(values["login_id"])
            if len(calls) == 3:
                raise RuntimeError("disk full")
            original(self, ctx, values, status)

        monkeypatch.setattr(UsersImport, "apply", failing)
        before = _count(db_session, User)
        nested = db_session.begin_nested()
        with pytest.raises(RuntimeError):
            _run(db_session, kind, GOOD)
        nested.rollback()
        assert _count(db_session, User) == before

    def test_only_admins_may_import(self, db_session, kind, create_user):
        from core.errors import PermissionDenied

        with pytest.raises(PermissionDenied):
            _run(db_session, kind, GOOD, actor=create_user(Role.CONTRACT_STAFF))


class TestProfiles:
    def test_positional_profile_without_header(self, db_session, kind, admin):
        profiles.save_profile(db_session, admin, kind, name="人事システム", description="見出しなし", settings={
            "encoding": "cp932", "has_header": False, "skip_rows": 1,
            "columns": {"login_id": 2, "name": 1, "roles": 3, "department_code": 4}})
        data = "人事システム出力 2026-04-01\r\n契約 一子,k.one,契約担当,\r\n".encode("cp932")
        report = _run(db_session, kind, data, profile="人事システム")
        assert report.new == 1 and report.rejected_rows == 0
        assert db_session.scalar(select(User).where(User.login_id == "k.one")).name == "契約 一子"

    @pytest.mark.parametrize(("settings", "fragment"), [
        ({"columns": {"name": "氏名"}}, "必須項目「ログインID"),
        ({"columns": {"login_id": "ID", "name": "氏名", "roles": "役割", "salary": "給与"}}, "salary"),
        ({"encoding": "sjis", "columns": {"login_id": "ID", "name": "氏名", "roles": "役割"}}, "encoding"),
        ({"has_header": False, "columns": {"login_id": "ID", "name": 2, "roles": 3}}, "列番号で指定"),
        ([1, 2], "JSON のオブジェクト"),
    ])
    def test_invalid_profiles_refused(self, db_session, kind, admin, settings, fragment):
        with pytest.raises(ValidationFailed) as exc:
            profiles.save_profile(db_session, admin, kind, name="壊れた設定", description="", settings=settings)
        assert any(fragment in m for m in exc.value.errors["config"])

    def test_builtin_name_reserved_and_json_round_trip(self, db_session, kind, admin):
        with pytest.raises(ValidationFailed, match="組み込み"):
            profiles.save_profile(db_session, admin, kind, name="標準", description="", settings={})
        name, settings = profiles.get_settings(db_session, kind, "標準")
        exchanged = profiles.parse_exchange(profiles.export_json(kind, name, "説明", settings))
        saved = profiles.save_profile(db_session, admin, kind, name="複製", description=exchanged["description"],
                                      settings=exchanged["settings"])
        assert profiles.get_settings(db_session, kind, "複製")[1] == settings and saved.description == "説明"

    def test_unknown_profile_named(self, db_session, kind):
        with pytest.raises(ValidationFailed, match="プロファイル「なし」"):
            profiles.get_settings(db_session, kind, "なし")


class TestCli:
    def test_dry_run_report_json_and_exit_codes(self, app, db_session, tmp_path):
        runner = app.test_cli_runner()
        source = tmp_path / "staff.csv"
        source.write_bytes((GOOD + "x,,0100,,契約担当,,\r\n").encode("cp932"))
        out = tmp_path / "report.json"
        result = runner.invoke(args=["import", "users", str(source), "--dry-run", "--report", str(out)])
        assert result.exit_code == 1, result.output
        assert "5 行目［氏名］" in result.output and "事前確認" in result.output
        report = json.loads(out.read_text(encoding="utf-8"))
        assert {"kind", "file_sha256", "encoding", "total", "new", "updated", "unchanged", "rejected",
                "committed"} <= set(report)
        assert report["encoding"] == "cp932" and report["committed"] is False
        assert report["rejected"][0] == {"row": 5, "column": "氏名", "value": "", "reason": "氏名が空です。"}

        result = runner.invoke(args=["import", "users", str(source)])
        assert result.exit_code == 1 and "中止" in result.output
        result = runner.invoke(args=["import", "users", str(source), "--skip-rejected"])
        assert result.exit_code == 0 and "取り込みました" in result.output
        assert _count(db_session, User, User.login_id == "tanaka.t") == 1

    def test_unknown_kind_and_profile(self, app, tmp_path):
        source = tmp_path / "a.csv"
        source.write_text(GOOD)
        runner = app.test_cli_runner()
        assert runner.invoke(args=["import", "nothing", str(source)]).exit_code == 2
        result = runner.invoke(args=["import", "users", str(source), "--profile", "ない"])
        assert result.exit_code == 2 and "プロファイル「ない」" in result.output

    def test_help_lists_kinds_and_profiles(self, app):
        result = app.test_cli_runner().invoke(args=["import", "--help"])
        assert "users" in result.output and "標準" in result.output


class TestScreens:
    def _upload(self, client, text, name="staff.csv"):
        return client.post("/admin/imports/", data={"kind": "users", "profile": "標準",
                                                    "file": (io.BytesIO(text.encode("utf-8")), name)},
                           content_type="multipart/form-data")

    def test_upload_dry_run_then_commit(self, admin_client, db_session):
        response = self._upload(admin_client, GOOD)
        assert response.status_code == 302
        html = page_text(admin_client.get(response.location))
        assert "事前確認" in html and "取り込む" in html and "新規" in html
        batch_id = int(response.location.rsplit("/", 1)[1])
        assert _count(db_session, User, User.login_id == "tanaka.t") == 0
        done = admin_client.post(f"/admin/imports/{batch_id}/commit", data={})
        assert "取り込みました" in page_text(admin_client.get(done.location))
        assert _count(db_session, User, User.login_id == "tanaka.t") == 1

    def test_rejected_rows_shown_and_commit_refused(self, admin_client, db_session):
        response = self._upload(admin_client, GOOD + "x,,0100,,契約担当,,\r\n")
        batch_id = int(response.location.rsplit("/", 1)[1])
        html = page_text(admin_client.get(response.location))
        assert "氏名が空です" in html and "不正な行を除いて" in html
        refused = admin_client.post(f"/admin/imports/{batch_id}/commit", data={})
        assert "不正な行があります" in page_text(admin_client.get(refused.location))
        assert _count(db_session, User, User.login_id == "tanaka.t") == 0
        csv_text = admin_client.get(f"/admin/imports/{batch_id}/rejections.csv").get_data().decode("utf-8-sig")
        assert "5,氏名,,氏名が空です。" in csv_text

    def test_empty_upload_named(self, admin_client):
        html = page_text(admin_client.post("/admin/imports/", data={"kind": "users", "profile": "標準"},
                                           content_type="multipart/form-data"))
        assert "取り込むファイルを選んでください" in html

    def test_unreadable_file_refused_at_upload(self, admin_client, db_session):
        batches = _count(db_session, ImportBatch)
        html = page_text(self._upload(admin_client, "ログインID,氏名\r\nx,y\r\n"))
        assert "見出し「役割」の列がファイルにありません" in html and "前回のファイル" in html
        assert _count(db_session, ImportBatch) == batches

    def test_profile_screens(self, admin_client, db_session):
        assert "標準" in page_text(admin_client.get("/admin/imports/profiles"))
        form = page_text(admin_client.get("/admin/imports/profiles/new?kind=users"))
        assert "login_id" in form
        bad = admin_client.post("/admin/imports/profiles/new", data={"kind": "users", "name": "壊れ", "config": "{"})
        assert "JSON として読めません" in page_text(bad)
        settings = {"columns": {"login_id": "職員番号", "name": "氏名", "roles": "権限"}}
        ok = admin_client.post("/admin/imports/profiles/new", data={
            "kind": "users", "name": "人事", "description": "人事システム", "config": json.dumps(settings)})
        assert ok.status_code == 302
        exported = admin_client.get("/admin/imports/profiles/users/人事.json")
        assert json.loads(exported.get_data())["settings"]["columns"]["login_id"] == "職員番号"


class TestUsersImportSafety:
    def test_absent_columns_keep_stored_values(self, db_session, kind):
        _run(db_session, kind, GOOD)
        narrow = "ログインID,氏名,役割\r\ntanaka.t,田中 太郎,契約担当\r\n"
        report = _run(db_session, kind, narrow)
        assert (report.updated, report.unchanged) == (0, 1)
        user = db_session.scalar(select(User).where(User.login_id == "tanaka.t"))
        assert user.email == "tanaka@example.jp" and user.department.code == "0100"

    def test_admins_cannot_be_made_or_unmade_by_file(self, db_session, kind, admin):
        granted = _run(db_session, kind, HEADER + "new.boss,新 管理者,0100,総務部,システム管理者,,\r\n", dry_run=True)
        assert "取込では付けられません" in granted.rejected[0].reason
        row = f"{admin.login_id},{admin.name},0100,総務部,閲覧者,,無効\r\n"
        assert "取込では無効にできません" in _run(db_session, kind, HEADER + row, dry_run=True).rejected[0].reason
        _run(db_session, kind, HEADER + row.replace(",無効", ",有効"))
        db_session.refresh(admin)
        assert Role.SYSTEM_ADMIN in admin.roles and Role.VIEWER in admin.roles

    def test_profile_name_must_be_new(self, db_session, kind, admin):
        settings = {"columns": {"login_id": "ID", "name": "氏名", "roles": "役割"}}
        profiles.save_profile(db_session, admin, kind, name="人事", description="", settings=settings, create=True)
        with pytest.raises(ValidationFailed, match="既にあります"):
            profiles.save_profile(db_session, admin, kind, name="人事", description="", settings=settings, create=True)

    def test_stale_job_shown_as_interrupted(self, admin_client, db_session, admin, monkeypatch):
        from datetime import timedelta

        from core.db import utcnow
        from core.importing import jobs

        # The test's open transaction holds SQLite's write lock, which would read as a live import.
        monkeypatch.setattr(jobs, "_sqlite_writer_active", lambda session: False)

        batch = ImportBatch(kind="users", profile_name="標準", file_name="old.csv", file_sha256="0" * 64,
                            user_id=admin.id, login_id=admin.login_id, status="writing", dry_run=False,
                            skip_rejected=False, committed=False, started_at=utcnow() - timedelta(hours=5))
        db_session.add(batch)
        db_session.commit()
        html = page_text(admin_client.get(f"/admin/imports/{batch.id}"))
        assert "中断されました" in html and 'http-equiv="refresh"' not in html

    def test_imported_accounts_marked_without_password(self, admin_client, db_session, kind):
        _run(db_session, kind, GOOD)
        db_session.commit()
        assert "パスワード未発行" in page_text(admin_client.get("/admin/users?q=tanaka"))

    def test_uploads_expire(self, app, tmp_path):
        import os
        import time

        from core.importing import jobs
        from core.storage import Storage

        sha = jobs.store_upload(app, b"data")
        assert sha == hashlib.sha256(b"data").hexdigest()
        assert jobs.load_upload(app, sha) == b"data"
        path = Storage.for_app(app).path(jobs.UPLOAD_AREA, f"{sha}.dat")
        old = time.time() - jobs.UPLOAD_TTL_SECONDS - 60
        os.utime(path, (old, old))
        assert jobs.load_upload(app, sha) is None
        jobs.discard_upload(app, sha)
        assert not path.exists()


def test_kind_summary_reaches_the_report(db_session, kind, monkeypatch):
    monkeypatch.setattr(UsersImport, "summarize", lambda self, ctx: {"役割別": {"件数": len(ctx.users)}},
                        raising=False)
    report = _run(db_session, kind, GOOD, dry_run=True)
    expected = {"役割別": {"件数": _count(db_session, User)}}
    assert report.summary == expected
    assert db_session.get(ImportBatch, report.batch_id).report_data["summary"] == expected
