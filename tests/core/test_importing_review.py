"""Import framework: a dead worker is detected by its heartbeat, header-only files are refused, rejected rows
carry their raw value, large files stream, the CLI keeps the web size limit, and the screens keep the user's
choices."""

import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.errors import ValidationFailed
from core.importing import jobs, profiles
from core.importing.kinds import get_kind
from core.importing.models import ImportBatch
from core.importing.runner import run_import
from tests.core.test_importing import GOOD, HEADER
from tests.helpers import page_text
from tests.registry.test_import_contractors import LINES, _data, _replace


def _upload(client, text, name="staff.csv", **extra):
    data = {"kind": "users", "profile": "標準", **extra}
    if text is not None:
        data["file"] = (io.BytesIO(text.encode("utf-8")), name)
    return client.post("/admin/imports/", data=data, content_type="multipart/form-data")


def _running_batch(session, admin, *, heartbeat_age: float | None, status="writing"):
    now = utcnow()
    batch = ImportBatch(kind="users", profile_name="標準", file_name="big.csv", file_sha256="0" * 64,
                        user_id=admin.id, login_id=admin.login_id, status=status, dry_run=False,
                        skip_rejected=False, committed=False, started_at=now - timedelta(minutes=10),
                        heartbeat_at=None if heartbeat_age is None else now - timedelta(seconds=heartbeat_age))
    session.add(batch)
    session.commit()
    return batch


class TestHeartbeat:
    @pytest.fixture(autouse=True)
    def _no_sqlite_writer(self, monkeypatch):
        # The test's own open transaction holds SQLite's write lock, which would read as a live import.
        monkeypatch.setattr(jobs, "_sqlite_writer_active", lambda session: False)

    def test_stale_heartbeat_marks_the_batch_interrupted(self, admin_client, db_session, admin):
        batch = _running_batch(db_session, admin, heartbeat_age=61)
        html = page_text(admin_client.get(f"/admin/imports/{batch.id}"))
        assert "中断されました" in html and 'http-equiv="refresh"' not in html
        db_session.expire_all()
        stored = db_session.get(ImportBatch, batch.id)
        assert stored.status == "interrupted" and stored.finished_at is not None
        assert "中断" in page_text(admin_client.get("/admin/imports/"))

    def test_fresh_heartbeat_keeps_the_job_running(self, admin_client, db_session, admin):
        batch = _running_batch(db_session, admin, heartbeat_age=5)
        status = admin_client.get(f"/admin/imports/{batch.id}/status.json").get_json()
        assert status["status"] == "writing" and status["running"] is True
        assert "最新の状態に更新" in status["html"]
        db_session.expire_all()
        assert db_session.get(ImportBatch, batch.id).status == "writing"

    def test_status_json_reports_interrupted_after_the_limit(self, app, admin_client, db_session, admin,
                                                             monkeypatch):
        monkeypatch.setitem(app.config, "IMPORT_STALE_SECONDS", 30)
        batch = _running_batch(db_session, admin, heartbeat_age=31, status="checking")
        status = admin_client.get(f"/admin/imports/{batch.id}/status.json").get_json()
        assert status["status"] == "interrupted" and status["running"] is False
        assert "中断されました" in status["html"]

    def test_sqlite_writer_holding_the_lock_is_alive(self, db_session, admin, monkeypatch):
        monkeypatch.setattr(jobs, "_sqlite_writer_active", lambda session: True)
        batch = _running_batch(db_session, admin, heartbeat_age=600)
        assert jobs.is_dead(db_session, batch, utcnow(), 60) is False and batch.status == "writing"

    def test_liveness_probed_before_the_page_takes_the_write_lock(self, admin_client, db_session, admin,
                                                                  monkeypatch):
        """On SQLite the status read's own write transaction would hold the lock the probe looks for."""
        from contextlib import contextmanager

        from core.importing import views

        inside, probed_inside = [False], []
        real_transaction = views.transaction

        @contextmanager
        def watched(*args, **kwargs):
            with real_transaction(*args, **kwargs) as tx:
                inside[0] = True
                try:
                    yield tx
                finally:
                    inside[0] = False

        monkeypatch.setattr(views, "transaction", watched)
        monkeypatch.setattr(jobs, "_sqlite_writer_active", lambda session: probed_inside.append(inside[0]) or False)
        batch = _running_batch(db_session, admin, heartbeat_age=90)
        assert admin_client.get(f"/admin/imports/{batch.id}/status.json").get_json()["status"] == "interrupted"
        assert probed_inside == [False]

    def test_write_lock_probe(self, tmp_path):
        import sqlite3

        path = str(tmp_path / "probe.sqlite3")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("CREATE TABLE t (x)")
        assert jobs.sqlite_write_locked(path) is False
        holder.execute("BEGIN IMMEDIATE")
        assert jobs.sqlite_write_locked(path) is True
        holder.execute("ROLLBACK")
        holder.close()

    def test_heartbeat_thread_beats_until_stopped(self, app, monkeypatch):
        import time

        beats = []
        monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.01)
        monkeypatch.setattr(jobs, "beat", beats.append)
        with jobs._Heartbeat(app, 7) as heartbeat:
            time.sleep(0.2)
            heartbeat.paused = True
            paused_at = len(beats)
            time.sleep(0.1)
        assert paused_at >= 3 and set(beats) == {7}
        assert len(beats) <= paused_at + 1


