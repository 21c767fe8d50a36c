"""Qualification services: permit numbers, 経審 P and validity, ranks (格付), registrations, technicians and JVs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.history import RecordHistory, history_of
from core.jp import JpParseError
from core.timefmt import today
from registry.qualifications.jvs import queries as jv_queries
from registry.qualifications.jvs import services as jvs
from registry.qualifications.keishin import queries as keishin_queries
from registry.qualifications.keishin import services as keishin
from registry.qualifications.keishin.formula import add_months, compute_p, range_errors, valid_until, validity_status
from registry.qualifications.models import JVMember, RegisteredWorkType
from registry.qualifications.permits import services as permits
from registry.qualifications.permits.numbers import ParsedPermit, PermitParseError, format_permit, parse_permit, permit_expiry
from registry.qualifications.ranks import periods
from registry.qualifications.ranks import queries as rank_queries
from registry.qualifications.ranks import services as ranks
from registry.qualifications.ranks.rule import RankRule, compute_rank
from registry.qualifications.technicians import services as technicians

# --- permit numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("山口県知事許可（般-5）第12345号", ParsedPermit("governor", "山口県", "general", 5, 12345)),
    ("国土交通大臣許可（特-25）第123号", ParsedPermit("minister", None, "special", 25, 123)),
    ("東京都知事許可(般-19)第1234号", ParsedPermit("governor", "東京都", "general", 19, 1234)),
    ("山口県知事許可（般－０５）第１２３４５号", ParsedPermit("governor", "山口県", "general", 5, 12345)),
    (" 大阪府知事 許可 ( 特 - 1 ) 第 99 号 ", ParsedPermit("governor", "大阪府", "special", 1, 99)),
    ("北海道知事許可（般-3）石第12345号", ParsedPermit("governor", "北海道", "general", 3, 12345, "石")),
    ("北海道知事許可(特-30)第1号", ParsedPermit("governor", "北海道", "special", 30, 1)),
])
def test_parse_permit_valid(text, expected):
    assert parse_permit(text) == expected


@pytest.mark.parametrize("text", [
    "", "山口県知事許可第12345号", "山口県知事許可（般5）第12345号", "山口県知事許可（普-5）第12345号",
    "山口知事許可（般-5）第12345号", "東京都知事許可（般-5）石第1号", "北海道知事許可（般-3）X第1号",
    "山口県知事許可（般-0）第1号", "山口県知事許可（般-5）第0号", "山口県知事許可（般-5）第1234567号",
    "山口県知事許可（般-5）第12345", "国土交通大臣許可（特-25）第123号です",
])
def test_parse_permit_rejects_malformed(text):
    with pytest.raises(PermitParseError) as info:
        parse_permit(text)
    assert isinstance(info.value, JpParseError)
    assert str(info.value).startswith(f"建設業許可番号「{text}」を読み取れません")


def test_format_permit_round_trip():
    for text in ("山口県知事許可（般-5）第12345号", "国土交通大臣許可（特-25）第123号", "北海道知事許可（般-3）石第12345号"):
        assert format_permit(parse_permit(text)) == text
    assert format_permit(parse_permit("東京都知事許可(般-19)第1234号")) == "東京都知事許可（般-19）第1234号"


def test_permit_expiry_is_five_years_less_a_day():
    assert permit_expiry(date(2025, 4, 1)) == date(2030, 3, 31)
    assert permit_expiry(date(2024, 2, 29)) == date(2029, 2, 28)


# --- 経審 -------------------------------------------------------------------------------------------------


def test_compute_p_worked_example():
    assert compute_p(1270, 1323, 1120, 976, 1235) == 1169


def test_compute_p_rounds_half_up():
    # 0.25*1000 + 0.15*1000 + 0.2*1000 + 0.25*1000 + 0.15*1010 = 1001.5 -> 1002 (banker's rounding would give 1002 too)
    assert compute_p(1000, 1000, 1000, 1000, 1010) == 1002
    # ... 0.15*1030 = 154.5 -> total 1004.5 -> 1005 (banker's rounding would give 1004)
    assert compute_p(1000, 1000, 1000, 1000, 1030) == 1005
    assert compute_p(1000, 1000, 1000, 1000, 1029) == 1004  # 1004.35


def test_range_errors_name_the_fields():
    errors = range_errors({"x1": 100, "x2": 500, "y": 1600, "z": 500, "w": -3000, "p": 5000})
    assert set(errors) == {"x1", "y", "w", "p"}
    assert "X1" in errors["x1"][0] and "397" in errors["x1"][0]
    assert range_errors({"x1": 400, "x2": 500, "y": 0, "z": 500, "w": -2109, "p": None}) == {}
    assert "x2" in range_errors({"x1": 400, "x2": None, "y": 0, "z": 500, "w": 0})


def test_keishin_validity_and_warning():
    assert valid_until(date(2025, 3, 31), 19) == date(2026, 10, 31)
    assert valid_until(date(2025, 6, 30), 19) == date(2027, 1, 31)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    end = date(2026, 10, 31)
    assert validity_status(end, date(2026, 8, 1), 60) == "valid"
    assert validity_status(end, date(2026, 9, 1), 60) == "expiring"
    assert validity_status(end, end, 60) == "expiring"
    assert validity_status(end, date(2026, 11, 1), 60) == "expired"


# --- rank computation ------------------------------------------------------------------------------------

RULE = RankRule({"010": [("A", 1100), ("B", 900), ("C", 750), ("D", 0)]}, new_start_lowest=True, max_steps=1)


def test_rank_by_thresholds():
    assert compute_rank(RULE, "010", 1100, "A", is_new=False)[0] == "A"
    assert compute_rank(RULE, "010", 1099, "A", is_new=False)[0] == "B"
    assert compute_rank(RULE, "010", 800, "B", is_new=False)[0] == "C"
    rank, reason = compute_rank(RULE, "010", 950, "B", is_new=False)
    assert rank == "B" and "950" in reason


def test_new_firm_starts_lowest():
    rank, reason = compute_rank(RULE, "010", 1500, None, is_new=True)
    assert rank == "D" and "新規" in reason
    relaxed = RankRule(RULE.ladders, new_start_lowest=False, max_steps=1)
    assert compute_rank(relaxed, "010", 1500, None, is_new=True)[0] == "A"


def test_rank_moves_at_most_max_steps():
    rank, reason = compute_rank(RULE, "010", 1500, "D", is_new=False)
    assert rank == "C" and "1 段階" in reason
    assert compute_rank(RULE, "010", 100, "A", is_new=False)[0] == "B"
    two = RankRule(RULE.ladders, True, 2)
    assert compute_rank(two, "010", 1500, "D", is_new=False)[0] == "B"


def test_rank_without_thresholds_keeps_current_and_without_points_is_lowest():
    assert compute_rank(RULE, "170", 2000, "A", is_new=False)[0] == "A"  # a migrated rank is not demoted
    assert compute_rank(RULE, "170", 2000, None, is_new=True)[0] == "D"
    assert compute_rank(RULE, "010", None, "A", is_new=False)[0] == "D"


# --- services --------------------------------------------------------------------------------------------


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF)


def test_save_permit_from_text_and_history(db_session, staff, create_contractor):
    firm = create_contractor()
    permit = permits.save_permit(db_session, staff, firm, work_type_code="010", text="山口県知事許可（般-5）第12345号",
                           granted_on=date(2023, 5, 10))
    assert (permit.authority, permit.prefecture, permit.grade, permit.permit_year, permit.permit_number) == (
        "governor", "山口県", "general", 5, 12345)
    assert permit.expires_on == date(2028, 5, 9)
    again = permits.save_permit(db_session, staff, firm, work_type_code="010", text="国土交通大臣許可（特-6）第12345号",
                          granted_on=date(2024, 6, 1))
    assert again.id == permit.id and again.authority == "minister" and again.prefecture is None
    rows = history_of(db_session, "construction_permits", permit.id)
    assert len(rows) == 2 and rows[1].change_map["authority"] == ["governor", "minister"]


def test_save_permit_from_fields_and_errors(db_session, staff, create_contractor):
    firm = create_contractor()
    permit = permits.save_permit(db_session, None, firm, work_type_code="020", authority="governor", prefecture="山口県",
                           grade="special", permit_year=3, permit_number=77)
    assert format_permit(permit) == "山口県知事許可（特-3）第77号"
    with pytest.raises(ValidationFailed) as info:
        permits.save_permit(db_session, staff, firm, work_type_code="510", text="山口県知事許可第1号")
    assert set(info.value.errors) == {"work_type_code", "text"}
    assert "山口県知事許可第1号" in info.value.errors["text"][0]


def test_viewer_cannot_write(db_session, create_user, create_contractor):
    firm = create_contractor()
    with pytest.raises(PermissionDenied):
        permits.save_permit(db_session, create_user(Role.VIEWER), firm, work_type_code="010", text="山口県知事許可（般-5）第1号")


def test_add_keishin_computes_flags_and_sets_objective_points(db_session, staff, create_contractor):
    firm = create_contractor(work_types={"010": None})
    base = today() - timedelta(days=100)
    score = keishin.add_keishin(db_session, staff, firm, work_type_code="010", base_date=base, x1=1270, x2=1323, y=1120,
                          z=976, w=1235, p_entered=1170)
    assert score.p_computed == 1169 and score.p_mismatch
    assert score.valid_until == valid_until(base, 19)
    row = firm.registrations[0].work_types[0]
    assert row.objective_points == 1169
    assert keishin_queries.keishin_status(db_session, score) == "valid"
    assert history_of(db_session, "registered_work_types", row.id)[-1].change_map["objective_points"] == [None, 1169]
    # An older score does not replace the latest one.
    keishin.add_keishin(db_session, staff, firm, work_type_code="010", base_date=base - timedelta(days=200), x1=800, x2=800,
                  y=800, z=800, w=800)
    assert row.objective_points == 1169
    with pytest.raises(ValidationFailed) as info:
        keishin.add_keishin(db_session, staff, firm, work_type_code="010", base_date=base, x1=1270, x2=1323, y=1120,
                      z=976, w=1235)
    assert "base_date" in info.value.errors


def test_add_keishin_rejects_ranges_with_field_names(db_session, staff, create_contractor):
    firm = create_contractor()
    with pytest.raises(ValidationFailed) as info:
        keishin.add_keishin(db_session, staff, firm, work_type_code="010", base_date=today(), x1=10, x2=500, y=2000,
                      z=500, w=0, p_entered=1)
    assert set(info.value.errors) == {"x1", "y", "p"}


def test_expiring_keishin_warns(db_session, staff, create_contractor):
    firm = create_contractor()
    base = add_months(today(), -18)  # valid for about one more month
    score = keishin.add_keishin(db_session, staff, firm, work_type_code="010", base_date=base, x1=900, x2=900, y=900,
                          z=900, w=900)
    assert keishin_queries.keishin_status(db_session, score) == "expiring"


def test_registration_period_and_work_types(db_session, staff, create_contractor):
    firm = create_contractor(work_types={})
    registration = ranks.create_registration(db_session, staff, firm, category="construction", start_year=2027)
    assert (registration.period_start, registration.period_end) == (date(2027, 4, 1), date(2029, 3, 31))
    assert periods.period_label(db_session, registration.period_start, registration.period_end).startswith("令和9・10年度")
    with pytest.raises(ValidationFailed):
        ranks.create_registration(db_session, staff, firm, category="construction", start_year=2027)
    row = ranks.add_work_type(db_session, staff, registration, work_type_code="020")
    with pytest.raises(ValidationFailed):
        ranks.add_work_type(db_session, staff, registration, work_type_code="020")
    with pytest.raises(ValidationFailed):
        ranks.add_work_type(db_session, staff, registration, work_type_code="910")  # a goods item
    ranks.set_subjective_points(db_session, staff, row, 120)
    assert row.subjective_points == 120
    row_id = row.id
    with pytest.raises(ValidationFailed):
        ranks.remove_work_type(db_session, staff, row, reason=" ")
    ranks.remove_work_type(db_session, staff, row, reason="廃業届")
    assert db_session.get(RegisteredWorkType, row_id) is None
    last = history_of(db_session, "registered_work_types", row_id)[-1]
    assert last.operation == "registry.work_type.remove" and last.change_map["subjective_points"] == [120, None]


def test_period_choices_cover_current_period(db_session):
    years = [y for y, _ in periods.period_choices(db_session, date(2026, 5, 1))]
    assert years == [2023, 2025, 2027]


def test_propose_and_confirm_ranks(db_session, staff, create_user, create_contractor):
    strong = create_contractor(work_types={"010": "D"})
    fresh = create_contractor(work_types={"010": None})
    steady = create_contractor(work_types={"010": "B"})
    for firm, p in ((strong, 1300), (fresh, 1300), (steady, 950)):
        row = firm.registrations[0].work_types[0]
        row.objective_points = p
    db_session.flush()
    proposals = {p.contractor_id: p
                 for p in rank_queries.propose_ranks(db_session, "construction", date(2025, 4, 1))}
    assert proposals[strong.id].proposed == "B"  # A by points, but at most 2 steps from D
    assert proposals[fresh.id].proposed == "D" and proposals[fresh.id].is_new
    assert proposals[steady.id].proposed == "B" and proposals[steady.id].current == "B"
    count = ranks.confirm_ranks(db_session, staff, [proposals[strong.id], proposals[fresh.id]])
    assert count == 2
    row = strong.registrations[0].work_types[0]
    assert row.rank == "B" and row.rank_confirmed_at is not None
    history = history_of(db_session, "registered_work_types", row.id)
    assert history[-1].operation == "registry.rank.confirm" and history[-1].change_map["rank"] == ["D", "B"]
    with pytest.raises(PermissionDenied):
        ranks.confirm_ranks(db_session, create_user(Role.VIEWER), [proposals[steady.id]])
    assert steady.registrations[0].work_types[0].rank_confirmed_at is None


def test_previous_period_rank_is_current(db_session, staff, create_contractor):
    firm = create_contractor(work_types={"010": "C"})
    nxt = ranks.create_registration(db_session, staff, firm, category="construction", start_year=2027)
    row = ranks.add_work_type(db_session, staff, nxt, work_type_code="010")
    row.objective_points = 1500
    db_session.flush()
    [proposal] = rank_queries.propose_ranks(db_session, "construction", date(2027, 4, 1))
    assert proposal.current == "C" and not proposal.is_new and proposal.proposed == "A"


def test_technicians(db_session, staff, create_contractor):
    firm = create_contractor()
    tech = technicians.add_technician(db_session, staff, firm, name="山田 太郎", name_kana="ヤマダ タロウ",
                            qualifications="1級土木施工管理技士、2級建築施工管理技士\n1級土木施工管理技士",
                            employed_since=date(2010, 4, 1))
    assert tech.qualifications == "1級土木施工管理技士・2級建築施工管理技士"
    technicians.update_technician(db_session, staff, tech, name="山田 太郎", qualifications=["監理技術者資格者証"])
    assert tech.qualifications == "監理技術者資格者証" and tech.employed_since is None
    technicians.set_technician_active(db_session, staff, tech, False)
    assert not tech.is_active
    ops = [r.operation for r in history_of(db_session, "technicians", tech.id)]
    assert ops == ["registry.technician.create", "registry.technician.update", "registry.technician.deactivate"]
    with pytest.raises(ValidationFailed) as info:
        technicians.add_technician(db_session, staff, firm, name=" ", employed_since=today() + timedelta(days=1))
    assert set(info.value.errors) == {"name", "employed_since"}


def test_create_jv_and_jvs_of(db_session, staff, create_contractor):
    a, b = create_contractor("株式会社甲建設"), create_contractor("株式会社乙建設")
    jv = jvs.create_jv(db_session, staff, name="甲・乙特定建設工事共同企業体", number="JV0001", members=[
        jvs.MemberShare(a.id, "60", True), jvs.MemberShare(b.id, Decimal("40"))])
    assert jv.is_jv and jv.area == a.area
    members = db_session.scalars(select(JVMember).where(JVMember.jv_id == jv.id)).all()
    assert sorted((m.member_id, m.share_percent, m.is_representative) for m in members) == [
        (a.id, Decimal("60"), True), (b.id, Decimal("40"), False)]
    assert [c.id for c in jv_queries.jvs_of(db_session, a.id)] == [jv.id]
    assert jv_queries.jvs_of(db_session, jv.id) == []
    assert db_session.scalar(select(RecordHistory).where(RecordHistory.target_type == "jv_members")) is not None


@pytest.mark.parametrize(("shares", "reps", "field"), [
    (("60", "30"), (True, False), "members"),
    (("60", "40"), (True, True), "representative"),
    (("60", "40"), (False, False), "representative"),
    (("0", "100"), (True, False), "members"),
    (("abc", "40"), (True, False), "members"),
])
def test_create_jv_validation(db_session, staff, create_contractor, shares, reps, field):
    a, b = create_contractor(), create_contractor()
    with pytest.raises(ValidationFailed) as info:
        jvs.create_jv(db_session, staff, name="JV", members=[
            jvs.MemberShare(a.id, shares[0], reps[0]), jvs.MemberShare(b.id, shares[1], reps[1])])
    assert field in info.value.errors


def test_create_jv_members_must_be_active_single_firms(db_session, staff, create_contractor):
    a, lapsed = create_contractor(), create_contractor(status="lapsed")
    jv = create_contractor(is_jv=True, work_types={})
    with pytest.raises(ValidationFailed) as info:
        jvs.create_jv(db_session, staff, name="JV", members=[
            jvs.MemberShare(a.id, "50", True), jvs.MemberShare(lapsed.id, "30"), jvs.MemberShare(jv.id, "20")])
    text = " ".join(info.value.errors["members"])
    assert lapsed.name in text and jv.name in text
    with pytest.raises(ValidationFailed) as info:
        jvs.create_jv(db_session, staff, name="JV", members=[jvs.MemberShare(a.id, "100", True)])
    assert "2 社以上" in info.value.errors["members"][0]


def test_hokkaido_permit_keeps_its_office_letter(db_session, staff, create_contractor):
    firm = create_contractor()
    permit = permits.save_permit(db_session, staff, firm, work_type_code="010", text="北海道知事許可（般-3）石第12345号",
                           granted_on=today() - timedelta(days=30))
    assert permit.office == "石" and format_permit(permit) == "北海道知事許可（般-3）石第12345号"
    again = permits.save_permit(db_session, staff, firm, work_type_code="010", text="山口県知事許可（般-5）第1号")
    assert again.office is None and format_permit(again) == "山口県知事許可（般-5）第1号"


def test_correct_keishin_recomputes_and_keeps_the_figures_before(db_session, staff, create_contractor, create_user):
    firm = create_contractor(work_types={"010": None})
    base = today() - timedelta(days=100)
    score = keishin.add_keishin(db_session, staff, firm, work_type_code="010", base_date=base, x1=1270, x2=1232, y=1120,
                          z=976, w=1235, p_entered=1169)
    assert score.p_mismatch
    with pytest.raises(ValidationFailed) as info:
        keishin.correct_keishin(db_session, staff, score, base_date=base, x1=1270, x2=1323, y=1120, z=976, w=1235,
                          p_entered=1169, reason="")
    assert "reason" in info.value.errors
    keishin.correct_keishin(db_session, staff, score, base_date=base, x1=1270, x2=1323, y=1120, z=976, w=1235,
                      p_entered=1169, reason="X2 の入力誤り")
    assert score.p_computed == 1169 and not score.p_mismatch
    assert firm.registrations[0].work_types[0].objective_points == 1169
    last = history_of(db_session, "keishin_scores", score.id)[-1]
    assert last.operation == "registry.keishin.correct" and last.change_map["x2"] == [1232, 1323]
    assert "X2 の入力誤り" in last.summary
    with pytest.raises(PermissionDenied):
        keishin.correct_keishin(db_session, create_user(Role.VIEWER), score, base_date=base, x1=1270, x2=1323, y=1120,
                          z=976, w=1235, p_entered=None, reason="x")


def test_previous_rank_is_the_latest_earlier_one(db_session, staff, create_contractor):
    firm = create_contractor(work_types={"010": "C"})  # 2025 period
    older = ranks.create_registration(db_session, staff, firm, category="construction", start_year=2023)
    ranks.add_work_type(db_session, staff, older, work_type_code="010", rank="A")
    nxt = ranks.create_registration(db_session, staff, firm, category="construction", start_year=2027)
    row = ranks.add_work_type(db_session, staff, nxt, work_type_code="010")
    row.objective_points = 700
    db_session.flush()
    [proposal] = rank_queries.propose_ranks(db_session, "construction", date(2027, 4, 1), work_type_code="010")
    assert proposal.current == "C"  # 2025's, not 2023's

