"""最低制限価格 and 低入札価格調査基準価格 with every step shown (SPEC CM13; domain-japan.md §3.2).

Pure calculation: plain arguments in, a frozen :class:`PriceResult` out; the session is only used to read the
rules in force on the day. All amounts are whole yen before tax (予定価格 and its breakdown alike)::

    result = compute_minimum(session, on=date(2026, 5, 1), category="works", planned=10_000_000, kind="minimum",
                             breakdown={"direct_cost": 7_000_000, "common_temporary": 500_000,
                                        "site_management": 1_500_000, "general_admin": 1_000_000})
    result.result  # 9,200,000: the sum 9,270,000 clamped to 92 % of 予定価格; result.steps say how

The order: each component × its rate (rounded per the rule), the sum (``raw``), clamped to the rule's share of
予定価格 (``lower``..``upper``, whole yen inside the range), rounded per the rule; with ``round_up_at_lower`` a
result under ``lower`` is raised to ``lower`` rounded up, and a result over ``upper`` is always brought back to
``upper`` rounded down, so a minimum above 予定価格 cannot come out (``upper`` ≤ 予定価格 by the rule's limits).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.jp import MAX_AMOUNT
from core.rules.amounts import ROUNDING_MODES, round_yen
from core.rules.fields import Errors, add_error
from core.rules.queries import RuleNotInForce, get_rule

from .catalogue import KINDS, Model, category_label, check_day, components, load_model

RANDOM_KEY = "prices.random_coefficient"
BREAKDOWN_KEY = "prices.breakdown"
#: The 入札時ランダム係数 is drawn in steps of 0.0001 (the rule's four decimals).
COEFFICIENT_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class Step:
    """One line of the working: what it is, the arithmetic in words and figures, the amount it gives (yen)."""

    label: str
    formula: str
    amount: int


@dataclass(frozen=True)
class PriceResult:
    model: str
    #: The sum of the counted components, before the clamp.
    raw: int
    #: The range in whole yen: the smallest amount at or above, and the largest at or below, the rule's shares.
    lower: int
    upper: int
    #: After clamping and rounding (and the coefficient, when one was given).
    result: int
    steps: list[Step]
    kind: str = "minimum"
    category: str = "works"
    #: The rule version's note: its source.
    note: str = ""
    effective_from: date | None = None
    coefficient: Decimal | None = None

    def to_dict(self) -> dict:
        """The JSON shape of the CLI: yen integers and the steps."""
        return {"model": self.model, "raw": self.raw, "lower": self.lower, "upper": self.upper,
                "result": self.result,
                "steps": [{"label": s.label, "formula": s.formula, "amount": s.amount} for s in self.steps]}


@dataclass(frozen=True)
class Draw:
    """The 入札時ランダム係数 drawn at opening and the price it gives; ``coefficient`` is None (and ``result`` is
    ``base``) when the rule in force does not use a coefficient for this kind."""

    coefficient: Decimal | None
    base: PriceResult
    result: PriceResult


@dataclass(frozen=True)
class RandomSetting:
    low: Decimal
    high: Decimal


def _rounding_text(unit: int, mode: str) -> str:
    return f"{unit:,} 円未満{ROUNDING_MODES[mode][0]}"


def _percent(rate: Decimal) -> str:
    return f"{format(rate.normalize(), 'f')}%"


# --- input checks --------------------------------------------------------------------------------------

def check_amount(value, key: str, label: str, errors: Errors, *, minimum: int = 0) -> int | None:
    """``value`` as whole yen in ``minimum``..MAX_AMOUNT, or None after adding a message naming ``label``."""
    if value is None:
        add_error(errors, key, f"{label}を入力してください。")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        add_error(errors, key, f"{label}は円単位の整数で指定してください。")
        return None
    if value < minimum:
        add_error(errors, key, f"{label}は {minimum:,} 円以上にしてください（指定: {value:,} 円）。")
        return None
    if value > MAX_AMOUNT:
        add_error(errors, key, f"{label}が大きすぎます（指定: {value:,} 円）。")
        return None
    return value


def _check_breakdown(session: Session, on: date, category: str, breakdown, errors: Errors) -> dict[str, int]:
    if not isinstance(breakdown, Mapping):
        add_error(errors, "breakdown", "積算内訳を費目ごとの額で指定してください。")
        return {}
    expected = components(session, on, category)
    amounts = {}
    for key, label in expected:
        if breakdown.get(key) is None:
            add_error(errors, key, f"{label}を入力してください（該当がなければ 0 と入力します）。")
        else:
            amounts[key] = check_amount(breakdown[key], key, label, errors)
    known = {key for key, _label in expected}
    for key in breakdown:
        if key not in known:
            add_error(errors, str(key), f"「{key}」は区分「{category_label(session, on, category)}」の費目ではありません。")
    return amounts


def random_coefficient(session: Session, on: date, kind: str) -> RandomSetting | None:
    """The 入札時ランダム係数 range for ``kind`` on ``on``; None when the rule in force does not use one."""
    try:
        v = get_rule(session, RANDOM_KEY, check_day(on))
    except RuleNotInForce:
        return None
    if not v["enabled"] or (kind != "minimum" and v["applies_to"] != "both"):
        return None
    return RandomSetting(v["coefficient_min"], v["coefficient_max"])


def _check_coefficient(session: Session, on: date, kind: str, coefficient) -> Decimal:
    setting = random_coefficient(session, on, kind)
    if setting is None:
        raise ValidationFailed({"coefficient": [f"{KINDS[kind][1]}には、この日の設定では入札時ランダム係数を使いません。"]})
    if not isinstance(coefficient, Decimal) or not coefficient.is_finite():
        raise ValidationFailed({"coefficient": ["入札時ランダム係数は小数（例: 1.0012）で指定してください。"]})
    value = coefficient
    if not setting.low <= value <= setting.high or value % COEFFICIENT_STEP:
        raise ValidationFailed({"coefficient": [
            f"入札時ランダム係数は {setting.low:.4f}〜{setting.high:.4f} の小数点以下 4 桁までの値です（指定: {value}）。"]})
    return value


# --- the calculation -----------------------------------------------------------------------------------

def _adjust(amounts: dict[str, int], model: Model, steps: list[Step]) -> dict[str, str]:
    """Apply the works adjustment: part of 直接工事費 counted as 現場管理費. Returns the relabelled components."""
    adjustment = model.adjustment
    direct, site = amounts["direct_cost"], amounts["site_management"]
    exact = Decimal(direct) * adjustment.share / 100
    moved = round_yen(exact, 1, "down")
    amounts["direct_cost"], amounts["site_management"] = direct - moved, site + moved
    cut = "" if exact == moved else "（1 円未満切り捨て）"
    steps += [
        Step(f"読み替え（{adjustment.label}）",
             f"直接工事費 {direct:,} 円 × {_percent(adjustment.share)} = {moved:,} 円{cut}を現場管理費とみなす", moved),
        Step("直接工事費相当額", f"{direct:,} 円 − {moved:,} 円 = {direct - moved:,} 円", direct - moved),
        Step("現場管理費相当額", f"{site:,} 円 + {moved:,} 円 = {site + moved:,} 円", site + moved),
    ]
    return {"direct_cost": "直接工事費相当額", "site_management": "現場管理費相当額"}


def _settle(value: int, lower: int, upper: int, planned: int, model: Model, steps: list[Step], prefix: str = "") -> int:
    """Clamp ``value`` to ``lower``..``upper`` and round it per ``model``, each step recorded."""
    if value < lower:
        clamped, text = lower, f"{value:,} 円は下限額 {lower:,} 円を下回るため、下限額とする"
    elif value > upper:
        clamped, text = upper, f"{value:,} 円は上限額 {upper:,} 円を上回るため、上限額とする"
    else:
        clamped, text = value, f"{value:,} 円は下限額 {lower:,} 円以上、上限額 {upper:,} 円以下のため、そのまま"
    steps.append(Step(f"{prefix}範囲の適用", text, clamped))
    unit, mode = model.result_unit, model.result_mode
    result = round_yen(clamped, unit, mode)
    steps.append(Step(f"{prefix}端数処理", f"{clamped:,} 円の {_rounding_text(unit, mode)} = {result:,} 円", result))
    if model.round_up_at_lower and result < lower:
        raised = round_yen(lower, unit, "up")
        steps.append(Step(f"{prefix}下限額を下回らない処理", f"{result:,} 円は下限額 {lower:,} 円を下回るため、"
                                                    f"下限額の {_rounding_text(unit, 'up')} = {raised:,} 円", raised))
        result = raised
    if result > upper:
        lowered = round_yen(upper, unit, "down")
        steps.append(Step(f"{prefix}上限額を超えない処理", f"{result:,} 円は上限額 {upper:,} 円を超えるため、"
                                                    f"上限額の {_rounding_text(unit, 'down')} = {lowered:,} 円", lowered))
        result = lowered
    if (model.round_up_at_lower and result < lower) or result > planned:
        raise ValidationFailed({"planned": [
            f"予定価格 {planned:,} 円では、{model.title}の端数処理の単位（{unit:,} 円）で下限額 {lower:,} 円から"
            f"上限額 {upper:,} 円までに収まる額がありません。予定価格かルール設定の端数処理の単位を確認してください。"]})
    return result


def compute_minimum(session: Session, *, on: date, category: str, planned: int, breakdown: Mapping[str, int],
                    kind: str = "minimum", coefficient: Decimal | None = None) -> PriceResult:
    """最低制限価格 (``kind="minimum"``) or 低入札価格調査基準価格 (``kind="survey"``) by the model in force on ``on``.

    :param category: ``"works"``, ``"works.<adjustment>"`` or a consultancy code (see ``categories``).
    :param planned: 予定価格 before tax, whole yen.
    :param breakdown: component key → whole yen before tax, for every component of ``components(...)``.
    :param coefficient: an 入札時ランダム係数 already drawn (``draw_minimum``), to reproduce the final price.
    :raises ValidationFailed: Japanese messages keyed by ``on``, ``category``, ``kind``, ``planned``,
        ``coefficient`` or the component key.
    """
    errors: Errors = {}
    planned = check_amount(planned, "planned", "予定価格", errors, minimum=1)
    try:
        model = load_model(session, on, category, kind)
    except ValidationFailed as exc:
        raise ValidationFailed({**exc.errors, **errors}) from None
    amounts = _check_breakdown(session, on, category, breakdown, errors)
    if errors:
        raise ValidationFailed(errors)
    steps: list[Step] = []
    labels = _adjust(amounts, model, steps) if model.adjustment else {}
    parts = []
    for c in model.components:
        amount = amounts.get(c.key, 0)
        exact = Decimal(amount) * c.rate / 100
        counted = round_yen(exact, model.component_unit, model.component_mode)
        note = "" if exact == counted else f"（{_rounding_text(model.component_unit, model.component_mode)}）"
        steps.append(Step(f"{labels.get(c.key, c.label)}の算入額", f"{amount:,} 円 × {_percent(c.rate)} = {counted:,} 円{note}",
                          counted))
        parts.append(counted)
    raw = sum(parts)
    steps.append(Step("算定額（算入額の合計）", " + ".join(f"{p:,}" for p in parts) + f" = {raw:,} 円", raw))
    lower_exact, upper_exact = planned * model.lower, planned * model.upper
    lower, upper = math.ceil(lower_exact), math.floor(upper_exact)
    steps += [
        Step("下限額", f"予定価格 {planned:,} 円 × {model.lower_text} = {lower:,} 円"
                      + ("（1 円未満切り上げ）" if lower != lower_exact else ""), lower),
        Step("上限額", f"予定価格 {planned:,} 円 × {model.upper_text} = {upper:,} 円"
                      + ("（1 円未満切り捨て）" if upper != upper_exact else ""), upper),
    ]
    result = _settle(raw, lower, upper, planned, model, steps)
    if coefficient is not None:
        coefficient = _check_coefficient(session, on, kind, coefficient)
        exact = Decimal(result) * coefficient
        product = round_yen(exact, 1, "down")
        cut = "" if exact == product else "（1 円未満切り捨て）"
        steps.append(Step("入札時ランダム係数", f"基本価格 {result:,} 円 × {coefficient:.4f} = {product:,} 円{cut}", product))
        result = _settle(product, lower, upper, planned, model, steps, "係数適用後の")
    return PriceResult(model=model.name, raw=raw, lower=lower, upper=upper, result=result, steps=steps, kind=kind,
                       category=category, note=model.note, effective_from=model.effective_from, coefficient=coefficient)


def draw_minimum(session: Session, *, on: date, category: str, planned: int, breakdown: Mapping[str, int],
                 kind: str = "minimum", rng) -> Draw:
    """Draw the 入札時ランダム係数 (at opening) and compute the price with it.

    :param rng: the random source, anything with ``randrange`` (``secrets.SystemRandom()`` in production, a seeded
        ``random.Random`` in tests). Each coefficient from the rule's lower to upper limit in steps of 0.0001 is
        equally likely. Record ``Draw.coefficient``: ``compute_minimum(..., coefficient=...)`` gives the same price.
    """
    base = compute_minimum(session, on=on, category=category, planned=planned, breakdown=breakdown, kind=kind)
    setting = random_coefficient(session, on, kind)
    if setting is None:
        return Draw(None, base, base)
    count = int((setting.high - setting.low) / COEFFICIENT_STEP) + 1
    coefficient = setting.low + COEFFICIENT_STEP * rng.randrange(count)
    final = compute_minimum(session, on=on, category=category, planned=planned, breakdown=breakdown, kind=kind,
                            coefficient=coefficient)
    return Draw(coefficient, base, final)


def breakdown_total_error(session: Session, *, on: date, planned: int, breakdown: Mapping[str, int],
                          category: str | None = None) -> str | None:
    """A Japanese message when the breakdown does not add up to 予定価格 (both before tax), else None.

    It adds up when the difference is within the ``prices.breakdown`` tolerance, or when 予定価格 is what
    ``planned_price_from_design`` gives for the breakdown's total (予定価格 rounded down from 設計金額).
    With ``category`` the messages about bad amounts name the components in Japanese.
    """
    from .amounts import planned_price_from_design

    errors: Errors = {}
    day = check_day(on)
    planned = check_amount(planned, "planned", "予定価格", errors, minimum=1)
    if not isinstance(breakdown, Mapping):
        raise ValidationFailed({"breakdown": ["積算内訳を費目ごとの額で指定してください。"], **errors})
    labels = dict(components(session, day, category)) if category is not None else {}
    amounts = [check_amount(v, str(k), labels.get(k, str(k)), errors) for k, v in breakdown.items()]
    if errors:
        raise ValidationFailed(errors)
    try:
        tolerance = get_rule(session, BREAKDOWN_KEY, day)["tolerance"]
    except RuleNotInForce as exc:
        raise ValidationFailed({"on": [str(exc)]}) from None
    total = sum(amounts)
    difference = total - planned
    if abs(difference) <= tolerance or planned_price_from_design(session, total, day) == planned:
        return None
    return (f"積算内訳の合計 {total:,} 円が予定価格（消費税抜き） {planned:,} 円と合いません（差 {difference:+,} 円、"
            f"許容差 {tolerance:,} 円）。各費目の額を確認してください。")
