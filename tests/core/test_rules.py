"""Versioned rule settings and the holiday calendar (SPEC CM13, NF9; DESIGN "Where rules live")."""

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEntry
from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.rules import add_days, get_rule, is_business_day
from core.rules import services as rules
from core.rules.amounts import round_places, round_yen
from core.rules.calendar import national_holidays
from core.rules.forms import PREFIX
from core.rules.models import Holiday, RuleVersion
from core.rules.numbering import check_pattern, era_of_fiscal_year, fiscal_year_of, format_number
from core.rules.queries import RuleNotInForce, rule_history, rule_in_force
from tests.helpers import page_text, rule_form_data

MODEL_2022 = {"direct_cost_rate": "97", "common_temporary_rate": "90", "site_management_rate": "90",
              "general_admin_rate": "68", "lower_limit": "75", "upper_limit": "92", "component_unit": 1,
              "component_mode": "down", "result_unit": 1000, "result_mode": "down", "round_up_at_lower": True}


def _values(**changes):
    return {**MODEL_2022, **changes}


def _count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def _last_entry(db_session):
    return db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


# --- lookup by date ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "direct", "general", "lower", "upper"), [
    (date(2016, 4, 1), "95", "55", "70", "90"),
    (date(2017, 9, 30), "95", "55", "70", "90"),
    (date(2017, 10, 1), "97", "55", "70", "90"),
    (date(2020, 3, 31), "97", "55", "70", "90"),
    (date(2020, 4, 1), "97", "55", "75", "92"),
    (date(2022, 3, 31), "97", "55", "75", "92"),
    (date(2022, 4, 1), "97", "68", "75", "92"),
    (date(2030, 1, 1), "97", "68", "75", "92"),
])
def test_minimum_price_model_by_date(db_session, day, direct, general, lower, upper):
    for key in ("min_price.works", "low_bid_survey.works"):
        rule = get_rule(db_session, key, day)
        assert (rule["direct_cost_rate"], rule["general_admin_rate"]) == (Decimal(direct), Decimal(general))
        assert (rule["lower_limit"], rule["upper_limit"]) == (Decimal(lower), Decimal(upper))
        assert rule["common_temporary_rate"] == rule["site_management_rate"] == Decimal("90")


def test_current_model_matches_the_reference(db_session):
    """domain-japan.md §3.2: R4 model 97/90/90/68, clamped to 7.5/10–9.2/10 of 予定価格."""
    rule = get_rule(db_session, "min_price.works", date(2026, 11, 20))
    assert {k: rule[k] for k in ("direct_cost_rate", "common_temporary_rate", "site_management_rate",
                                 "general_admin_rate", "lower_limit", "upper_limit")} == {
        "direct_cost_rate": Decimal("97"), "common_temporary_rate": Decimal("90"), "site_management_rate": Decimal("90"),
        "general_admin_rate": Decimal("68"), "lower_limit": Decimal("75"), "upper_limit": Decimal("92")}
    assert "総行行第77号" in rule_in_force(db_session, "min_price.works", date(2026, 11, 20)).note


def test_no_version_in_force_is_a_clear_error(db_session):
    with pytest.raises(RuleNotInForce, match="平成28年3月31日.*適用される版がありません"):
        get_rule(db_session, "min_price.works", date(2016, 3, 31))


def test_lookup_takes_a_date_not_a_datetime(db_session):
    from datetime import datetime

    with pytest.raises(TypeError):
        get_rule(db_session, "deadlines", datetime(2026, 4, 1, 9, 0))


def test_stored_version_applies_from_its_date_and_seeds_before(db_session, admin):
    rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1),
                           _values(general_admin_rate="70"), "令和9年度からの改正（テスト）")
    assert get_rule(db_session, "min_price.works", date(2027, 3, 31))["general_admin_rate"] == Decimal("68")
    assert get_rule(db_session, "min_price.works", date(2027, 4, 1))["general_admin_rate"] == Decimal("70")
    assert get_rule(db_session, "min_price.works", date(2040, 1, 1))["general_admin_rate"] == Decimal("70")
    # older days still reach the built-in versions although the table now has a row for the key
    assert get_rule(db_session, "min_price.works", date(2018, 1, 1))["direct_cost_rate"] == Decimal("97")


