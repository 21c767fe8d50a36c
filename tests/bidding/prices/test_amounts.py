"""Consumption tax by date, 予定価格 from 設計金額 and the breakdown check (the one owner of each rule)."""

from datetime import date
from decimal import Decimal

import pytest

from bidding.prices import breakdown_total_error, planned_price_from_design, tax_amount, tax_included, tax_rate
from core.errors import ValidationFailed

from .conftest import works


@pytest.mark.parametrize(("day", "rate", "taxed"), [
    (date(2000, 1, 1), "5", 10_500_000),
    (date(2014, 3, 31), "5", 10_500_000),
    (date(2014, 4, 1), "8", 10_800_000),
    (date(2019, 9, 30), "8", 10_800_000),
    (date(2019, 10, 1), "10", 11_000_000),
    (date(2030, 1, 1), "10", 11_000_000),
])
def test_tax_by_date(db_session, day, rate, taxed):
    assert tax_rate(db_session, day) == Decimal(rate)
    assert tax_included(db_session, 10_000_000, day) == taxed
    assert tax_amount(db_session, 10_000_000, day) == taxed - 10_000_000


def test_tax_cut_below_one_yen_on_both_sides_of_the_change(db_session):
    # 8 %: 123,456 × 0.08 = 9,876.48 → 9,876 → 税込 133,332. 10 %: 12,345.6 → 12,345 → 税込 135,801.
    assert (tax_amount(db_session, 123_456, date(2019, 9, 30)), tax_included(db_session, 123_456, date(2019, 9, 30))) \
        == (9_876, 133_332)
    assert (tax_amount(db_session, 123_456, date(2019, 10, 1)), tax_included(db_session, 123_456, date(2019, 10, 1))) \
        == (12_345, 135_801)
    # A decrease rounds toward zero as well: −12,345.6 → −12,345.
    assert tax_included(db_session, -123_456, date(2019, 10, 1)) == -135_801


def test_tax_rounding_comes_from_the_rounding_rule(db_session, add_version):
    add_version("rounding.amounts", date(2030, 4, 1), tax_mode="half_up")
    assert tax_amount(db_session, 123_456, date(2030, 4, 1)) == 12_346  # 12,345.6 四捨五入


def test_a_new_rate_is_a_version(db_session, add_version):
    add_version("tax.consumption", date(2031, 4, 1), rate="12")
    assert tax_included(db_session, 10_000_000, date(2031, 3, 31)) == 11_000_000
    assert tax_included(db_session, 10_000_000, date(2031, 4, 1)) == 11_200_000


@pytest.mark.parametrize(("call", "field", "message"), [
    (lambda s: tax_included(s, 1_000, date(1999, 12, 31)), "on", "適用される版がありません"),
    (lambda s: tax_amount(s, "1000", date(2020, 1, 1)), "amount", "金額は円単位の整数"),
    (lambda s: tax_amount(s, 1_000, "2020-01-01"), "on", "基準日を日付で指定してください"),
    (lambda s: planned_price_from_design(s, 0, date(2020, 1, 1)), "amount", "設計金額は 1 円以上"),
])
def test_bad_input(db_session, call, field, message):
    with pytest.raises(ValidationFailed) as caught:
        call(db_session)
    assert message in caught.value.errors[field][0]


def test_planned_price_equals_design_by_default_and_follows_a_version(db_session, add_version):
    assert planned_price_from_design(db_session, 12_345_678, date(2026, 5, 1)) == 12_345_678
    add_version("rounding.amounts", date(2030, 4, 1), estimate_unit=1000)
    assert planned_price_from_design(db_session, 12_345_678, date(2030, 3, 31)) == 12_345_678
    assert planned_price_from_design(db_session, 12_345_678, date(2030, 4, 1)) == 12_345_000


def test_breakdown_that_adds_up(db_session):
    assert breakdown_total_error(db_session, on=date(2026, 5, 1), planned=10_000_000,
                                 breakdown=works(6_500_000, 600_000, 1_700_000, 1_200_000)) is None


def test_breakdown_that_does_not_add_up(db_session):
    message = breakdown_total_error(db_session, on=date(2026, 5, 1), planned=10_000_000,
                                    breakdown=works(6_500_000, 600_000, 1_700_000, 1_200_999))
    assert message == ("積算内訳の合計 10,000,999 円が予定価格（消費税抜き） 10,000,000 円と合いません（差 +999 円、"
                       "許容差 0 円）。各費目の額を確認してください。")


def test_breakdown_tolerance_and_planned_rounded_from_design(db_session, add_version):
    over = works(6_500_000, 600_000, 1_700_000, 1_200_999)  # 10,000,999
    add_version("prices.breakdown", date(2030, 4, 1), tolerance=1_000)
    assert breakdown_total_error(db_session, on=date(2030, 4, 1), planned=10_000_000, breakdown=over) is None
    # 予定価格 rounded down to 1,000 円 from the breakdown's total (設計金額): 10,001,999 → 10,001,000 adds up.
    add_version("rounding.amounts", date(2031, 4, 1), estimate_unit=1000)
    more = works(6_500_000, 600_000, 1_700_000, 1_201_999)
    assert breakdown_total_error(db_session, on=date(2031, 4, 1), planned=10_001_000, breakdown=more) is None
    assert breakdown_total_error(db_session, on=date(2031, 4, 1), planned=10_000_000, breakdown=more) is not None


def test_breakdown_check_names_bad_amounts(db_session):
    with pytest.raises(ValidationFailed) as caught:
        breakdown_total_error(db_session, on=date(2026, 5, 1), planned=10_000_000, category="works",
                              breakdown={**works(1, 2, 3, 4), "direct_cost": -1})
    assert caught.value.errors["direct_cost"] == ["直接工事費は 0 円以上にしてください（指定: -1 円）。"]


DAYS = [date(2000, 1, 1), date(2014, 3, 31), date(2014, 4, 1), date(2019, 9, 30), date(2019, 10, 1),
        date(2031, 3, 31), date(2031, 4, 1), date(2032, 1, 1)]


def test_the_bulk_tax_table_agrees_with_the_day_by_day_functions(db_session, add_version):
    """``TaxTable`` (an import of ten years reads the rules once) gives what ``tax_amount`` gives on every day, a
    version stored by the city included."""
    from bidding.prices import TaxTable, tax_within

    add_version("tax.consumption", date(2031, 4, 1), rate="12")
    add_version("rounding.amounts", date(2032, 1, 1), tax_mode="half_up")
    table = TaxTable(db_session)
    for day in DAYS:
        for amount in (123_456, 10_000_000, -123_456):
            assert table.amount(amount, day) == tax_amount(db_session, amount, day), (day, amount)
            assert table.included(amount, day) == tax_included(db_session, amount, day)
        assert table.within(11_000_000, day) == tax_within(db_session, 11_000_000, day)
    assert table.within(11_000_000, date(2019, 10, 1)) == 1_000_000
    with pytest.raises(ValidationFailed, match="適用される版がありません"):
        table.amount(1_000, date(1999, 12, 31))
    with pytest.raises(ValidationFailed, match="基準日を日付で指定してください"):
        table.amount(1_000, "2020-01-01")
