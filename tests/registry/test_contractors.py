"""Contractor services and queries (SPEC CM1)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.history import RecordHistory, history_of
from core.jp import corporate_check_digit
from core.rules.services import add_rule_version
from core.timefmt import today
from registry.contractors import queries
from registry.contractors.models import Contractor
from registry.contractors.numbering import next_contractor_number, preview_contractor_number
from registry.contractors.services import (
    change_status,
    clear_area_override,
    contractor_snapshot,
    create_contractor,
    override_area,
    update_contractor,
)
from registry.suspensions.models import Suspension
from registry.suspensions.queries import suspensions_in_force


def corp(base12: str) -> str:
    return f"{corporate_check_digit(base12)}{base12}"


def bad_corp(base12: str) -> str:
    return f"{(corporate_check_digit(base12) + 1) % 10}{base12}"


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF)


def _errors(exc_info) -> dict:
    return exc_info.value.errors


# --- create ----------------------------------------------------------------------------------------

def test_create_normalises_and_numbers(db_session, staff):
    c = create_contractor(db_session, staff, name="株式会社　ﾃｽﾄ建設", name_kana="かぶしきがいしゃ ﾃｽﾄｹﾝｾﾂ",
                          corporate_number=corp("123456789012"), postal_code="〒７４７－０８０１",
                          address="山口県防府市寿町7番1号", phone="０８３５（２２）１２３４", email="info@example.jp",
                          representative_title="代表取締役", representative_name="防府 太郎")
    assert c.name == "株式会社 テスト建設"
    assert c.name_kana == "カブシキガイシャ テストケンセツ"
    assert c.postal_code == "747-0801" and c.phone == "0835-22-1234"
    assert c.area == "city" and c.area_override_reason is None and c.status == "active"
    assert c.number.isdigit() and len(c.number) == 6 and c.number.startswith("1")  # construction range
    assert "テスト" in c.search_key and " " not in c.search_key
    rows = history_of(db_session, "contractors", c.id)
    assert len(rows) == 1 and rows[0].operation == "contractor.create" and rows[0].login_id == staff.login_id


def test_numbers_by_category_share_one_counter_after_the_legacy_numbers(db_session, create_contractor, admin):
    create_contractor(number="100041")
    create_contractor(number="200040", category="consulting")
    create_contractor(number="X-999")
    assert preview_contractor_number(db_session, "consulting") == "200042"
    assert next_contractor_number(db_session, "construction") == "100042"
    assert next_contractor_number(db_session, "consulting") == "200043"
    c = create_contractor_service(db_session, admin, "コンサル新規", number_category="consulting")
    assert c.number == "200044"  # a consultant is not numbered in the construction range


def test_changed_pattern_goes_on_from_the_same_counter(db_session, create_contractor, admin):
    create_contractor(number="100041")
    assert next_contractor_number(db_session, "construction") == "100042"
    add_rule_version(db_session, admin, "registry.numbering", today(),
                     {"construction": "K{seq:05d}", "consulting": "2{seq:05d}", "goods": "3{seq:05d}"},
                     "業者番号の形式を変更")
    create_contractor(number="K00043")  # entered by hand: skipped
    c = create_contractor_service(db_session, admin, "新形式建設")
    assert c.number == "K00044"


def create_contractor_service(session, actor, name, **fields):
    return create_contractor(session, actor, name=name, **fields)


def test_given_number_must_be_unique(db_session, staff, create_contractor):
    create_contractor("既存", number="00100")
    with pytest.raises(ValidationFailed) as exc:
        create_contractor_service(db_session, staff, "新規", number="00100")
    assert "既存" in _errors(exc)["number"][0]


@pytest.mark.parametrize("fields, field, words", [
    ({"name": "  "}, "name", "商号又は名称を入力"),
    ({"name_kana": "テスト建設"}, "name_kana", "カタカナ"),
    ({"corporate_number": bad_corp("123456789012")}, "corporate_number", "法人番号"),
    ({"corporate_number": "12345"}, "corporate_number", "13桁"),
    ({"postal_code": "74708"}, "postal_code", "7桁"),
    ({"phone": "0835-22"}, "phone", "電話番号"),
    ({"email": "info@"}, "email", "メールアドレス"),
    ({"branch_postal_code": "1"}, "branch_postal_code", "受任者の郵便番号"),
    ({"area_override": "city"}, "area_override_reason", "理由"),
    ({"legal_form": "company"}, "legal_form", "法人・個人"),
    ({"representative_name": "あ" * 101}, "representative_name", "100 文字以内"),
])
def test_field_validation_in_japanese(db_session, staff, fields, field, words):
    values = {"name": "テスト建設", **fields}
    with pytest.raises(ValidationFailed) as exc:
        create_contractor(db_session, staff, **values)
    assert field in _errors(exc), _errors(exc)
    assert words in _errors(exc)[field][0]
    assert db_session.scalar(select(Contractor).where(Contractor.name == "テスト建設")) is None


def test_individual_has_no_corporate_number(db_session, staff):
    with pytest.raises(ValidationFailed) as exc:
        create_contractor(db_session, staff, name="山田工務店", legal_form="individual",
                          corporate_number=corp("123456789012"))
    assert "個人事業者" in _errors(exc)["corporate_number"][0]
    c = create_contractor(db_session, staff, name="山田工務店", legal_form="individual")
    assert c.corporate_number is None and c.legal_form == "individual"


def test_duplicate_corporate_number_among_active_firms(db_session, staff):
    first = create_contractor(db_session, staff, name="先行建設", corporate_number=corp("100000000001"))
    with pytest.raises(ValidationFailed) as exc:
        create_contractor(db_session, staff, name="後発建設", corporate_number=corp("100000000001"))
    message = _errors(exc)["corporate_number"][0]
    assert "先行建設" in message and first.number in message
    change_status(db_session, staff, first, "revoked", "合併により消滅")
    second = create_contractor(db_session, staff, name="後発建設", corporate_number=corp("100000000001"))
    with pytest.raises(ValidationFailed) as exc:  # the revoked one cannot come back while the other is active
        change_status(db_session, staff, first, "active", None)
    assert "後発建設" in _errors(exc)["status"][0]
    assert second.status == "active"


# --- area ------------------------------------------------------------------------------------------

def test_area_derived_from_branch_first(db_session, staff):
    c = create_contractor(db_session, staff, name="広島建設", address="広島県広島市中区1-1",
                          branch_name="広島建設 防府営業所", branch_address="山口県防府市駅南町1-1")
    assert c.area == "city"
    near = create_contractor(db_session, staff, name="周南建設", address="山口県周南市岐山通1丁目")
    assert near.area == "near"


def test_area_rederived_when_address_changes_unless_overridden(db_session, staff):
    c = create_contractor(db_session, staff, name="移転建設", address="広島県広島市中区1-1")
    assert c.area == "outside"
    update_contractor(db_session, staff, c, address="山口県山口市亀山町1-1")
    assert c.area == "near"
    override_area(db_session, staff, c, "city", "市内に営業所の実態あり")
    update_contractor(db_session, staff, c, address="福岡県福岡市中央区1-1")
    assert c.area == "city" and c.area_override_reason == "市内に営業所の実態あり"
    clear_area_override(db_session, staff, c)
    assert c.area == "outside" and c.area_override_reason is None


def test_override_needs_reason_and_known_area(db_session, staff):
    c = create_contractor(db_session, staff, name="理由なし建設", address="山口県防府市")
    with pytest.raises(ValidationFailed) as exc:
        override_area(db_session, staff, c, "outside", "  ")
    assert "理由" in _errors(exc)["area_override_reason"][0]
    with pytest.raises(ValidationFailed):
        override_area(db_session, staff, c, "mars", "テスト")
    with pytest.raises(ValidationFailed):
        clear_area_override(db_session, staff, c)


def test_create_with_override(db_session, staff):
    c = create_contractor(db_session, staff, name="指定建設", address="山口県防府市", area_override="outside",
                          area_override_reason="本店機能は市外")
    assert c.area == "outside" and c.area_override_reason == "本店機能は市外"


# --- status, update, history -----------------------------------------------------------------------

def test_status_change_needs_reason_except_back_to_active(db_session, staff):
    c = create_contractor(db_session, staff, name="状態建設")
    with pytest.raises(ValidationFailed) as exc:
        change_status(db_session, staff, c, "lapsed", "")
    assert "理由" in _errors(exc)["reason"][0]
    change_status(db_session, staff, c, "lapsed", "有効期間満了")
    assert c.status == "lapsed" and c.status_reason == "有効期間満了"
    with pytest.raises(ValidationFailed):
        change_status(db_session, staff, c, "lapsed", "再度")
    with pytest.raises(ValidationFailed):
        change_status(db_session, staff, c, "deleted", "x")
    change_status(db_session, staff, c, "active", None)
    assert c.status == "active" and c.status_reason is None
    assert db_session.get(Contractor, c.id) is not None  # never deleted


def test_update_keeps_history_and_number_is_fixed(db_session, staff):
    c = create_contractor(db_session, staff, name="旧商号建設", phone="0835-22-0000")
    update_contractor(db_session, staff, c, name="新商号建設", phone="0835220001")
    assert c.phone == "0835220001" and "新商号" in c.search_key
    rows = history_of(db_session, "contractors", c.id)
    assert [r.operation for r in rows] == ["contractor.create", "contractor.update"]
    assert rows[1].change_map["name"] == ["旧商号建設", "新商号建設"]
    assert "商号又は名称" in rows[1].summary
    with pytest.raises(ValidationFailed) as exc:
        update_contractor(db_session, staff, c, number="99999")
    assert "変更できません" in _errors(exc)["number"][0]
    update_contractor(db_session, staff, c, number=c.number)  # unchanged number is fine; no change, no history
    assert len(history_of(db_session, "contractors", c.id)) == 2
    assert contractor_snapshot(c)["name"] == "新商号建設"


def test_update_validates_like_create(db_session, staff):
    c = create_contractor(db_session, staff, name="検証建設")
    with pytest.raises(ValidationFailed) as exc:
        update_contractor(db_session, staff, c, email="x", legal_form="individual", corporate_number=corp("200000000002"))
    assert set(_errors(exc)) == {"email", "corporate_number"}
    assert c.email is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DEPARTMENT_STAFF, Role.INSPECTOR])
def test_only_registry_editors_may_write(db_session, create_user, staff, role):
    c = create_contractor(db_session, staff, name="権限建設")
    user = create_user(role)
    with pytest.raises(PermissionDenied):
        create_contractor(db_session, user, name="不正建設")
    for call in (lambda: update_contractor(db_session, user, c, name="x"),
                 lambda: override_area(db_session, user, c, "city", "x"),
                 lambda: change_status(db_session, user, c, "revoked", "x")):
        with pytest.raises(PermissionDenied):
            call()


def test_command_line_actor_none_is_allowed(db_session):
    c = create_contractor(db_session, None, name="取込建設")
    row = db_session.scalar(select(RecordHistory).where(RecordHistory.target_id == str(c.id),
                                                        RecordHistory.target_type == "contractors"))
    assert row.login_id is None


# --- queries ---------------------------------------------------------------------------------------

def _ids(session, **filters) -> set[int]:
    return {c.id for c in session.scalars(queries.search_contractors(**filters)).unique()}


def test_search_by_name_ignores_width_kana_and_spacing(db_session, create_contractor):
    a = create_contractor("株式会社テスト建設", name_kana="テストケンセツ")
    b = create_contractor("有限会社 山田 組")
    assert a.id in _ids(db_session, q="ﾃｽﾄ")
    assert a.id in _ids(db_session, q="てすと")
    assert b.id in _ids(db_session, q="山田組") and b.id not in _ids(db_session, q="ﾃｽﾄ")
    assert b.id in _ids(db_session, q=b.number)
    assert a.id not in _ids(db_session, q="%")


def test_search_by_kana_reading(db_session, staff):
    c = create_contractor(db_session, staff, name="防府建設", name_kana="ホウフケンセツ")
    assert c.id in _ids(db_session, q="ほうふ")
    assert c.id in _ids(db_session, q="ﾎｳﾌ ｹﾝｾﾂ")


def test_filters(db_session, create_contractor):
    a = create_contractor("甲建設", area="city", work_types={"010": "A", "020": "B"})
    b = create_contractor("乙建設", area="near", work_types={"010": "B"})
    c = create_contractor("丙測量", area="outside", category="consulting", work_types={"510": None})
    d = create_contractor("丁建設", area="city", status="lapsed", work_types={"010": "A"})
    every = {a.id, b.id, c.id, d.id}
    assert _ids(db_session, work_type_code="010") & every == {a.id, b.id, d.id}
    assert _ids(db_session, work_type_code="010", rank="A") & every == {a.id, d.id}
    assert _ids(db_session, work_type_code="020", rank="A") & every == set()  # same row: 020 is B
    assert _ids(db_session, category="consulting") & every == {c.id}
    assert _ids(db_session, area="near") & every == {b.id}
    assert _ids(db_session, status="lapsed") & every == {d.id}
    assert _ids(db_session, period=date(2026, 1, 1)) & every == every
    assert _ids(db_session, period=date(2027, 4, 1)) & every == set()


def test_suspension_filter_and_active_suspensions(db_session, create_contractor):
    day = today()
    a = create_contractor("停止中建設")
    b = create_contractor("解除済建設")
    c = create_contractor("通常建設")
    for firm, lifted in ((a, None), (b, day)):
        db_session.add(Suspension(contractor_id=firm.id, cause_code="breach", decided_on=day - timedelta(days=10),
                                  starts_on=day - timedelta(days=5), ends_on=day + timedelta(days=30),
                                  period_text="1か月", facts="契約違反", lifted_on=lifted,
                                  lift_reason="解除" if lifted else None))
    db_session.flush()
    every = {a.id, b.id, c.id}
    assert _ids(db_session, suspended="yes") & every == {a.id}
    assert _ids(db_session, suspended="no") & every == {b.id, c.id}
    active = suspensions_in_force(db_session, every, day)
    assert set(active) == {a.id}
    assert set(suspensions_in_force(db_session, every, day - timedelta(days=1))) == {a.id, b.id}
    assert suspensions_in_force(db_session, [], day) == {}


def test_sort_and_detail(db_session, create_contractor):
    a = create_contractor("あ建設", number="80002", name_kana="アケンセツ")
    b = create_contractor("い建設", number="80001", name_kana="イケンセツ")
    ordered = [c.id for c in db_session.scalars(queries.search_contractors(q="建設", sort="-number")).unique()]
    assert ordered.index(a.id) < ordered.index(b.id)
    ordered = [c.id for c in db_session.scalars(queries.search_contractors(q="建設", sort="name")).unique()]
    assert ordered.index(a.id) < ordered.index(b.id)
    assert queries.sort_key("bogus") == "number"
    detail = queries.get_contractor_detail(db_session, a.id)
    assert detail.registrations[0].work_types[0].work_type_code == "010"
    assert queries.get_contractor_detail(db_session, 10 ** 9) is None
    assert queries.find_by_number(db_session, "８０００１").id == b.id