def test_correction_supersedes_and_history_keeps_both(db_session, admin):
    key, day = "min_price.works", date(2027, 4, 1)
    first = rules.add_rule_version(db_session, admin, key, day, _values(general_admin_rate="70"), "改正")
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, key, day, _values(general_admin_rate="69"), "改正")
    assert "訂正として登録する" in exc.value.errors["effective_from"][0]
    second = rules.add_rule_version(db_session, admin, key, day, _values(general_admin_rate="69"), "率の誤記を訂正",
                                    correction=True)
    assert (first.revision, second.revision) == (1, 2)
    assert get_rule(db_session, key, day)["general_admin_rate"] == Decimal("69")
    history = [v for v in rule_history(db_session, key) if v.effective_from == day]
    assert [(v.revision, v.superseded) for v in history] == [(2, False), (1, True)]
    assert history[0].is_correction and not history[1].is_correction


def test_correction_of_a_builtin_version(db_session, admin):
    day = date(2022, 4, 1)
    rules.add_rule_version(db_session, admin, "min_price.works", day, _values(result_unit=10000),
                           "市の要領では 1 万円未満切り捨て", correction=True)
    resolved = rule_in_force(db_session, "min_price.works", date(2023, 1, 1))
    assert (resolved.revision, resolved.builtin, resolved.values["result_unit"]) == (1, False, 10000)
    assert get_rule(db_session, "low_bid_survey.works", date(2023, 1, 1))["result_unit"] == 1000  # other key untouched


def test_correction_needs_an_existing_version(db_session, admin):
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1), _values(), "x", correction=True)
    assert "訂正できません" in exc.value.errors["correction"][0]


def test_identical_version_is_refused(db_session, admin):
    with pytest.raises(ValidationFailed, match="内容が同じ"):
        rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1), _values(), "同じ内容")


# --- validation (NF9) -------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"direct_cost_rate": "101"}, "direct_cost_rate", "直接工事費の算入率は 0〜100 %"),
    ({"direct_cost_rate": "9７.5x"}, "direct_cost_rate", "直接工事費の算入率は数値で入力"),
    ({"general_admin_rate": "68.125"}, "general_admin_rate", "小数点以下は 2 桁まで"),
    ({"general_admin_rate": ""}, "general_admin_rate", "一般管理費等の算入率を入力してください"),
    ({"lower_limit": "92", "upper_limit": "92"}, "lower_limit", "下限（92 %）は上限（92 %）より小さい値"),
    ({"result_unit": 500}, "result_unit", "算定額の端数処理の単位は"),
    ({"result_mode": "round"}, "result_mode", "切り捨て・四捨五入・切り上げ"),
])
def test_validation_names_the_field_and_changes_nothing(db_session, admin, changes, field, message):
    before = (_count(db_session, RuleVersion), _count(db_session, AuditEntry))
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1), _values(**changes), "改正")
    assert message in " ".join(exc.value.errors[field])
    assert (_count(db_session, RuleVersion), _count(db_session, AuditEntry)) == before


def test_required_and_unknown_keys(db_session, admin):
    values = _values()
    del values["upper_limit"]
    values["surprise"] = "1"
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, "min_price.works", None, values, " ")
    errors = exc.value.errors
    assert "上限（予定価格に対する割合）が指定されていません" in errors["upper_limit"][0]
    assert "surprise" in errors[""][0]
    assert "適用開始日を入力してください" in errors["effective_from"][0]
    assert "理由・根拠を入力してください" in errors["note"][0]


def test_full_width_digits_are_accepted(db_session, admin):
    row = rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1),
                                 _values(general_admin_rate="７０．５"), "全角入力")
    assert json.loads(row.value)["general_admin_rate"] == "70.5"


def test_numbering_patterns_are_checked(db_session, admin):
    values = {"contractor_number": "{seq:05d}", "case_number": "{fy}-{sequence}", "contract_number": "{fy}-K"}
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, "numbering", date(2027, 4, 1), values, "x")
    assert "{sequence}" in exc.value.errors["case_number"][0]
    assert "連番" in exc.value.errors["contract_number"][0]
    assert format_number("{era}{era_fy}-{cat}{seq:04d}", fiscal_year=2026, seq=7, cat="K") == "R8-K0007"
    assert check_pattern("{fy}-{seq:04d}") == [] and check_pattern("{fy} {seq}") != []
    assert fiscal_year_of(date(2027, 3, 31)) == 2026 and era_of_fiscal_year(2019) == ("R", 1)


