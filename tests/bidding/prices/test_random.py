"""The 入札時ランダム係数 (古河市): off by default; when on, drawn from the rule's range by the given random
source, the final price kept in the range and reproducible from the recorded coefficient."""

import random
from datetime import date
from decimal import Decimal

import pytest

from bidding.prices import compute_minimum, draw_minimum, random_coefficient
from core.errors import ValidationFailed

from .conftest import works

ON = date(2030, 4, 1)
# R4 model: 6,305,000 + 540,000 + 1,530,000 + 816,000 = 9,191,000 (range 7,500,000〜9,200,000): the base price.
CASE = {"category": "works", "planned": 10_000_000, "breakdown": works(6_500_000, 600_000, 1_700_000, 1_200_000)}


class FixedRandom:
    """A random source that always picks index ``pick`` (the last one when -1) and remembers what it was asked."""

    def __init__(self, pick: int):
        self.pick, self.asked = pick, []

    def randrange(self, n: int) -> int:
        self.asked.append(n)
        return n - 1 if self.pick == -1 else self.pick


@pytest.fixture
def coefficient_on(add_version):
    add_version("prices.random_coefficient", ON, enabled=True)  # range 0.9950〜1.0049 (seed), 最低制限価格 only


def test_off_by_default(db_session):
    assert random_coefficient(db_session, date(2026, 5, 1), "minimum") is None
    rng = FixedRandom(0)
    drawn = draw_minimum(db_session, on=date(2026, 5, 1), rng=rng, **CASE)
    assert drawn.coefficient is None and drawn.result is drawn.base and drawn.result.result == 9_191_000
    assert rng.asked == []
    with pytest.raises(ValidationFailed) as caught:
        compute_minimum(db_session, on=date(2026, 5, 1), coefficient=Decimal("1.0"), **CASE)
    assert "入札時ランダム係数を使いません" in caught.value.errors["coefficient"][0]


def test_draw_lowest_coefficient(db_session, coefficient_on):
    # 100 coefficients 0.9950, 0.9951 … 1.0049; index 0 → 0.9950: 9,191,000 × 0.995 = 9,145,045
    # → within the range → 1,000 円未満切り捨て 9,145,000.
    rng = FixedRandom(0)
    drawn = draw_minimum(db_session, on=ON, rng=rng, **CASE)
    assert rng.asked == [100]
    assert drawn.coefficient == Decimal("0.9950") and drawn.base.result == 9_191_000
    assert drawn.result.result == 9_145_000 and drawn.result.coefficient == Decimal("0.9950")
    assert drawn.result.steps[-3].formula == "基本価格 9,191,000 円 × 0.9950 = 9,145,045 円"
    assert drawn.result.steps[-1].label == "係数適用後の端数処理"


def test_draw_highest_coefficient_stays_in_the_range(db_session, coefficient_on):
    # index 99 → 1.0049: 9,191,000 × 1.0049 = 9,236,035.9 → 9,236,035 > 上限 9,200,000 → 9,200,000.
    drawn = draw_minimum(db_session, on=ON, rng=FixedRandom(-1), **CASE)
    assert drawn.coefficient == Decimal("1.0049")
    assert drawn.result.steps[-3].formula == "基本価格 9,191,000 円 × 1.0049 = 9,236,035 円（1 円未満切り捨て）"
    assert drawn.result.steps[-2].formula == "9,236,035 円は上限額 9,200,000 円を上回るため、上限額とする"
    assert drawn.result.result == 9_200_000


def test_recorded_coefficient_reproduces_the_draw(db_session, coefficient_on):
    drawn = draw_minimum(db_session, on=ON, rng=random.Random(2026), **CASE)
    assert Decimal("0.9950") <= drawn.coefficient <= Decimal("1.0049")
    again = compute_minimum(db_session, on=ON, coefficient=drawn.coefficient, **CASE)
    assert again == drawn.result


def test_survey_only_when_the_rule_says_both(db_session, coefficient_on, add_version):
    assert draw_minimum(db_session, on=ON, kind="survey", rng=FixedRandom(0), **CASE).coefficient is None
    add_version("prices.random_coefficient", date(2031, 4, 1), applies_to="both")
    drawn = draw_minimum(db_session, on=date(2031, 4, 1), kind="survey", rng=FixedRandom(0), **CASE)
    assert drawn.coefficient == Decimal("0.9950") and drawn.result.result == 9_145_000


@pytest.mark.parametrize("coefficient", [Decimal("1.2"), Decimal("0.99501"), "abc", 1.0, True])
def test_coefficient_outside_the_rule_refused(db_session, coefficient_on, coefficient):
    with pytest.raises(ValidationFailed) as caught:
        compute_minimum(db_session, on=ON, coefficient=coefficient, **CASE)
    assert "入札時ランダム係数は" in caught.value.errors["coefficient"][0]
