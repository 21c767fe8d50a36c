"""Consumption tax and 予定価格 from 設計金額: the one owner of both rules (SPEC CM13).

The rate comes from ``tax.consumption`` (5 % from 1997-04-01, 8 % from 2014-04-01, 10 % from 2019-10-01), the
rounding of the tax and of a derived 予定価格 from ``rounding.amounts`` (by default 1 円未満切り捨て, so 税込 =
amount + tax cut below 1 yen, and 予定価格 = 設計金額). Which day's rate applies (契約日, or the earlier day of a
transitional measure) is the caller's choice: pass that day as ``on``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.rules.amounts import round_yen
from core.rules.fields import Errors
from core.rules.queries import RuleNotInForce, RuleTimeline, get_rule

from .calculation import check_amount
from .catalogue import check_day

TAX_KEY = "tax.consumption"
ROUNDING_KEY = "rounding.amounts"


def _rule(session: Session, key: str, on: date) -> dict:
    try:
        return get_rule(session, key, check_day(on))
    except RuleNotInForce as exc:
        raise ValidationFailed({"on": [str(exc)]}) from None


def _amount(amount, label: str, *, minimum: int) -> int:
    errors: Errors = {}
    value = check_amount(amount, "amount", label, errors, minimum=minimum)
    if errors:
        raise ValidationFailed(errors)
    return value


def tax_rate(session: Session, on: date) -> Decimal:
    """The consumption tax rate (national and local together) in percent on ``on``: ``Decimal("10")``."""
    return _rule(session, TAX_KEY, on)["rate"]


def _tax(amount: int, rate: Decimal, rounding: dict) -> int:
    """The one formula of 消費税等相当額: ``amount`` × rate, rounded per the ``rounding.amounts`` rule."""
    from core.jp import MAX_AMOUNT

    amount = _amount(amount, "金額", minimum=-MAX_AMOUNT)
    return round_yen(Decimal(amount) * rate / 100, rounding["tax_unit"], rounding["tax_mode"])


def _within(amount: int, rate: Decimal) -> int:
    """The 消費税等 within a 税込 ``amount``: the amount before tax is what, with its tax, gives it."""
    return amount - amount * 100 // (100 + int(rate))


def tax_amount(session: Session, amount: int, on: date) -> int:
    """消費税等相当額 of ``amount`` (whole yen before tax; a decrease may be negative), rounded per the rule."""
    return _tax(amount, tax_rate(session, on), _rule(session, ROUNDING_KEY, on))


def tax_included(session: Session, amount: int, on: date) -> int:
    """``amount`` plus its 消費税等相当額: 10,000,000 → 11,000,000 on 2019-10-01, 10,800,000 the day before."""
    return amount + tax_amount(session, amount, on)


def tax_within(session: Session, amount: int, on: date) -> int:
    """The 消費税等 within a 税込 ``amount`` on ``on`` (e.g. of a changed contract amount)."""
    return _within(amount, tax_rate(session, on))


class TaxTable:
    """``tax_amount``, ``tax_included`` and ``tax_within`` for work over thousands of amounts and days in one
    transaction (an import of ten years of contracts): the two rules are read once (``RuleTimeline``), not per day."""

    def __init__(self, session: Session):
        self.session = session
        self._timelines: tuple[RuleTimeline, RuleTimeline] | None = None

    def _rules(self, on: date) -> tuple[Decimal, dict]:
        check_day(on)
        if self._timelines is None:
            self._timelines = RuleTimeline(self.session, TAX_KEY), RuleTimeline(self.session, ROUNDING_KEY)
        try:
            return self._timelines[0].values(on)["rate"], self._timelines[1].values(on)
        except RuleNotInForce as exc:
            raise ValidationFailed({"on": [str(exc)]}) from None

    def amount(self, amount: int, on: date) -> int:
        return _tax(amount, *self._rules(on))

    def included(self, amount: int, on: date) -> int:
        return amount + self.amount(amount, on)

    def within(self, amount: int, on: date) -> int:
        return _within(amount, self._rules(on)[0])


def planned_price_from_design(session: Session, design_amount: int, on: date) -> int:
    """予定価格 derived from 設計金額 by the ``rounding.amounts`` rule in force on ``on`` (the same amount when it
    says 1 円未満切り捨て; e.g. 12,345,000 from 12,345,678 when it says 1,000 円未満切り捨て)."""
    design_amount = _amount(design_amount, "設計金額", minimum=1)
    rounding = _rule(session, ROUNDING_KEY, on)
    return round_yen(design_amount, rounding["estimate_unit"], rounding["estimate_mode"])
