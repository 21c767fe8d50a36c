"""加算方式: 総合評価点 = 価格評価点 + 価格以外の評価点 (the local example of domain-japan.md §3.1), against examples
worked out by hand (the arithmetic is in the comments). 予定価格 20,000,000 円, 設計金額 18,000,000 円 (1 億円未満:
X = 20), 低入札価格調査基準価格 17,000,000 円 and B = 24 unless said otherwise."""

from datetime import date
from decimal import Decimal

import pytest

from bidding.evaluation import ADDITION_KEY

from .conftest import addition, bidder, by_key


def _three(db_session, **kw):
    return addition(db_session, [bidder("p", 18_000_000, 19, max_added=24), bidder("q", 16_000_000, 16, max_added=24),
                                 bidder("r", 17_000_000, 18, max_added=24)], **kw)


def test_price_and_other_scores_and_their_sum(db_session):
    # p (at or above 調査基準価格): 価格評価点 = (100 − 20) × (1 − 18,000,000 ÷ 20,000,000) = 80 × 0.1 = 8.0000
    #   価格以外の評価点 = 19 × (20 ÷ 24) = 15.83333… → 15.8333 (the reference's own example); 総合評価点 23.8333
    # q (below): 80 × {(1 − 17,000,000 ÷ 20,000,000) + 0.5 × (17,000,000 − 16,000,000) ÷ 20,000,000}
    #   = 80 × (0.15 + 0.025) = 14.0000 (without the 0.5 it would be 80 × 0.2 = 16);
    #   16 × 20 ÷ 24 = 13.3333…; 総合評価点 27.3333
    # r (exactly at 調査基準価格: the first formula): 80 × 0.15 = 12.0000; 18 × 20 ÷ 24 = 15.0000; 27.0000
    result = _three(db_session)
    rows = by_key(result)
    assert (rows["p"].price_score, rows["p"].technical_score, rows["p"].score) == (
        Decimal("8.0000"), Decimal("15.8333"), Decimal("23.8333"))
    assert rows["p"].steps == ("価格評価点 = (100 − 20) × (1 − 18,000,000 ÷ 20,000,000) = 8.0000",
                               "価格以外の評価点 = 19 × (20 ÷ 24) ≒ 15.8333",
                               "総合評価点 = 8.0000 + 15.8333 = 23.8333")
    assert (str(rows["q"].price_score), str(rows["q"].score), rows["q"].below_survey) == ("14.0000", "27.3333", True)
    assert rows["q"].steps[0] == ("価格評価点 = (100 − 20) × {(1 − 17,000,000 ÷ 20,000,000) + 0.5 × "
                                  "(17,000,000 − 16,000,000) ÷ 20,000,000} = 14.0000（調査基準価格を下回る入札）")
    assert (str(rows["r"].price_score), str(rows["r"].score), rows["r"].below_survey) == ("12.0000", "27.0000", False)
    assert [(r.key, r.rank, r.tied) for r in result.rows] == [("q", 1, False), ("r", 2, False), ("p", 3, False)]
    assert (result.x_points, result.method_label, result.technical_label, result.score_label) == (
        20, "加算方式", "価格以外の評価点", "総合評価点")
    assert result.conditions[:2] == ("設計金額 18,000,000 円（1億円未満）: 配点 X = 20 点",
                                     "予定価格 20,000,000 円、低入札価格調査基準価格 17,000,000 円")


def test_without_a_survey_price_the_first_formula_always_applies(db_session):
    # q: 80 × (1 − 16,000,000 ÷ 20,000,000) = 16.0000
    row = by_key(_three(db_session, survey=None))["q"]
    assert (str(row.price_score), row.below_survey) == ("16.0000", False)


# X by 設計金額: planned 90,000,000, bid 81,000,000 → 価格評価点 = (100 − X) × 0.1; A = B = 24 → 価格以外の評価点 = X.
#   X 20: 8.0000 + 20 = 28.0000;  X 15: 8.5000 + 15 = 23.5000;  X 10: 9.0000 + 10 = 19.0000
@pytest.mark.parametrize(("design", "x", "label", "price", "total"), [
    (1, 20, "1億円未満", "8.0000", "28.0000"),
    (99_999_999, 20, "1億円未満", "8.0000", "28.0000"),
    (100_000_000, 15, "1億円以上2億円未満", "8.5000", "23.5000"),
    (199_999_999, 15, "1億円以上2億円未満", "8.5000", "23.5000"),
    (200_000_000, 10, "2億円以上", "9.0000", "19.0000"),
    (5_000_000_000, 10, "2億円以上", "9.0000", "19.0000"),
])
def test_x_by_the_design_amount_band(db_session, design, x, label, price, total):
    result = addition(db_session, [bidder("a", 81_000_000, 24, max_added=24)], planned=90_000_000, design=design,
                      survey=None)
    row = result.rows[0]
    assert (result.x_points, str(row.price_score), str(row.technical_score), str(row.score)) == (x, price, f"{x}.0000",
                                                                                                 total)
    assert f"（{label}）: 配点 X = {x} 点" in result.conditions[0]