def test_builtin_seeds_are_valid_for_every_rule():
    from core.rules.catalogue import definitions

    for definition in definitions():
        for seed, parsed in definition.parsed_seeds:
            assert definition.parse(definition.dump(parsed)) == (parsed, {}), (definition.key, seed.effective_from)


# --- audit and permission ---------------------------------------------------------------------------

def test_audit_entry_has_values_and_previous_version(db_session, admin):
    row = rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1),
                                 _values(general_admin_rate="70"), "令和9年改正")
    entry = _last_entry(db_session)
    assert (entry.operation, entry.target_type, entry.target_id) == ("rule.add_version", "rule_versions", str(row.id))
    details = json.loads(entry.details)
    assert details["values"]["general_admin_rate"] == "70"
    assert details["previous"]["values"]["general_admin_rate"] == "68"
    assert details["previous"] | {"values": None} == {"effective_from": "2022-04-01", "revision": 0, "builtin": True,
                                                      "values": None}
    assert row.login_id == "admin1" and row.created_by_id == admin.id


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SYSTEM_ADMIN])
def test_only_system_admins_may_change_rules_and_holidays(db_session, create_user, role):
    user = create_user(role)
    with pytest.raises(PermissionDenied):
        rules.add_rule_version(db_session, user, "min_price.works", date(2027, 4, 1), _values(), "x")
    with pytest.raises(PermissionDenied):
        rules.add_holiday(db_session, user, day=date(2027, 6, 1), name="市の休日")
    with pytest.raises(PermissionDenied):
        rules.add_rule_version(db_session, None, "min_price.works", date(2027, 4, 1), _values(), "x")


def test_rule_versions_are_append_only_in_the_database(db_session, admin):
    rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1), _values(general_admin_rate="70"), "x")
    for statement in ("UPDATE rule_versions SET note = 'changed'", "DELETE FROM rule_versions"):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(text(statement))
    assert _count(db_session, RuleVersion) == 1


# --- password policy and retention: the environment is the floor -----------------------------------

def test_password_policy_takes_the_stricter_of_environment_and_rule(app, db_session, admin):
    config = {"PASSWORD_MIN_LENGTH": 12, "PASSWORD_MIN_CLASSES": 3, "AUDIT_RETENTION_DAYS": 1826}
    policy = rules.effective_password_policy(db_session, config, date(2027, 1, 1))
    assert (policy.min_length, policy.min_classes) == (12, 3)  # seed 8/1 is below the environment
    rules.add_rule_version(db_session, admin, "password_policy", date(2027, 1, 1),
                           {"min_length": "16", "min_classes": "2"}, "情報セキュリティポリシー改定")
    policy = rules.effective_password_policy(db_session, config, date(2027, 1, 1))
    assert (policy.min_length, policy.min_classes) == (16, 3)
    assert rules.effective_audit_retention_days(db_session, config, date(2027, 1, 1)) == 1826
    with pytest.raises(ValidationFailed, match="180〜36,500日"):
        rules.add_rule_version(db_session, admin, "audit_retention_days", date(2027, 1, 1), {"days": "90"}, "x")


# --- holidays and business days ---------------------------------------------------------------------

def test_holidays_are_seeded_for_2026_and_2027(db_session):
    seeded = dict(db_session.execute(select(Holiday.day, Holiday.name).where(Holiday.is_active.is_(True))).all())
    assert seeded[date(2026, 5, 6)] == "振替休日"
    assert seeded[date(2026, 9, 22)] == "国民の休日"
    assert seeded[date(2026, 3, 20)] == "春分の日" and seeded[date(2026, 9, 23)] == "秋分の日"
    assert seeded[date(2027, 3, 21)] == "春分の日" and seeded[date(2027, 3, 22)] == "振替休日"
    # the seed agrees with the law applied to the equinox days of the 暦要項
    for year, vernal, autumnal in ((2026, date(2026, 3, 20), date(2026, 9, 23)), (2027, date(2027, 3, 21), date(2027, 9, 23))):
        assert {d: n for d, n in seeded.items() if d.year == year} == dict(national_holidays(year, vernal, autumnal))
    assert len([d for d in seeded if d.year == 2026]) == 18 and len([d for d in seeded if d.year == 2027]) == 17


