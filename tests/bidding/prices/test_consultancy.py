"""Consultancy categories (domain-japan.md §3.2, 酒田市): each its own components, rates and range of 予定価格,
worked out by hand; components for the case form; a city changing a component by a new version."""

from datetime import date

import pytest

from bidding.prices import categories, components, compute_minimum, default_category
from core.errors import ValidationFailed

DAY = date(2026, 5, 1)


def _compute(session, category, planned, breakdown, kind="minimum", day=DAY):
    return compute_minimum(session, on=day, category=category, planned=planned, breakdown=breakdown, kind=kind)


# 測量: 直接測量費 + 測量調査費 + 諸経費 × 0.48, range 6/10〜8.2/10 of 予定価格.
#   20,000,000 = 10,000,000 + 4,000,000 + 6,000,000: 10,000,000 + 4,000,000 + 6,000,000×48% (2,880,000) = 16,880,000
#   > 上限 20,000,000 × 8.2/10 = 16,400,000 → 16,400,000 (下限 12,000,000).
# 建築関係建設コンサルタント: 直接人件費 + 技術経費 × 0.6 + 特別経費 + 諸経費 × 0.6, range 6/10〜8/10.
#   10,000,000 = 3,000,000 + 3,000,000 + 1,000,000 + 3,000,000: 3,000,000 + 1,800,000 + 1,000,000 + 1,800,000
#   = 7,600,000, within 6,000,000〜8,000,000 → 7,600,000.
# 土木関係建設コンサルタント: 直接人件費 + 直接経費 + その他原価 × 0.9 + 一般管理費等 × 0.48, range 6/10〜8/10.
#   10,000,000 = 2,500,000 + 500,000 + 3,000,000 + 4,000,000: 2,500,000 + 500,000 + 2,700,000 + 1,920,000 = 7,620,000.
# 補償関係コンサルタント: as 土木 but 一般管理費等 × 0.45: 4,000,000×45% = 1,800,000 → 7,500,000.
# 地質調査: 直接調査費 + 間接調査費 × 0.9 + 諸経費 × 0.48 + 解析等調査業務費 × 0.8, range 2/3〜8.5/10.
#   30,000,000 = 12,000,000 + 6,000,000 + 7,000,000 + 5,000,000: 12,000,000 + 5,400,000 + 3,360,000 + 4,000,000
#   = 24,760,000, within 20,000,000〜25,500,000 → 24,760,000.
@pytest.mark.parametrize(("category", "planned", "breakdown", "raw", "lower", "upper", "result"), [
    ("surveying", 20_000_000, {"direct_survey": 10_000_000, "survey_investigation": 4_000_000, "expenses": 6_000_000},
     16_880_000, 12_000_000, 16_400_000, 16_400_000),
    ("architecture", 10_000_000, {"direct_labor": 3_000_000, "technical_expense": 3_000_000,
                                  "special_expense": 1_000_000, "expenses": 3_000_000},
     7_600_000, 6_000_000, 8_000_000, 7_600_000),
    ("civil", 10_000_000, {"direct_labor": 2_500_000, "direct_expense": 500_000, "other_cost": 3_000_000,
                           "general_admin": 4_000_000}, 7_620_000, 6_000_000, 8_000_000, 7_620_000),
    ("compensation", 10_000_000, {"direct_labor": 2_500_000, "direct_expense": 500_000, "other_cost": 3_000_000,
                                  "general_admin": 4_000_000}, 7_500_000, 6_000_000, 8_000_000, 7_500_000),
    ("geology", 30_000_000, {"direct_investigation": 12_000_000, "indirect_investigation": 6_000_000,
                             "expenses": 7_000_000, "analysis": 5_000_000},
     24_760_000, 20_000_000, 25_500_000, 24_760_000),
])
@pytest.mark.parametrize("kind", ["minimum", "survey"])
def test_consultancy_formulas(db_session, category, planned, breakdown, raw, lower, upper, result, kind):
    r = _compute(db_session, category, planned, breakdown, kind)
    assert (r.raw, r.lower, r.upper, r.result) == (raw, lower, upper, result)
    assert r.category == category and ("測量" in r.model or "業務" in r.model)