def test_half_up_at_the_fifth_decimal(db_session, add_version):
    # 設計金額 250,000,000 (X = 10), 予定価格 240,000,000, 入札 159,999,600:
    #   価格評価点 = 90 × (1 − 159,999,600 ÷ 240,000,000) = 90 × 80,000,400 ÷ 240,000,000 = 90 × 0.333335 = 30.00015
    #   → 四捨五入 30.0002 (切り捨てなら 30.0001)
    #   価格以外の評価点 = 7 × (10 ÷ 32) = 2.1875 (exact); 総合評価点 30.0002 + 2.1875 = 32.1877
    # 設計金額 150,000,000 (X = 15), 予定価格 140,000,000, 入札 126,000,000: 85 × 0.1 = 8.5000;
    #   7 × (15 ÷ 32) = 105 ÷ 32 = 3.28125 → 四捨五入 3.2813 (切り捨てなら 3.2812); 総合評価点 11.7813
    def run(on):
        far = addition(db_session, [bidder("a", 159_999_600, 7, max_added=32)], on=on, planned=240_000_000,
                       design=250_000_000, survey=None).rows[0]
        near = addition(db_session, [bidder("b", 126_000_000, 7, max_added=32)], on=on, planned=140_000_000,
                        design=150_000_000, survey=None).rows[0]
        return [str(v) for v in (far.price_score, far.technical_score, far.score, near.technical_score, near.score)]

    assert run(date(2026, 5, 1)) == ["30.0002", "2.1875", "32.1877", "3.2813", "11.7813"]
    add_version(ADDITION_KEY, date(2027, 4, 1), mode="down")
    # 30.0001 + 2.1875 = 32.1876; 8.5000 + 3.2812 = 11.7812
    assert run(date(2027, 4, 1)) == ["30.0001", "2.1875", "32.1876", "3.2812", "11.7812"]


def test_structure_points_count_in_a(db_session):
    # A = 加算点 17 + 施工体制評価点 2 = 19 → 19 × (20 ÷ 24) ≒ 15.8333
    row = addition(db_session, [bidder("a", 18_000_000, 17, 2, max_added=24)]).rows[0]
    assert row.steps[1] == "価格以外の評価点 = (17 + 2) × (20 ÷ 24) ≒ 15.8333"
    assert (row.standard, row.added, row.structure, row.max_added) == (None, 17, 2, 24)


def test_equal_totals_tie_or_go_to_the_higher_other_score(db_session, add_version):
    # B = 20 so 価格以外の評価点 = A. s: 80 × (1 − 18,000,000 ÷ 20,000,000) = 8.0000 + 12 = 20.0000;
    # t: 80 × (1 − 16,500,000 ÷ 20,000,000) = 80 × 0.175 = 14.0000 + 6 = 20.0000.
    bidders = [bidder("t", 16_500_000, 6, max_added=20), bidder("s", 18_000_000, 12, max_added=20)]
    tied = addition(db_session, bidders, survey=None)
    assert [(r.key, str(r.score), r.rank, r.tied) for r in tied.rows] == [("t", "20.0000", 1, True),
                                                                          ("s", "20.0000", 1, True)]
    add_version(ADDITION_KEY, date(2027, 4, 1), tie_break="technical")
    ordered = addition(db_session, bidders, on=date(2027, 4, 1), survey=None)
    assert [(r.key, r.rank, r.tied) for r in ordered.rows] == [("s", 1, False), ("t", 2, False)]


def test_the_version_in_force_on_the_day(db_session, add_version):
    # From 2030-04-01: the part below 調査基準価格 counts 0.3, and X is 25 under 1 億円.
    #   q: (100 − 25) × {0.15 + 0.3 × 0.05} = 75 × 0.165 = 12.3750; 16 × (25 ÷ 24) = 16.66666… → 16.6667; 29.0417
    bands = {"under_100m": {"label": "1億円未満", "from_amount": 0, "points": "25"},
             "over_100m": {"label": "1億円以上", "from_amount": 100_000_000, "points": "15"}}
    add_version(ADDITION_KEY, date(2030, 4, 1), below_survey_weight="0.3", bands=bands)
    before = by_key(_three(db_session, on=date(2030, 3, 31)))["q"]
    after_result = _three(db_session, on=date(2030, 4, 1))
    after = by_key(after_result)["q"]
    assert [str(v) for v in (before.price_score, before.technical_score, before.score)] == ["14.0000", "13.3333",
                                                                                           "27.3333"]
    assert [str(v) for v in (after.price_score, after.technical_score, after.score)] == ["12.3750", "16.6667",
                                                                                        "29.0417"]
    assert after_result.model.effective_from == date(2030, 4, 1) and after_result.x_points == 25
    assert "+ 0.3 × (17,000,000 − 16,000,000)" in after.steps[0]
