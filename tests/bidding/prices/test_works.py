"""最低制限価格 of 建設工事 by the 中央公契連 model in force on the day (domain-japan.md §3.2), against examples
worked out by hand from the reference's formulas (the arithmetic is in the comments)."""

from datetime import date, datetime

import pytest

from bidding.prices import compute_minimum
from core.errors import ValidationFailed

from .conftest import works

# 予定価格 10,000,000 円 = 直接工事費 6,500,000 + 共通仮設費 600,000 + 現場管理費 1,700,000 + 一般管理費等 1,200,000.
PLANNED = 10_000_000
BREAKDOWN = works(6_500_000, 600_000, 1_700_000, 1_200_000)


def _minimum(session, day, planned=PLANNED, breakdown=BREAKDOWN, **kw):
    return compute_minimum(session, on=day, category="works", planned=planned, breakdown=breakdown, **kw)


# R4 (2022-04-01 〜): 6,500,000×97% = 6,305,000; 600,000×90% = 540,000; 1,700,000×90% = 1,530,000;
#   1,200,000×68% = 816,000; sum 9,191,000; range 7,500,000〜9,200,000 → 9,191,000.
# 2020-04-01 〜 2022-03-31 (range 75〜92 %, 一般管理費等 55 %): 1,200,000×55% = 660,000;
#   sum 6,305,000 + 540,000 + 1,530,000 + 660,000 = 9,035,000 → within 7,500,000〜9,200,000 → 9,035,000.
# H29 (2017-10-01 〜 2020-03-31, range 70〜90 %): sum 9,035,000 > 上限 10,000,000×90% = 9,000,000 → 9,000,000.
# H28 (2016-04-01 〜 2017-09-30, 直接工事費 95 %): 6,500,000×95% = 6,175,000;
#   sum 6,175,000 + 540,000 + 1,530,000 + 660,000 = 8,905,000 → within 7,000,000〜9,000,000 → 8,905,000.
@pytest.mark.parametrize(("day", "raw", "lower", "upper", "result", "fragment"), [
    (date(2016, 4, 1), 8_905_000, 7_000_000, 9_000_000, 8_905_000, "6,500,000 円 × 95% = 6,175,000 円"),
    (date(2017, 9, 30), 8_905_000, 7_000_000, 9_000_000, 8_905_000, "1,200,000 円 × 55% = 660,000 円"),
    (date(2017, 10, 1), 9_035_000, 7_000_000, 9_000_000, 9_000_000, "6,500,000 円 × 97% = 6,305,000 円"),
    (date(2020, 3, 31), 9_035_000, 7_000_000, 9_000_000, 9_000_000, "上限額とする"),
    (date(2020, 4, 1), 9_035_000, 7_500_000, 9_200_000, 9_035_000, "予定価格 10,000,000 円 × 75% = 7,500,000 円"),
    (date(2022, 3, 31), 9_035_000, 7_500_000, 9_200_000, 9_035_000, "1,200,000 円 × 55% = 660,000 円"),
    (date(2022, 4, 1), 9_191_000, 7_500_000, 9_200_000, 9_191_000, "1,200,000 円 × 68% = 816,000 円"),
    (date(2030, 1, 1), 9_191_000, 7_500_000, 9_200_000, 9_191_000, "予定価格 10,000,000 円 × 92% = 9,200,000 円"),
])
def test_model_in_force_on_the_day(db_session, day, raw, lower, upper, result, fragment):
    r = _minimum(db_session, day)
    assert (r.raw, r.lower, r.upper, r.result) == (raw, lower, upper, result)
    assert any(fragment in s.formula for s in r.steps), [s.formula for s in r.steps]
    assert r.effective_from <= day and "建設工事" in r.model


def test_steps_say_each_component_the_sum_the_range_and_the_rounding(db_session):
    r = _minimum(db_session, date(2022, 4, 1))
    assert [(s.label, s.amount) for s in r.steps] == [
        ("直接工事費の算入額", 6_305_000), ("共通仮設費の算入額", 540_000), ("現場管理費の算入額", 1_530_000),
        ("一般管理費等の算入額", 816_000), ("算定額（算入額の合計）", 9_191_000), ("下限額", 7_500_000),
        ("上限額", 9_200_000), ("範囲の適用", 9_191_000), ("端数処理", 9_191_000)]
    assert r.steps[4].formula == "6,305,000 + 540,000 + 1,530,000 + 816,000 = 9,191,000 円"
    assert r.to_dict()["steps"][0] == {"label": "直接工事費の算入額", "formula": "6,500,000 円 × 97% = 6,305,000 円",
                                       "amount": 6_305_000}
    assert "総行行第77号" in r.note and r.model == "最低制限価格（建設工事）（令和4年4月1日から適用）"