def test_two_thirds_is_exact(db_session):
    # 30,000,001 × 2/3 = 20,000,000.67 → 下限 20,000,001 (a percent 66.67 % would give 20,001,000.67).
    # 直接調査費 1,000,000 only: sum 1,000,000 → clamped 20,000,001 → 1,000 円未満切り捨て 20,000,000 < 下限 →
    # 下限の 1,000 円未満切り上げ 20,001,000.
    r = _compute(db_session, "geology", 30_000_001, {"direct_investigation": 1_000_000, "indirect_investigation": 0,
                                                     "expenses": 0, "analysis": 0})
    assert (r.lower, r.result) == (20_000_001, 20_001_000)
    assert r.steps[5].formula == "予定価格 30,000,001 円 × 2/3 = 20,000,001 円（1 円未満切り上げ）"


def test_steps_show_the_consultancy_rates(db_session):
    r = _compute(db_session, "surveying", 20_000_000,
                 {"direct_survey": 10_000_000, "survey_investigation": 4_000_000, "expenses": 6_000_000})
    assert [s.formula for s in r.steps[:3]] == [
        "10,000,000 円 × 100% = 10,000,000 円", "4,000,000 円 × 100% = 4,000,000 円",
        "6,000,000 円 × 48% = 2,880,000 円"]
    assert r.steps[5].formula == "予定価格 20,000,000 円 × 8.2/10 = 16,400,000 円"
    assert "酒田市" in r.note


def test_components_per_category(db_session):
    assert components(db_session, DAY, "works") == [
        ("direct_cost", "直接工事費"), ("common_temporary", "共通仮設費"), ("site_management", "現場管理費"),
        ("general_admin", "一般管理費等")]
    assert components(db_session, DAY, "works.building") == components(db_session, DAY, "works")
    assert components(db_session, DAY, "surveying") == [
        ("direct_survey", "直接測量費"), ("survey_investigation", "測量調査費"), ("expenses", "諸経費")]
    assert [k for k, _l in components(db_session, DAY, "geology")] == [
        "direct_investigation", "indirect_investigation", "expenses", "analysis"]
    with pytest.raises(ValidationFailed) as caught:
        components(db_session, DAY, "goods")
    assert "category" in caught.value.errors


def test_categories_and_the_default_for_a_work_type(db_session):
    codes = [code for code, _label in categories(db_session, DAY)]
    assert codes == ["works", "works.building", "works.unseparated", "works.elevator", "surveying", "architecture",
                     "civil", "geology", "compensation"]
    assert dict(categories(db_session, DAY))["works.building"] == "建設工事（建築工事の読み替え）"
    assert default_category(db_session, DAY, "020") == "works.building"  # 建築一式工事
    assert default_category(db_session, DAY, "010") == "works"
    assert default_category(db_session, DAY, None) == "works"


def test_a_city_changes_components_and_rates_by_a_version(db_session, add_version):
    """A component added to the survey rule only: the form asks for it, the minimum counts it at 0 %."""
    day = date(2030, 4, 1)
    rows = {"direct_survey": {"label": "直接測量費", "rate": "100"},
            "survey_investigation": {"label": "測量調査費", "rate": "100"},
            "expenses": {"label": "諸経費", "rate": "50"},
            "electronic": {"label": "電子成果品作成費", "rate": "80"}}
    add_version("low_bid_survey.surveying", day, components=rows, lower_limit="2/3", upper_limit="85%")
    assert [k for k, _l in components(db_session, day, "surveying")] == [
        "direct_survey", "survey_investigation", "expenses", "electronic"]
    breakdown = {"direct_survey": 10_000_000, "survey_investigation": 4_000_000, "expenses": 4_000_000,
                 "electronic": 2_000_000}
    # Survey: 10,000,000 + 4,000,000 + 4,000,000×50% (2,000,000) + 2,000,000×80% (1,600,000) = 17,600,000
    #   > 上限 20,000,000 × 85% = 17,000,000 → 17,000,000; 下限 20,000,000 × 2/3 = 13,333,333.33 → 13,333,334.
    survey = _compute(db_session, "surveying", 20_000_000, breakdown, "survey", day)
    assert (survey.raw, survey.lower, survey.upper, survey.result) == (17_600_000, 13_333_334, 17_000_000, 17_000_000)
    # Minimum (unchanged rule, no such component): 10,000,000 + 4,000,000 + 1,920,000 = 15,920,000 → within.
    minimum = _compute(db_session, "surveying", 20_000_000, breakdown, "minimum", day)
    assert (minimum.raw, minimum.result) == (15_920_000, 15_920_000)
    with pytest.raises(ValidationFailed) as caught:
        _compute(db_session, "surveying", 20_000_000, {k: v for k, v in breakdown.items() if k != "electronic"},
                 day=day)
    assert "電子成果品作成費を入力してください" in caught.value.errors["electronic"][0]
