"""Bad input is refused with Japanese messages naming the bidder and the field; nothing is computed."""

from datetime import date
from decimal import Decimal

import pytest

from bidding.evaluation import Bidder, evaluate
from core.errors import ValidationFailed

from .conftest import DAY, addition, bidder, division


def _errors(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors


@pytest.mark.parametrize(("given", "key", "message"), [
    (dict(added=Decimal("-1")), "bidders-a-added", "入札者「a」の加算点は 0 以上にしてください（入力値: -1）"),
    (dict(structure=Decimal("-0.5")), "bidders-a-structure", "入札者「a」の施工体制評価点は 0 以上"),
    (dict(standard=Decimal("-100")), "bidders-a-standard", "入札者「a」の標準点は 0 以上"),
    (dict(added=None), "bidders-a-added", "入札者「a」の加算点を入力してください"),
    (dict(structure=None), "bidders-a-structure", "入札者「a」の施工体制評価点を入力してください"),
    (dict(added="abc"), "bidders-a-added", "入札者「a」の加算点は数値で入力してください（入力値: abc）"),
    (dict(added=1.5), "bidders-a-added", "入札者「a」の加算点は数値で入力してください"),
    (dict(added=Decimal("NaN")), "bidders-a-added", "数値で入力してください"),
    (dict(added=Decimal("1000000")), "bidders-a-added", "加算点が大きすぎます"),
    (dict(amount=0), "bidders-a-amount", "入札者「a」の入札価格は 1 円以上にしてください"),
    (dict(amount=-5), "bidders-a-amount", "入札者「a」の入札価格は 1 円以上"),
    (dict(amount="25000000"), "bidders-a-amount", "入札者「a」の入札価格は円単位の整数で指定してください"),
    (dict(amount=30_000_001), "bidders-a-amount", "入札価格 30,000,001 円は予定価格 30,000,000 円を超えています"),
    (dict(added=12, max_added=10), "bidders-a-added", "入札者「a」の加算点 12 点が加算点の満点 10 点を超えています"),
])
def test_bad_scores_and_amounts_in_the_division_method(db_session, given, key, message):
    values = {"key": "a", "amount": 25_000_000, "added": 10, "structure": 0, **given}
    errors = _errors(lambda: division(db_session, [Bidder(**values)]))
    assert message in " ".join(errors[key]), errors


def test_every_bidders_problem_at_once_named_by_label(db_session):
    errors = _errors(lambda: division(db_session, [
        bidder("1", 25_000_000, Decimal("-1"), label="株式会社山口建設"),
        bidder("2", 0, 5, None, label="防府土木株式会社"),
        bidder("3", 25_000_000, 5)]))
    assert errors == {
        "bidders-1-added": ["入札者「株式会社山口建設」の加算点は 0 以上にしてください（入力値: -1）。"],
        "bidders-2-amount": ["入札者「防府土木株式会社」の入札価格は 1 円以上にしてください（指定: 0 円）。"],
        "bidders-2-structure": ["入札者「防府土木株式会社」の施工体制評価点を入力してください"
                                "（該当がなければ 0 と入力します）。"],
    }


def test_scores_typed_as_text_are_read(db_session):
    # "１２．５" (full width) = 12.5: (100 + 12.5 + 8) ÷ 25,000,000 × 10^8 = 482.0000
    row = division(db_session, [bidder("a", 25_000_000, "１２．５", "8")]).rows[0]
    assert (row.added, str(row.score)) == (Decimal("12.5"), "482.0000")


def test_the_same_bidder_twice(db_session):
    errors = _errors(lambda: division(db_session, [bidder("a", 25_000_000, 1), bidder("a", 26_000_000, 2)]))
    assert errors["bidders-a-key"] == ["入札者「a」が 2 回指定されています。"]


@pytest.mark.parametrize(("kw", "key", "message"), [
    (dict(design=None), "design_amount", "設計金額を入力してください"),
    (dict(design=0), "design_amount", "設計金額は 1 円以上"),
    (dict(survey=20_000_001), "survey_price", "低入札価格調査基準価格 20,000,001 円が予定価格 20,000,000 円を超えています"),
    (dict(planned=0), "planned", "予定価格は 1 円以上"),
])
def test_bad_case_prices_in_the_addition_method(db_session, kw, key, message):
    errors = _errors(lambda: addition(db_session, [bidder("a", 18_000_000, 10, max_added=24)], **kw))
    assert message in " ".join(errors[key]), errors


@pytest.mark.parametrize(("given", "key", "message"), [
    (dict(max_added=None), "bidders-a-max_added", "入札者「a」の価格以外の評価点の配点の合計（B）を入力してください"),
    (dict(max_added=0), "bidders-a-max_added", "配点の合計（B）は 0 より大きく"),
    (dict(added=20, structure=5, max_added=24), "bidders-a-added",
     "加算点と施工体制評価点の合計 25 点が配点の合計（B）24 点を超えています"),
])
def test_bad_scores_in_the_addition_method(db_session, given, key, message):
    values = {"key": "a", "amount": 18_000_000, "added": 10, "structure": 0, **given}
    errors = _errors(lambda: addition(db_session, [Bidder(**values)]))
    assert message in " ".join(errors[key]), errors


def test_the_division_method_ignores_the_addition_inputs(db_session):
    result = evaluate(db_session, on=DAY, method="division", planned=30_000_000, design_amount=None, survey_price=None,
                      bidders=[bidder("a", 25_000_000, 10)])
    assert result.x_points is None and result.rows[0].price_score is None


def test_unknown_method_day_and_bidders(db_session):
    assert "評価の方式「lowest」はありません" in _errors(lambda: evaluate(
        db_session, on=DAY, method="lowest", planned=1, design_amount=None, survey_price=None, bidders=[]))["method"][0]
    assert "総合評価落札方式（除算方式）」は 平成11年1月1日時点で適用される版がありません" in _errors(lambda: division(
        db_session, [bidder("a", 25_000_000, 1)], on=date(1999, 1, 1)))["on"][0]
    assert _errors(lambda: division(db_session, [{"key": "a"}]))["bidders"] == ["入札者は Bidder の並びで指定してください。"]


def test_no_bidders_no_rows(db_session):
    result = division(db_session, [])
    assert result.rows == () and result.winners == ()