def test_before_the_first_model_is_refused_on_the_date(db_session):
    with pytest.raises(ValidationFailed) as caught:
        _minimum(db_session, date(2016, 3, 31))
    assert "適用される版がありません" in caught.value.errors["on"][0]


def test_clamped_at_the_lower_limit(db_session):
    # 5,000,000×97% = 4,850,000; 300,000×90% = 270,000; 500,000×90% = 450,000; 300,000×68% = 204,000;
    # sum 5,774,000 < 下限 10,000,000×75% = 7,500,000 → 7,500,000.
    r = _minimum(db_session, date(2022, 4, 1), breakdown=works(5_000_000, 300_000, 500_000, 300_000))
    assert (r.raw, r.result) == (5_774_000, 7_500_000)
    assert r.steps[7].formula == "5,774,000 円は下限額 7,500,000 円を下回るため、下限額とする"


# 予定価格 12,345,678 = 8,000,001 + 700,003 + 2,000,005 + 1,645,669 (R4 model, seed rounding: each component
# 1 円未満切り捨て, result 1,000 円未満切り捨て):
#   8,000,001×97% = 7,760,000.97 → 7,760,000;  700,003×90% = 630,002.7 → 630,002;
#   2,000,005×90% = 1,800,004.5 → 1,800,004;   1,645,669×68% = 1,119,054.92 → 1,119,054;
#   sum 11,309,060; 下限 12,345,678×75% = 9,259,258.5 → 9,259,259 (whole yen inside the range);
#   上限 12,345,678×92% = 11,358,023.76 → 11,358,023; within → 11,309,060 → 11,309,000.
ODD_PLANNED = 12_345_678
ODD = works(8_000_001, 700_003, 2_000_005, 1_645_669)


def test_components_and_result_rounded_per_the_seed(db_session):
    r = _minimum(db_session, date(2026, 5, 1), planned=ODD_PLANNED, breakdown=ODD)
    assert (r.raw, r.lower, r.upper, r.result) == (11_309_060, 9_259_259, 11_358_023, 11_309_000)
    assert r.steps[0].formula == "8,000,001 円 × 97% = 7,760,000 円（1 円未満切り捨て）"
    assert r.steps[5].formula == "予定価格 12,345,678 円 × 75% = 9,259,259 円（1 円未満切り上げ）"
    assert r.steps[6].formula == "予定価格 12,345,678 円 × 92% = 11,358,023 円（1 円未満切り捨て）"
    assert r.steps[-1].formula == "11,309,060 円の 1,000 円未満切り捨て = 11,309,000 円"


@pytest.mark.parametrize(("changes", "raw", "result"), [
    # 四捨五入 of each component: 7,760,000.97 → 7,760,001; 630,002.7 → 630,003; 1,800,004.5 → 1,800,005;
    # 1,119,054.92 → 1,119,055; sum 11,309,064; 10,000 円未満四捨五入: 1,130.9064 → 1,131 → 11,310,000.
    ({"component_mode": "half_up", "result_unit": 10000, "result_mode": "half_up"}, 11_309_064, 11_310_000),
    # 100 円未満切り上げ of 11,309,060 → 11,309,100.
    ({"result_unit": 100, "result_mode": "up"}, 11_309_060, 11_309_100),
    # 10,000 円未満切り捨て (the municipality of expydoc 10043581) → 11,300,000.
    ({"result_unit": 10000, "result_mode": "down"}, 11_309_060, 11_300_000),
    # 各費目 1,000 円未満切り捨て: 7,760,000 + 630,000 + 1,800,000 + 1,119,000 = 11,309,000.
    ({"component_unit": 1000}, 11_309_000, 11_309_000),
])
def test_rounding_modes_from_a_new_version(db_session, add_version, changes, raw, result):
    add_version("min_price.works", date(2030, 4, 1), **changes)
    before = _minimum(db_session, date(2030, 3, 31), planned=ODD_PLANNED, breakdown=ODD)
    after = _minimum(db_session, date(2030, 4, 1), planned=ODD_PLANNED, breakdown=ODD)
    assert (before.raw, before.result) == (11_309_060, 11_309_000)
    assert (after.raw, after.result) == (raw, result)
    assert "令和12年4月1日から適用" in after.model and after.note == "テストのための改正"