def test_business_days_weekends_holidays_and_year_end(db_session):
    assert is_business_day(db_session, date(2026, 11, 20))  # Friday
    assert not is_business_day(db_session, date(2026, 11, 21))  # Saturday
    assert not is_business_day(db_session, date(2026, 11, 23))  # 勤労感謝の日
    assert not is_business_day(db_session, date(2026, 12, 29))  # 年末年始
    assert is_business_day(db_session, date(2026, 12, 29), year_end_closure=False)
    assert add_days(date(2026, 5, 1), 1, True, {date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)}) == date(2026, 5, 7)
    assert add_days(date(2026, 5, 1), 1, False) == date(2026, 5, 2)
    assert add_days(date(2027, 1, 4), -1, True, set()) == date(2026, 12, 28)  # backwards over 年末年始


def test_holiday_services(db_session, admin):
    holiday = rules.add_holiday(db_session, admin, day=date(2027, 6, 1), name="市制施行記念日")
    assert not is_business_day(db_session, date(2027, 6, 1))
    assert _last_entry(db_session).operation == "holiday.create"
    with pytest.raises(ValidationFailed) as exc:
        rules.add_holiday(db_session, admin, day=date(2026, 5, 6), name="重複")
    assert "「振替休日」として登録されています" in exc.value.errors["day"][0]
    rules.update_holiday(db_session, admin, holiday, day=date(2027, 6, 2), name="市制施行記念日")
    assert json.loads(_last_entry(db_session).details)["before"]["day"] == "2027-06-01"
    rules.deactivate_holiday(db_session, admin, holiday)
    assert is_business_day(db_session, date(2027, 6, 2))
    with pytest.raises(ValidationFailed, match="既に無効"):
        rules.deactivate_holiday(db_session, admin, holiday)
    rules.reactivate_holiday(db_session, admin, holiday)
    assert [e.operation for e in db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(3))] == [
        "holiday.reactivate", "holiday.deactivate", "holiday.update"]


def test_national_holidays_bulk_registration(db_session, admin):
    with pytest.raises(ValidationFailed) as exc:
        rules.add_national_holidays(db_session, admin, year=2028, vernal_equinox=date(2028, 3, 25),
                                    autumnal_equinox=date(2028, 9, 22))
    assert "3月19日〜22日" in exc.value.errors["vernal_equinox"][0]
    created = rules.add_national_holidays(db_session, admin, year=2028, vernal_equinox=date(2028, 3, 20),
                                          autumnal_equinox=date(2028, 9, 22))
    assert len(created) == 16 and date(2028, 1, 10) in {h.day for h in created}  # 成人の日: 2nd Monday
    assert rules.add_national_holidays(db_session, admin, year=2028, vernal_equinox=date(2028, 3, 20),
                                       autumnal_equinox=date(2028, 9, 22)) == []
    assert not is_business_day(db_session, date(2028, 1, 10))


def test_round_yen():
    assert round_yen(Decimal("18500050"), 1000, "down") == 18500000
    assert round_yen(Decimal("18500050"), 1000, "up") == 18501000
    assert round_yen(Decimal("18500500"), 1000, "half_up") == 18501000
    assert round_yen(-1500, 1000, "down") == -1000


@pytest.mark.parametrize(("value", "places", "mode", "expected"), [
    # 19 × 20/24 = 15.83333… (the 加算方式 example of domain-japan.md §3.1): 第5位 3 → 15.8333 whatever the mode but up.
    (Fraction(19 * 20, 24), 4, "half_up", "15.8333"), (Fraction(19 * 20, 24), 4, "up", "15.8334"),
    # 15/32 = 0.46875 exactly: the 5th decimal is a 5 with nothing after it.
    (Fraction(15, 32), 4, "half_up", "0.4688"), (Fraction(15, 32), 4, "down", "0.4687"),
    (Fraction(15, 32), 4, "up", "0.4688"), (Fraction(-15, 32), 4, "half_up", "-0.4688"),
    (Fraction(-15, 32), 4, "down", "-0.4687"),
    # 110/30,000,000 × 10^8 = 366.6666…: cut, rounded, whole.
    (Fraction(110 * 10 ** 8, 30_000_000), 4, "down", "366.6666"), (Fraction(110 * 10 ** 8, 30_000_000), 4, "half_up", "366.6667"),
    (Fraction(110 * 10 ** 8, 30_000_000), 0, "down", "366"),
    (Decimal("482"), 4, "down", "482.0000"), (7, 2, "up", "7.00"), (Decimal("0.00001"), 4, "up", "0.0001"),
])
def test_round_places_is_exact(value, places, mode, expected):
    result = round_places(value, places, mode)
    assert (str(result), result.as_tuple().exponent) == (expected, -places)


