"""Legacy contractor import (CM12): merge of a firm's rows, rejections with reasons, permits, idempotent re-import."""

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.history import RecordHistory
from core.importing import profiles
from core.importing.kinds import get_kind
from core.importing.runner import run_import
from registry.contractors.importers import LEGACY_AREA_REASON
from registry.contractors.models import Contractor
from registry.qualifications.models import Permit, RegisteredWorkType, Registration
from registry.qualifications.ranks.periods import period_containing as qualification_period

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "legacy_contractors.csv"
TEXT = SAMPLE.read_bytes().decode("cp932")
LINES = TEXT.splitlines()  # LINES[0] is the header = spreadsheet row 1; LINES[n - 1] is row n


@pytest.fixture
def kind(app):
    return get_kind("contractors")


def _data(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def _run(session, kind, data: bytes, *, dry_run=False, skip_rejected=False):
    name, settings = profiles.get_settings(session, kind, None)
    return run_import(session, None, kind, data=data, file_name="legacy_contractors.csv", profile_name=name,
                      settings=settings, dry_run=dry_run, skip_rejected=skip_rejected)


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _replace(line: str, column: int, value: str) -> str:
    cells = line.split(",")
    cells[column] = value
    return ",".join(cells)


def _contractor(session, number):
    return session.scalar(select(Contractor).where(Contractor.number == number))


class TestSampleFile:
    def test_dry_run_counts_and_checklist(self, db_session, kind):
        report = _run(db_session, kind, SAMPLE.read_bytes(), dry_run=True)
        assert (report.total, report.new, report.updated, report.unchanged, report.rejected_rows) == (122, 122, 0, 0, 0)
        assert report.encoding == "cp932" and not report.committed
        assert _count(db_session, Contractor) == 0

    def test_summary_per_category_and_area(self, db_session, kind):
        report = _run(db_session, kind, SAMPLE.read_bytes(), dry_run=True)
        summary = report.summary
        assert summary["業者数"] == {"全体": 60}
        assert sum(summary["区分別の行数"].values()) == 122
        assert set(summary["区分別の業者数"]) == {"建設工事", "測量・建設コンサルタント"}
        assert sum(summary["地域区分別の業者数"].values()) == 60
        assert set(summary["地域区分別の業者数"]) == {"市内", "準市内", "市外"}
        assert summary["業種別の行数"]["510 測量"] > 0

    def test_commit_merges_rows_of_a_firm(self, db_session, kind):
        report = _run(db_session, kind, SAMPLE.read_bytes())
        assert report.committed and report.new == 122
        assert _count(db_session, Contractor) == 60
        assert _count(db_session, RegisteredWorkType) == 122
        firm = _contractor(db_session, "100005")  # rows 9-11: 090, 150, 130
        assert firm.name == "勝間建工株式会社" and firm.corporate_number == "1632122330792"
        assert firm.legal_form == "corporation" and firm.postal_code == "747-0067" and firm.phone == "0835-39-9278"
        start, end = qualification_period(db_session)
        [registration] = firm.registrations
        assert (registration.category, registration.period_start, registration.period_end) == ("construction", start, end)
        assert {(w.work_type_code, w.rank, w.objective_points) for w in registration.work_types} == {
            ("090", "C", 1065), ("150", "C", 1068), ("130", "C", 758)}
        consultant = _contractor(db_session, "200001")
        assert consultant.registrations[0].category == "consulting"
        assert {w.work_type_code: w.rank for w in consultant.registrations[0].work_types} == {
            "510": "C", "520": "D", "540": "C"}
        assert consultant.permits == []

    def test_permits_parsed_per_work_type(self, db_session, kind):
        _run(db_session, kind, SAMPLE.read_bytes())
        firm = _contractor(db_session, "100003")  # 山口県知事許可（特-3）第23783号, 080
        [permit] = firm.permits
        assert (permit.work_type_code, permit.authority, permit.prefecture, permit.grade, permit.permit_year,
                permit.permit_number) == ("080", "governor", "山口県", "special", 3, 23783)
        assert sorted(p.work_type_code for p in _contractor(db_session, "100005").permits) == ["090", "130", "150"]
        assert _count(db_session, Permit) == sum(1 for line in LINES[1:] if line.split(",")[1] == "建設工事")

    def test_area_kept_with_reason_when_it_differs_from_the_derived_one(self, db_session, kind):
        _run(db_session, kind, SAMPLE.read_bytes())
        city = _contractor(db_session, "200001")  # 防府市, 市内
        assert (city.area, city.area_override_reason) == ("city", None)
        outside = _contractor(db_session, "200002")  # 防府市 but 市外 in the legacy system
        assert (outside.area, outside.area_override_reason) == ("outside", LEGACY_AREA_REASON)
        assert _contractor(db_session, "100006").area == "near"

    def test_history_recorded_in_bulk(self, db_session, kind):
        _run(db_session, kind, SAMPLE.read_bytes())
        firm = _contractor(db_session, "100005")
        rows = db_session.scalars(select(RecordHistory).where(RecordHistory.target_type == "contractors",
                                                              RecordHistory.target_id == str(firm.id))).all()
        assert [r.operation for r in rows] == ["contractor.create"]
        assert _count(db_session, RecordHistory, RecordHistory.target_type == "registered_work_types") == 122
        assert _count(db_session, RecordHistory, RecordHistory.target_type == "construction_permits") == _count(
            db_session, Permit)

    def test_reimport_same_file_is_unchanged(self, db_session, kind):
        _run(db_session, kind, SAMPLE.read_bytes())
        history = _count(db_session, RecordHistory)
        report = _run(db_session, kind, SAMPLE.read_bytes())
        assert (report.new, report.updated, report.unchanged, report.rejected_rows) == (0, 0, 122, 0)
        assert _count(db_session, RecordHistory) == history
        assert _count(db_session, Registration) == 60

    def test_corrected_file_updates_only_what_changed(self, db_session, kind):
        _run(db_session, kind, SAMPLE.read_bytes())
        history = _count(db_session, RecordHistory)
        lines = list(LINES)
        lines[9] = _replace(lines[9], 13, "B")  # row 10: 100005 / 150 rank C → B
        for n in (9, 10, 11):  # 100005 moved: every row of the firm carries the new address
            lines[n - 1] = _replace(lines[n - 1], 7, "山口県防府市小野2丁目18番13号")
        lines[6] = _replace(lines[6], 10, "国土交通大臣許可（特-7）第23783号")  # row 7: 100003's permit
        lines.append(_replace(lines[6], 11, "010"))  # row 124: a new 業種 for 100003
        report = _run(db_session, kind, _data(lines))
        assert (report.new, report.updated, report.unchanged, report.rejected_rows) == (1, 3, 119, 0)
        firm = _contractor(db_session, "100005")
        assert firm.address == "山口県防府市小野2丁目18番13号"
        assert {w.work_type_code: w.rank for w in firm.registrations[0].work_types} == {"090": "C", "150": "B", "130": "C"}
        permits = {p.work_type_code: p for p in _contractor(db_session, "100003").permits}
        assert (permits["080"].authority, permits["080"].prefecture, permits["080"].permit_year) == ("minister", None, 7)
        assert set(permits) == {"080", "010"}
        # contractor 100005, its work type 150, the permit of 100003/080, plus the new work type and permit
        assert _count(db_session, RecordHistory) == history + 5
        assert _run(db_session, kind, _data(lines)).unchanged == 123


class TestRejections:
    def _reasons(self, report):
        return {(r.row, r.column): r.reason for r in report.rejected}

    def test_each_kind_of_bad_row(self, db_session, kind):
        lines = list(LINES)
        lines[1] = _replace(lines[1], 3, "7830166131861")  # row 2: check digit
        lines[6] = _replace(lines[6], 11, "999")  # row 7: unknown 業種
        lines[7] = _replace(lines[7], 11, "510")  # row 8: consulting code on a construction row
        lines[10] = _replace(lines[10], 10, "山口県知事許可（般6）第29154号")  # row 11: malformed permit
        lines[12] = _replace(lines[12], 2, "有馬舗道株式会社")  # row 13: differs from row 12 of 100006
        lines.append(lines[4])  # row 124: same (業者番号, 業種) as row 5
        lines.append(_replace(lines[13], 10, ""))  # row 125: same key as row 14 (duplicate wins over the blank permit)
        report = _run(db_session, kind, _data(lines), dry_run=True)
        reasons = self._reasons(report)
        assert "チェックディジット" in reasons[(2, "法人番号")]
        assert reasons[(7, "業種コード")] == "業種コード「999」はコード表にありません。"
        assert "測量・建設コンサルタントの業種です" in reasons[(8, "業種コード")]
        assert reasons[(11, "建設業許可番号")].startswith("建設業許可番号「山口県知事許可（般6）第29154号」を読み取れません")
        assert reasons[(13, "商号又は名称")] == "同じ業者番号の 12 行目と 商号 が異なります。"
        assert reasons[(124, "")] == "同じキー（200002・540）の行が 5 行目にもあります。"
        assert reasons[(125, "")] == "同じキー（100007・020）の行が 14 行目にもあります。"
        assert report.rejected_rows == 7 and report.total == 124

    def test_construction_row_needs_a_permit(self, db_session, kind):
        lines = [LINES[0], _replace(LINES[13], 10, "")]
        report = _run(db_session, kind, _data(lines), dry_run=True)
        assert self._reasons(report) == {(2, "建設業許可番号"): "建設工事の行には建設業許可番号が必要です。"}

    def test_rejected_rows_block_the_file_unless_skipped(self, db_session, kind):
        lines = list(LINES)
        lines[12] = _replace(lines[12], 8, "0835-99-9999")  # row 13: phone differs from row 12
        blocked = _run(db_session, kind, _data(lines))
        assert not blocked.committed and _count(db_session, Contractor) == 0
        skipped = _run(db_session, kind, _data(lines), skip_rejected=True)
        assert skipped.committed and skipped.new == 121
        assert [w.work_type_code for w in _contractor(db_session, "100006").registrations[0].work_types] == ["150"]

    def test_bad_rank_and_area(self, db_session, kind):
        lines = [LINES[0], _replace(LINES[1], 13, "Z"), _replace(LINES[4], 9, "県外")]
        reasons = self._reasons(_run(db_session, kind, _data(lines), dry_run=True))
        assert "格付「Z」は不明です" in reasons[(2, "格付")]
        assert "地域区分「県外」は不明です" in reasons[(3, "地域区分")]


def test_qualification_period_from_the_rule(db_session):
    assert qualification_period(db_session, date(2026, 11, 20)) == (date(2025, 4, 1), date(2027, 3, 31))
    assert qualification_period(db_session, date(2027, 3, 31)) == (date(2025, 4, 1), date(2027, 3, 31))
    assert qualification_period(db_session, date(2027, 4, 1)) == (date(2027, 4, 1), date(2029, 3, 31))


class TestCommandLine:
    def test_dry_run_report_and_exit_codes(self, app, db_session, tmp_path):
        runner = app.test_cli_runner()
        report_path = tmp_path / "r.json"
        result = runner.invoke(args=["import", "contractors", str(SAMPLE), "--dry-run", "--report", str(report_path)])
        assert result.exit_code == 0, result.output
        payload = json.loads(report_path.read_text(encoding="utf-8"))
        assert (payload["total"], payload["new"], payload["rejected_rows"], payload["dry_run"]) == (122, 122, 0, True)
        assert payload["profile"] == "旧システム" and payload["encoding"] == "cp932"

        bad = tmp_path / "bad.csv"
        bad.write_bytes(_data([LINES[0], _replace(LINES[1], 3, "1234567890123"), LINES[2]]))
        result = runner.invoke(args=["import", "contractors", str(bad), "--dry-run", "--report", str(report_path)])
        assert result.exit_code == 1
        payload = json.loads(report_path.read_text(encoding="utf-8"))
        assert payload["rejected"][0]["row"] == 2 and payload["rejected"][0]["column"] == "法人番号"

        wrong = tmp_path / "wrong.csv"
        wrong.write_bytes("業者番号,名前\r\n1,x\r\n".encode("cp932"))
        assert runner.invoke(args=["import", "contractors", str(wrong), "--dry-run"]).exit_code == 2


def test_records_let_go_after_a_flush_are_loaded_again(db_session, kind, monkeypatch):
    """A firm whose rows are far apart in the file: its records were written and let go (memory) before its
    later rows come; they are loaded again by id, so the result is the same as with one flush at the end."""
    from registry.contractors import importers

    monkeypatch.setattr(importers, "FLUSH_EVERY", 1)
    body = LINES[1:]
    shuffled = body[::2] + body[1::2]  # every firm's second row comes after all the first rows
    report = _run(db_session, kind, _data([LINES[0], *shuffled]))
    assert report.committed and (report.new, report.rejected_rows) == (122, 0)
    assert _count(db_session, RegisteredWorkType) == 122
    numbers = {line.split(",")[0] for line in body}
    assert _count(db_session, Contractor) == len(numbers)
    again = _run(db_session, kind, _data([LINES[0], *shuffled]))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 122)