def test_lower_limit_rounded_up_or_not(db_session, add_version):
    # 5,000,000×97% = 4,850,000 < 下限 9,259,259 → clamped to 9,259,259 → 1,000 円未満切り捨て 9,259,000, which is
    # under the limit: with 「下限額の端数は切り上げる」 (seed) → 9,260,000; without it 9,259,000 stays.
    small = works(5_000_000, 0, 0, 0)
    r = _minimum(db_session, date(2026, 5, 1), planned=ODD_PLANNED, breakdown=small)
    assert (r.raw, r.lower, r.result) == (4_850_000, 9_259_259, 9_260_000)
    assert r.steps[-1].label == "下限額を下回らない処理"
    assert r.steps[-1].formula == "9,259,000 円は下限額 9,259,259 円を下回るため、下限額の 1,000 円未満切り上げ = 9,260,000 円"
    add_version("min_price.works", date(2030, 4, 1), round_up_at_lower=False)
    assert _minimum(db_session, date(2030, 4, 1), planned=ODD_PLANNED, breakdown=small).result == 9_259_000


def test_clamped_at_the_upper_limit_never_rounded_above_it(db_session, add_version):
    # 12,345,678×97% = 11,975,307.66 → 11,975,307 > 上限 11,358,023 → 11,358,023; 1,000 円未満切り上げ gives
    # 11,359,000, above the limit → the limit rounded down: 11,358,000.
    add_version("min_price.works", date(2030, 4, 1), result_mode="up")
    r = _minimum(db_session, date(2030, 4, 1), planned=ODD_PLANNED, breakdown=works(ODD_PLANNED, 0, 0, 0))
    assert (r.raw, r.upper, r.result) == (11_975_307, 11_358_023, 11_358_000)
    assert r.steps[-1].label == "上限額を超えない処理"


def test_a_minimum_above_the_planned_price_cannot_come_out(db_session, add_version):
    # Range up to 100 % and 10,000 円未満切り上げ: 12,345,678 → 12,350,000 would exceed 予定価格; brought back to
    # 予定価格 rounded down: 12,340,000.
    add_version("min_price.works", date(2030, 4, 1), upper_limit="100", result_unit=10000, result_mode="up")
    r = _minimum(db_session, date(2030, 4, 1), planned=ODD_PLANNED, breakdown=works(20_000_000, 0, 0, 0))
    assert r.upper == ODD_PLANNED and r.result == 12_340_000 <= ODD_PLANNED


def test_no_amount_fits_the_range_at_the_rounding_unit(db_session, add_version):
    # 予定価格 10,000 円, range 7,500〜9,200 円, 10,000 円単位: 0 is under the limit, 10,000 over it.
    add_version("min_price.works", date(2030, 4, 1), result_unit=10000)
    with pytest.raises(ValidationFailed) as caught:
        _minimum(db_session, date(2030, 4, 1), planned=10_000, breakdown=works(1_000, 0, 0, 0))
    assert "収まる額がありません" in caught.value.errors["planned"][0]


def test_survey_uses_its_own_rule(db_session, add_version):
    add_version("low_bid_survey.works", date(2030, 4, 1), general_admin_rate="70")
    # 一般管理費等 1,200,000×70% = 840,000: 6,305,000 + 540,000 + 1,530,000 + 840,000 = 9,215,000 > 9,200,000.
    survey = _minimum(db_session, date(2030, 4, 1), kind="survey")
    minimum = _minimum(db_session, date(2030, 4, 1))
    assert (survey.raw, survey.result, survey.kind) == (9_215_000, 9_200_000, "survey")
    assert (minimum.raw, minimum.result) == (9_191_000, 9_191_000)
    assert survey.model.startswith("低入札価格調査基準価格（建設工事）")