class TestEmptyFiles:
    def test_header_only_file_refused_by_the_runner(self, db_session):
        kind = get_kind("users")
        name, settings = profiles.get_settings(db_session, kind, "標準")
        with pytest.raises(ValidationFailed) as exc:
            run_import(db_session, None, kind, data=HEADER.encode(), file_name="h.csv", profile_name=name,
                       settings=settings, dry_run=True)
        assert "データの行がありません" in exc.value.errors["file"][0]

    def test_header_only_file_refused_on_the_upload_page(self, admin_client, db_session):
        before = db_session.scalar(select(func.count()).select_from(ImportBatch))
        html = page_text(_upload(admin_client, HEADER + "\r\n,,,,,,\r\n"))
        assert "データの行がありません" in html
        assert db_session.scalar(select(func.count()).select_from(ImportBatch)) == before

    def test_header_only_file_refused_by_the_cli(self, app, tmp_path):
        source = tmp_path / "header.csv"
        source.write_text(HEADER, encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["import", "users", str(source)])
        assert result.exit_code != 0 and "データの行がありません" in result.output
        assert "取り込みました" not in result.output


class TestRejectedValues:
    def test_value_is_the_offending_cell(self, db_session):
        kind = get_kind("contractors")
        lines = list(LINES)
        lines[1] = _replace(lines[1], 3, "7830166131861")  # row 2: check digit
        lines[6] = _replace(lines[6], 11, "999")  # row 7: unknown 業種
        lines[12] = _replace(lines[12], 2, "有馬舗道株式会社")  # row 13: differs from row 12
        lines.append(lines[4])  # duplicate key of row 5
        name, settings = profiles.get_settings(db_session, kind, None)
        report = run_import(db_session, None, kind, data=_data(lines), file_name="l.csv", profile_name=name,
                            settings=settings, dry_run=True)
        values = {(r.row, r.column): r.value for r in report.rejected}
        assert values[(2, "法人番号")] == "7830166131861"
        assert values[(7, "業種コード")] == "999"
        assert values[(13, "商号又は名称")] == "有馬舗道株式会社"
        duplicate = next(v for (row, column), v in values.items() if column == "")
        assert duplicate == "・".join(lines[4].split(",")[i] for i in (0, 11))

    def test_cli_json_report_carries_the_value(self, app, tmp_path):
        source = tmp_path / "bad.csv"
        source.write_text(HEADER + "tanaka.t,田中 太郎,0100,総務部,契約担当,not-an-address,有効\r\n"
                          + "sato.s,佐藤 一,0100,総務部,神様,,有効\r\n", encoding="utf-8")
        out = tmp_path / "r.json"
        app.test_cli_runner().invoke(args=["import", "users", str(source), "--dry-run", "--report", str(out)])
        rejected = json.loads(out.read_text(encoding="utf-8"))["rejected"]
        assert {(r["row"], r["value"]) for r in rejected} == {(2, "not-an-address"), (3, "神様")}


