"""Form definitions: parameter checks with Japanese messages, and the two administration forms' data."""

from datetime import date, timedelta

import pytest

from core.audit.services import record
from core.auth import admin_services
from core.auth.roles import Role
from core.errors import ValidationFailed
from exports import reports
from exports.reports.base import Column, Document, Param, ReportDefinition, period_check, today


def _errors(definition, raw, session, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        definition.parse(raw, session, **kwargs)
    return info.value.errors


def test_registry_has_the_admin_forms():
    assert {"users", "audit_log"} <= {f.name for f in reports.all_reports()}
    assert reports.get("users").roles == {Role.SYSTEM_ADMIN}
    assert reports.get("audit_log").landscape and not reports.get("users").landscape
    assert Role.SYSTEM_ADMIN in reports.roles_in_use()
    assert reports.get("nope") is None


def test_usable_by_follows_roles(create_user, admin):
    assert {f.name for f in reports.usable_by(admin)} >= {"users", "audit_log"}
    assert reports.usable_by(create_user(Role.CONTRACT_STAFF)) == [f for f in reports.all_reports()
                                                                 if Role.CONTRACT_STAFF in f.roles]


def test_required_and_bad_dates_name_the_parameter(db_session):
    audit_log = reports.get("audit_log")
    errors = _errors(audit_log, {"date_from": "2025-02-30"}, db_session)
    assert errors["date_from"] == ["期間（開始日）「2025-02-30」を日付として読み取れません: 2025年2月に30日はありません。"]
    assert errors["date_to"] == ["期間（終了日）を指定してください。"]


def test_period_order_and_length(db_session):
    audit_log = reports.get("audit_log")
    assert "開始日以降" in _errors(audit_log, {"date_from": "2025-04-02", "date_to": "2025-04-01"}, db_session)["date_to"][0]
    assert "366 日以内" in _errors(audit_log, {"date_from": "2025-01-01", "date_to": "2026-01-02"}, db_session)["date_to"][0]
    values = audit_log.parse({"date_from": "２０２５/１/１", "date_to": "R8.1.1"}, db_session)  # full width, 和暦, 366 days
    assert values == {"date_from": date(2025, 1, 1), "date_to": date(2026, 1, 1)}
    assert audit_log.args_of(values) == {"date_from": "2025-01-01", "date_to": "2026-01-01"}


def test_choices_and_unknown_parameters(db_session, create_department):
    users = reports.get("users")
    dept = create_department(code="0999", name="試験課")
    assert users.parse({}, db_session) == {"department": "", "status": "active"}
    assert users.parse({"department": "0999", "status": "all"}, db_session)["department"] == "0999"
    message = _errors(users, {"status": "deleted"}, db_session)["status"][0]
    assert message.startswith("状態の値「deleted」は選べません") and "active（有効のみ）" in message
    assert "部署の値「0998」は選べません" in _errors(users, {"department": "0998"}, db_session)["department"][0]
    assert "パラメータ「foo」はこの帳票にはありません" in _errors(users, {"foo": "1"}, db_session, unknown="error")[""][0]
    assert users.parse({"foo": "1"}, db_session)["status"] == "active"  # the web ignores extra query arguments
    assert dept.id


def test_definition_validates_its_spec():
    with pytest.raises(ValueError):
        Param("page", "ページ")  # reserved by the views
    with pytest.raises(ValueError):
        Param("x", "X", "number")
    with pytest.raises(ValueError):
        Column("A", "money")
    with pytest.raises(ValueError):
        ReportDefinition("Bad-Name", "x", (), lambda s, p, a: None, frozenset())
    with pytest.raises(ValueError):
        reports.register(ReportDefinition("users", "別の帳票", (), lambda s, p, a: None, frozenset()))


def test_max_rows_is_refused_with_a_message(db_session):
    definition = ReportDefinition("many", "多い帳票", (), lambda s, p, a: Document("多い", [Column("A")], [["x"]] * 3),
                                frozenset({Role.SYSTEM_ADMIN}), max_rows=2)
    with pytest.raises(ValidationFailed) as info:
        definition.produce(db_session, {}, None)
    assert "上限（2 件）" in str(info.value)


def _generated(count: int, seen: list[int]):
    for i in range(count):
        seen.append(i)
        yield [f"{i:05d}", date(2026, 4, 1) + timedelta(days=i % 30), i if i % 3 else None]


def _streaming_form(count: int, seen: list[int], **kwargs) -> ReportDefinition:
    columns = [Column("番号"), Column("日付", "date"), Column("金額", "yen")]
    return ReportDefinition("streamed", "長い帳票", (), lambda s, p, a: Document("長い帳票", columns, _generated(count, seen)),
                          frozenset({Role.SYSTEM_ADMIN}), **kwargs)


def test_generated_rows_are_read_once_and_can_be_read_again(db_session):
    seen: list[int] = []
    doc = _streaming_form(12_000, seen).produce(db_session, {}, None)  # beyond the old limit of 10,000
    assert len(seen) == 12_000 and len(doc.rows) == 12_000
    first = list(doc.rows)
    assert first == list(doc.rows) and len(seen) == 12_000  # read back from the spool, not generated again
    assert first[1] == ["00001", date(2026, 4, 2), 1] and first[3] == ["00003", date(2026, 4, 4), None]
    doc.close()


def test_generated_rows_over_the_limit_stop_at_once(db_session):
    seen: list[int] = []
    with pytest.raises(ValidationFailed) as info:
        _streaming_form(1_000, seen, max_rows=100).produce(db_session, {}, None)
    assert info.value.errors[""] == ["該当件数が帳票の上限（100 件）を超えています。条件を絞り込んでください。"]
    assert len(seen) == 101  # the rest of the query is never read
    assert ReportDefinition("x", "x", (), lambda s, p, a: None, frozenset()).max_rows == 100_000


def test_generated_rows_of_the_wrong_width_are_refused(db_session):
    doc = Document("一覧", [Column("A"), Column("B")], iter([["a", "b"], ["only one"]]))
    with pytest.raises(ValueError, match="row 1 has 1 values for 2 columns"):
        doc.spool()


def test_long_lists_are_spooled_to_disk(monkeypatch):
    from exports.reports import rows as rows_module

    monkeypatch.setattr(rows_module, "IN_MEMORY", 10_000)
    seen: list[int] = []
    store = rows_module.RowStore(_generated(3_000, seen), 3)
    assert store._file._rolled  # on disk, not in memory
    values = list(store)
    assert len(store) == 3_000 and values[-1] == ["02999", date(2026, 4, 30), 2999]
    assert [row[0] for row in values] == [f"{i:05d}" for i in range(3_000)]
    store.close()


def test_period_check_helper():
    check = period_check("a", "b", 31)
    assert check({"a": date(2025, 1, 1), "b": date(2025, 1, 31)}) == {}
    assert check({"a": date(2025, 1, 1), "b": date(2025, 2, 1)})["b"]
    assert check({"a": None, "b": date(2025, 1, 1)}) == {}


def test_users_form_rows_and_filters(db_session, create_user, create_department):
    dept = create_department(code="0710", name="建設部 道路課")
    create_user(Role.DEPARTMENT_STAFF, login_id="takasaki", name="髙﨑 一郎", department=dept)
    gone = create_user(Role.VIEWER, login_id="gone", name="退職 者")
    admin_services.deactivate_user(db_session, None, gone, reason="退職", now=gone.created_at)
    users = reports.get("users")

    doc = users.produce(db_session, users.parse({"department": "0710"}, db_session))
    assert doc.title == "利用者一覧" and not doc.landscape
    assert [c.label for c in doc.columns] == ["ログインID", "氏名", "部署", "役割", "状態", "最終ログイン"]
    assert doc.rows == [["takasaki", "髙﨑 一郎", "0710 建設部 道路課", "工事担当課職員", "有効", None]]
    assert doc.conditions == [("部署", "0710 建設部 道路課"), ("状態", "有効のみ")]

    all_ids = [r[0] for r in users.produce(db_session, users.parse({"status": "all"}, db_session)).rows]
    assert {"takasaki", "gone"} <= set(all_ids)
    inactive = users.produce(db_session, users.parse({"status": "inactive"}, db_session)).rows
    assert [r[0] for r in inactive if r[0] == "gone"] == ["gone"] and all(r[4] == "無効" for r in inactive)


def test_audit_log_form_rows(db_session, admin):
    day = today()
    record(db_session, admin, "user.update", "利用者「髙﨑 一郎」を変更", target_type="users", target_id=42)
    audit_log = reports.get("audit_log")
    doc = audit_log.produce(db_session, audit_log.parse({"date_from": str(day - timedelta(days=1)),
                                                         "date_to": str(day)}, db_session))
    assert doc.landscape and [c.label for c in doc.columns] == ["ID", "日時", "利用者", "操作", "対象", "内容"]
    rows = list(doc.rows)  # read from the query in batches and spooled
    assert len(doc.rows) == len(rows) and list(doc.rows) == rows
    last = rows[-1]
    assert isinstance(last[0], int) and last[2:] == ["admin1", "利用者変更", "利用者 #42", "利用者「髙﨑 一郎」を変更"]
    assert last[1].date() in (day, day - timedelta(days=1))
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # oldest first
    assert doc.conditions == [("期間", (day - timedelta(days=1), day))]
    old = audit_log.produce(db_session, audit_log.parse({"date_from": "2001-01-01", "date_to": "2001-01-31"}, db_session))
    assert len(old.rows) == 0 and list(old.rows) == []
    doc.close()