# 建築工事の読み替え (古河市): 直接工事費 6,500,000 × 10% = 650,000 taken as 現場管理費:
#   直接工事費相当額 5,850,000 × 97% = 5,674,500; 共通仮設費 600,000 × 90% = 540,000;
#   現場管理費相当額 (1,700,000 + 650,000) 2,350,000 × 90% = 2,115,000; 一般管理費等 1,200,000 × 68% = 816,000;
#   sum 9,145,500 → 1,000 円未満切り捨て 9,145,000.
# 昇降機 (東大和市, 20 %): 1,300,000 moved: 5,200,000×97% = 5,044,000; 3,000,000×90% = 2,700,000;
#   sum 5,044,000 + 540,000 + 2,700,000 + 816,000 = 9,100,000.
@pytest.mark.parametrize(("category", "moved", "raw", "result"), [
    ("works.building", 650_000, 9_145_500, 9_145_000),
    ("works.unseparated", 650_000, 9_145_500, 9_145_000),
    ("works.elevator", 1_300_000, 9_100_000, 9_100_000),
])
def test_works_adjustments(db_session, category, moved, raw, result):
    r = compute_minimum(db_session, on=date(2022, 4, 1), category=category, planned=PLANNED, breakdown=BREAKDOWN)
    assert (r.steps[0].amount, r.raw, r.result) == (moved, raw, result)
    assert r.steps[1].label == "直接工事費相当額" and r.steps[3].label == "直接工事費相当額の算入額"
    assert r.steps[2].formula == f"1,700,000 円 + {moved:,} 円 = {1_700_000 + moved:,} 円"


def test_adjustment_moves_whole_yen(db_session):
    # 1,234,567 × 10% = 123,456.7 → 123,456 moved (1 円未満切り捨て): 直接工事費相当額 1,111,111.
    r = compute_minimum(db_session, on=date(2022, 4, 1), category="works.building", planned=2_000_000,
                        breakdown=works(1_234_567, 100_000, 300_000, 365_433))
    assert [s.amount for s in r.steps[:3]] == [123_456, 1_111_111, 423_456]
    assert r.steps[0].formula == "直接工事費 1,234,567 円 × 10% = 123,456 円（1 円未満切り捨て）を現場管理費とみなす"


def test_an_adjustment_removed_by_a_version_is_no_longer_a_category(db_session, add_version):
    add_version("prices.works_adjustments", date(2030, 4, 1), items={})
    with pytest.raises(ValidationFailed) as caught:
        compute_minimum(db_session, on=date(2030, 4, 1), category="works.building", planned=PLANNED, breakdown=BREAKDOWN)
    assert "区分「works.building」はありません" in caught.value.errors["category"][0]


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"planned": 0}, "planned", "予定価格は 1 円以上にしてください"),
    ({"planned": "10000000"}, "planned", "予定価格は円単位の整数で指定してください"),
    ({"planned": True}, "planned", "予定価格は円単位の整数で指定してください"),
    ({"breakdown": {**BREAKDOWN, "direct_cost": None}}, "direct_cost", "直接工事費を入力してください"),
    ({"breakdown": {**BREAKDOWN, "site_management": -1}}, "site_management", "現場管理費は 0 円以上"),
    ({"breakdown": {**BREAKDOWN, "site_management": 1.5}}, "site_management", "現場管理費は円単位の整数"),
    ({"breakdown": {**BREAKDOWN, "expenses": 1}}, "expenses", "「expenses」は区分「建設工事」の費目ではありません"),
    ({"breakdown": [1, 2]}, "breakdown", "積算内訳を費目ごとの額で指定してください"),
    ({"kind": "average"}, "kind", "算定の種類「average」はありません"),
    ({"category": "goods"}, "category", "区分「goods」はありません"),
    ({"on": datetime(2026, 5, 1, 9, 0)}, "on", "基準日を日付で指定してください"),
])
def test_bad_input_names_the_field(db_session, kwargs, field, message):
    arguments = {"on": date(2026, 5, 1), "category": "works", "planned": PLANNED, "breakdown": BREAKDOWN, **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        compute_minimum(db_session, **arguments)
    assert message in " ".join(caught.value.errors[field])


def test_several_problems_reported_together(db_session):
    with pytest.raises(ValidationFailed) as caught:
        compute_minimum(db_session, on=date(2016, 3, 31), category="works", planned=0, breakdown=BREAKDOWN)
    assert set(caught.value.errors) == {"on", "planned"}