class TestCliLimits:
    def test_cli_refuses_a_file_over_the_web_limit(self, app, tmp_path, monkeypatch):
        monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
        source = tmp_path / "big.csv"
        source.write_text(GOOD + "x" * 2048, encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["import", "users", str(source), "--dry-run"])
        assert result.exit_code == 2 and "大きすぎます" in result.output


class TestUploadScreen:
    def test_kind_brings_its_own_profile(self, admin_client, db_session):
        html = admin_client.get("/admin/imports/?kind=contractors").get_data(as_text=True)
        assert re.search(r'<option selected value="旧システム">|<option value="旧システム" selected', html)
        assert "data-kind-profiles" in html and "import-upload.js?v=" in html
        # Without JavaScript the profile of the previously shown kind comes along: the kind's standard applies.
        response = admin_client.post("/admin/imports/", data={
            "kind": "contractors", "profile": "標準", "file": (io.BytesIO(_data(LINES[:3])), "legacy.csv")},
            content_type="multipart/form-data")
        assert response.status_code == 302, page_text(response)
        batch = db_session.get(ImportBatch, int(response.location.rsplit("/", 1)[1]))
        assert (batch.kind, batch.profile_name, batch.status) == ("contractors", "旧システム", "done")

    def test_refused_upload_keeps_the_file(self, admin_client, db_session, admin):
        narrow = "職員番号,氏名,権限\r\nk.one,契約 一子,契約担当\r\n"
        refused = _upload(admin_client, narrow, name="人事.csv")
        html = refused.get_data(as_text=True)
        assert "前回のファイル" in html and "人事.csv" in html and "見出し「ログインID」の列がファイルにありません" in html
        sha = re.search(r'name="previous" type="hidden" value="([0-9a-f]{64})"', html).group(1)
        profiles.save_profile(db_session, admin, get_kind("users"), name="人事", description="", settings={
            "columns": {"login_id": "職員番号", "name": "氏名", "roles": "権限"}})
        db_session.commit()
        again = admin_client.post("/admin/imports/", data={
            "kind": "users", "profile": "人事", "previous": sha, "previous_name": "人事.csv", "reuse": "y"},
            content_type="multipart/form-data")
        assert again.status_code == 302, page_text(again)
        batch = db_session.get(ImportBatch, int(again.location.rsplit("/", 1)[1]))
        assert (batch.file_name, batch.profile_name, batch.new) == ("人事.csv", "人事", 1)

    def test_kept_file_needs_a_real_hash(self, admin_client):
        html = page_text(admin_client.post("/admin/imports/", data={
            "kind": "users", "profile": "標準", "previous": "../../etc/passwd", "reuse": "y"},
            content_type="multipart/form-data"))
        assert "取り込むファイルを選んでください" in html

    def test_forbidden_to_other_roles(self, login_as, create_user, db_session, admin):
        from core.auth.roles import Role

        batch = _running_batch(db_session, admin, heartbeat_age=1)
        staff = login_as(create_user(Role.CONTRACT_STAFF))
        assert staff.get(f"/admin/imports/{batch.id}/status.json").status_code in (403, 404)


class TestBatchScreen:
    def test_result_announced_at_the_top(self, admin_client, db_session):
        done = admin_client.post(f"{_upload(admin_client, GOOD).location}/commit", data={})
        html = admin_client.get(done.location).get_data(as_text=True)
        region = html.index('id="import-status"')
        assert 'role="status"' in html[region - 200:region + 200]
        # 結果 looked for from the status region on: the side menu above it has 「入札結果」.
        assert region < html.index("取り込みました") < html.index("結果", region)

    def test_progress_shows_the_write_phase(self, admin_client, db_session, admin, monkeypatch):
        monkeypatch.setattr(jobs, "_sqlite_writer_active", lambda session: False)
        batch = _running_batch(db_session, admin, heartbeat_age=1)
        batch.processed, batch.total = 1000, 5000
        db_session.commit()
        html = admin_client.get(f"/admin/imports/{batch.id}").get_data(as_text=True)
        assert "書き込み中です" in html and "1,000 / 5,000 行を書き込みました" in html
        assert 'http-equiv="refresh"' not in html and "import-status.js?v=" in html
        assert "最新の状態に更新" in html and "data-running" in html
        # The counts change every poll: the live region is busy until the end, so they are not read out each time
        assert 'aria-live="polite"' in html and 'data-running aria-busy="true"' in html