# --- screens ----------------------------------------------------------------------------------------

def test_rule_list_and_page(admin_client):
    html = page_text(admin_client.get("/admin/rules/"))
    assert "最低制限価格（建設工事）" in html and "閉庁日と期限の数え方" in html and "パスワードの基準" in html
    assert "一般管理費等 68%／範囲: 予定価格の 75%〜92%" in html
    html = page_text(admin_client.get("/admin/rules/min_price.works?on=2018-01-01"))
    assert "平成30年1月1日 に適用される版" in html and "平成29年10月1日" in html
    assert "直接工事費の算入率: 95 % → 97 %" in html  # history shows what changed
    assert admin_client.get("/admin/rules/no.such.rule").status_code == 404
    html = page_text(admin_client.get("/admin/rules/deadlines"))
    assert "年末年始（12月29日〜1月3日）" in html and "閉庁日として扱う" in html


def test_add_version_through_the_form(admin_client, db_session):
    page = page_text(admin_client.get("/admin/rules/min_price.works/new"))
    assert 'value="68"' in page and "登録の理由・根拠" in page
    data = rule_form_data("min_price.works", get_rule(db_session, "min_price.works", date(2026, 11, 20)),
                 effective_from="2027-04-01", note="令和9年度の要領改正")
    data[PREFIX + "general_admin_rate"] = "70"
    response = admin_client.post("/admin/rules/min_price.works/new", data=data)
    assert response.status_code == 302
    assert get_rule(db_session, "min_price.works", date(2027, 4, 1))["general_admin_rate"] == Decimal("70")
    html = page_text(admin_client.get(response.location))
    assert "2027-04-01 から適用される予定です" in html and "予定" in html


def test_bad_input_re_renders_with_japanese_messages(admin_client, db_session):
    data = rule_form_data("min_price.works", get_rule(db_session, "min_price.works", date(2026, 11, 20)),
                 effective_from="", note="")
    data[PREFIX + "lower_limit"] = "95"
    data[PREFIX + "direct_cost_rate"] = "abc"
    response = admin_client.post("/admin/rules/min_price.works/new", data=data)
    html = page_text(response)
    assert response.status_code == 200 and "入力内容に誤りがあります" in html
    assert "適用開始日を入力してください" in html and "直接工事費の算入率は数値で入力してください" in html
    assert 'value="abc"' in html and _count(db_session, RuleVersion) == 0


def test_holiday_screens(admin_client, db_session):
    html = page_text(admin_client.get("/admin/rules/holidays?year=2026"))
    assert "振替休日" in html and "国民の休日" in html and "令和8年9月22日" in html
    response = admin_client.post("/admin/rules/holidays/new", data={"day": "2027-06-01", "name": "市制施行記念日"})
    assert response.status_code == 302
    holiday = db_session.scalar(select(Holiday).where(Holiday.day == date(2027, 6, 1)))
    assert holiday.name == "市制施行記念日"
    html = page_text(admin_client.post("/admin/rules/holidays/new", data={"day": "2027-06-01", "name": ""}))
    assert "名称を入力してください" in html
    admin_client.post(f"/admin/rules/holidays/{holiday.id}/deactivate")
    db_session.expire_all()
    assert db_session.get(Holiday, holiday.id).is_active is False
    html = page_text(admin_client.post("/admin/rules/holidays/national", data={
        "year": "2028", "vernal_equinox": "2028-03-25", "autumnal_equinox": "2028-09-22"}))
    assert "3月19日〜22日" in html
    response = admin_client.post("/admin/rules/holidays/national", data={
        "year": "2028", "vernal_equinox": "2028-03-20", "autumnal_equinox": "2028-09-22"})
    assert response.status_code == 302
    assert "16 日登録しました" in page_text(admin_client.get(response.location))
    csv = admin_client.get("/admin/rules/holidays?year=2026&format=csv").get_data().decode("utf-8-sig")
    assert "2026-05-06,水,振替休日,有効" in csv


def test_cross_field_check_runs_with_other_errors(db_session, admin):
    with pytest.raises(ValidationFailed) as exc:
        rules.add_rule_version(db_session, admin, "min_price.works", date(2027, 4, 1),
                               _values(direct_cost_rate="abc", lower_limit="95"), "x")
    assert {"direct_cost_rate", "lower_limit"} <= set(exc.value.errors)
