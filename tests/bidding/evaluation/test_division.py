"""除算方式: 評価値 = (標準点 + 加算点 + 施工体制評価点) ÷ 入札価格 × 10^8, the highest first (domain-japan.md §3.1),
against examples worked out by hand (the arithmetic is in the comments)."""

from datetime import date
from decimal import Decimal

from bidding.evaluation import DIVISION_KEY

from .conftest import bidder, by_key, division


def test_the_figures_and_the_arithmetic_of_each_bidder(db_session):
    # a: (100 + 12.5 + 8) ÷ 25,000,000 × 10^8 = 120.5 × 4 = 482 → 482.0000
    # b: (100 + 10 + 0) ÷ 30,000,000 × 10^8 = 11,000,000,000 ÷ 30,000,000 = 366.666… → cut at 4 decimals: 366.6666
    result = division(db_session, [bidder("a", 25_000_000, Decimal("12.5"), Decimal("8")),
                                   bidder("b", 30_000_000, 10, 0)])
    a, b = by_key(result)["a"], by_key(result)["b"]
    assert (a.standard, a.technical_score, a.score, a.price_score) == (100, Decimal("120.5"), Decimal("482.0000"), None)
    assert a.formula == "評価値 = (100 + 12.5 + 8) ÷ 25,000,000 × 10^8 = 482.0000"
    assert (b.technical_score, b.score) == (110, Decimal("366.6666"))
    assert b.formula == "評価値 = (100 + 10 + 0) ÷ 30,000,000 × 10^8 ≒ 366.6666"
    assert str(a.score) == "482.0000" and str(b.score) == "366.6666"  # kept to the rule's 4 decimals
    assert result.method_label == "除算方式" and result.score_label == "評価値"
    assert result.model.key == DIVISION_KEY and result.model.name == "総合評価落札方式（除算方式）（平成12年1月1日から適用）"
    assert ("評価値 = 技術評価点（標準点 + 加算点 + 施工体制評価点）÷ 入札価格 × 10^8、"
            "小数点以下第5位以下を切り捨て（第4位まで）") in result.conditions


def test_the_highest_figure_wins_not_the_lowest_price(db_session):
    # e: (100 + 0 + 0) ÷ 20,000,000 × 10^8 = 500.0000 (the lowest price)
    # f: (100 + 30 + 10) ÷ 27,000,000 × 10^8 = 14,000,000,000 ÷ 27,000,000 = 518.518518… → 518.5185
    # a: 482.0000 (above), b: 366.6666
    result = division(db_session, [bidder("a", 25_000_000, Decimal("12.5"), 8), bidder("b", 30_000_000, 10),
                                   bidder("e", 20_000_000, 0), bidder("f", 27_000_000, 30, 10)])
    assert [(r.key, r.rank, str(r.score), r.tied) for r in result.rows] == [
        ("f", 1, "518.5185", False), ("e", 2, "500.0000", False), ("a", 3, "482.0000", False),
        ("b", 4, "366.6666", False)]
    assert [r.key for r in result.winners] == ["f"]


def test_equal_figures_share_a_rank_and_are_flagged_for_lots(db_session):
    # c: (100 + 15 + 5) ÷ 24,000,000 × 10^8 = 500.0000; d: (100 + 20 + 10) ÷ 26,000,000 × 10^8 = 500.0000;
    # b: 366.6666 is third (two rows share rank 1).
    result = division(db_session, [bidder("b", 30_000_000, 10), bidder("c", 24_000_000, 15, 5),
                                   bidder("d", 26_000_000, 20, 10)])
    assert [(r.key, r.rank, r.tied) for r in result.rows] == [("c", 1, True), ("d", 1, True), ("b", 3, False)]
    assert [r.key for r in result.winners] == ["c", "d"]
    assert "同じ評価値の入札者: 同順位とし、くじで決める" in result.conditions


def test_figures_equal_once_rounded_are_a_tie(db_session):
    # x: 100 ÷ 30,000,000 × 10^8 = 333.33333… → 333.3333
    # y: 100 ÷ 29,999,999 × 10^8 = 333.33334444… → 333.3333: the published figures are equal, so lots decide.
    result = division(db_session, [bidder("x", 30_000_000, 0), bidder("y", 29_999_999, 0)])
    assert [(r.key, str(r.score), r.rank, r.tied) for r in result.rows] == [
        ("x", "333.3333", 1, True), ("y", "333.3333", 1, True)]


def test_technical_score_first_when_the_rule_says_so(db_session, add_version):
    # c and d both 500.0000; 技術評価点 d 130 > c 120 → d first, no tie.
    add_version(DIVISION_KEY, date(2026, 4, 1), tie_break="technical")
    result = division(db_session, [bidder("c", 24_000_000, 15, 5), bidder("d", 26_000_000, 20, 10)])
    assert [(r.key, r.rank, r.tied) for r in result.rows] == [("d", 1, False), ("c", 2, False)]
    assert "同じ評価値の入札者: 技術評価点の高い者を上位とし、それも同じならくじで決める" in result.conditions


def test_a_bidders_standard_points_replace_the_rules(db_session):
    # (90 + 10 + 0) ÷ 25,000,000 × 10^8 = 100 × 4 = 400.0000
    row = division(db_session, [bidder("a", 25_000_000, 10, 0, standard=Decimal("90"))]).rows[0]
    assert (row.standard, str(row.score)) == (90, "400.0000")
    assert row.formula == "評価値 = (90 + 10 + 0) ÷ 25,000,000 × 10^8 = 400.0000"


def test_the_version_in_force_on_the_day(db_session, add_version):
    # From 2030-04-01 the city multiplies by 10^6 and rounds half up:
    #   (100 + 12.5 + 8) ÷ 25,000,000 × 10^6 = 4.82 → 4.8200;  110 ÷ 30,000,000 × 10^6 = 3.6666… → 3.6667.
    add_version(DIVISION_KEY, date(2030, 4, 1), scale_exponent=6, mode="half_up")
    bidders = [bidder("a", 25_000_000, Decimal("12.5"), 8), bidder("b", 30_000_000, 10)]
    before, after = division(db_session, bidders, on=date(2030, 3, 31)), division(db_session, bidders, on=date(2030, 4, 1))
    assert [str(r.score) for r in before.rows] == ["482.0000", "366.6666"]
    assert [str(r.score) for r in after.rows] == ["4.8200", "3.6667"]
    assert after.model.effective_from == date(2030, 4, 1) and before.model.effective_from == date(2000, 1, 1)
    assert by_key(after)["b"].formula == "評価値 = (100 + 10 + 0) ÷ 30,000,000 × 10^6 ≒ 3.6667"


def test_rounding_at_the_boundary(db_session, add_version):
    # 110 ÷ 30,000,000 × 10^8 = 366.66666…: 切り捨て 366.6666 (built-in), 四捨五入 366.6667, 切り上げ 366.6667;
    # with 2 decimals cut: 366.66; with none: 366.
    bidders = [bidder("b", 30_000_000, 10)]
    shown = []
    for day, changes in ((date(2027, 4, 1), {"mode": "half_up"}), (date(2028, 4, 1), {"mode": "up"}),
                         (date(2029, 4, 1), {"mode": "down", "places": 2}), (date(2029, 10, 1), {"places": 0})):
        add_version(DIVISION_KEY, day, **changes)
        shown.append(str(division(db_session, bidders, on=day).rows[0].score))
    assert str(division(db_session, bidders, on=date(2027, 3, 31)).rows[0].score) == "366.6666"
    assert shown == ["366.6667", "366.6667", "366.66", "366"]
