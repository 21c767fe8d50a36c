"""The price models in force on a day, read from the versioned rules: which categories exist, their breakdown
components, rates, ranges and rounding. No tables: every value comes from ``bidding.rules`` and
``bidding.price_rules`` (a city changes them by adding a version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.rules.fields import decimal_text
from core.rules.queries import RuleNotInForce, rule_in_force, shared_rule

from ..price_rules import CONSULTANCY_MODELS, work_type_codes

#: kind → (rule key prefix, Japanese name).
KINDS = {"minimum": ("min_price", "最低制限価格"), "survey": ("low_bid_survey", "低入札価格調査基準価格")}
WORKS = "works"
#: The works breakdown: (component key, label, rate field of ``min_price.works``).
WORKS_COMPONENTS = (
    ("direct_cost", "直接工事費", "direct_cost_rate"),
    ("common_temporary", "共通仮設費", "common_temporary_rate"),
    ("site_management", "現場管理費", "site_management_rate"),
    ("general_admin", "一般管理費等", "general_admin_rate"),
)
WORKS_LABEL = "建設工事"
ADJUSTMENTS_KEY = "prices.works_adjustments"


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    rate: Decimal  # percent: 97 means × 97/100


@dataclass(frozen=True)
class Adjustment:
    """Part of 直接工事費 taken as 現場管理費 (建築 works, works whose 現場管理費 is not separated)."""

    code: str
    label: str
    share: Decimal  # percent


@dataclass(frozen=True)
class Model:
    """One version of a price rule, ready to compute with."""

    key: str
    title: str
    effective_from: date
    revision: int
    note: str
    components: tuple[Component, ...]
    lower: Fraction
    lower_text: str
    upper: Fraction
    upper_text: str
    component_unit: int
    component_mode: str
    result_unit: int
    result_mode: str
    round_up_at_lower: bool
    adjustment: Adjustment | None = None

    @property
    def name(self) -> str:
        """The model's name for screens and JSON: the rule's title and the date its version applies from."""
        from core.jp import format_date

        revision = f"・訂正第{self.revision}版" if self.revision > 1 else ""
        return f"{self.title}（{format_date(self.effective_from)}から適用{revision}）"


def check_day(on) -> date:
    if isinstance(on, datetime) or not isinstance(on, date):
        raise ValidationFailed({"on": ["基準日を日付で指定してください。"]})
    return on


def _in_force(session: Session, key: str, on: date):
    try:
        return rule_in_force(session, key, on)
    except RuleNotInForce as exc:
        raise ValidationFailed({"on": [str(exc)]}) from None


def _adjustments(session: Session, on: date) -> dict:
    try:
        return shared_rule(session, ADJUSTMENTS_KEY, on)["items"] or {}
    except RuleNotInForce:
        return {}


def categories(session: Session, on: date) -> list[tuple[str, str]]:
    """Every category of the price calculation on ``on``, as (code, Japanese label), in form order: 建設工事, its
    adjustments (``works.<row>``), then the consultancy categories."""
    on = check_day(on)
    result = [(WORKS, WORKS_LABEL)]
    result += [(f"{WORKS}.{code}", f"{WORKS_LABEL}（{row['label']}）") for code, row in _adjustments(session, on).items()]
    result += [(code, title) for code, (title, _v, _f) in CONSULTANCY_MODELS.items()]
    return result


def category_label(session: Session, on: date, category: str) -> str:
    return dict(categories(session, on)).get(category, category)


def default_category(session: Session, on: date, work_type_code: str | None) -> str:
    """The category a works case of 業種 ``work_type_code`` starts with: the first adjustment listing that code,
    else plain 建設工事."""
    for code, row in _adjustments(session, check_day(on)).items():
        if work_type_code and work_type_code in work_type_codes(row.get("work_types") or ""):
            return f"{WORKS}.{code}"
    return WORKS


def check_category(session: Session, on: date, category) -> None:
    if not isinstance(category, str) or category not in dict(categories(session, on)):
        names = "、".join(label for _c, label in categories(session, on))
        raise ValidationFailed({"category": [f"区分「{category}」はありません（{names} から選んでください）。"]})


def check_kind(kind) -> None:
    if kind not in KINDS:
        raise ValidationFailed({"kind": [f"算定の種類「{kind}」はありません（最低制限価格か低入札価格調査基準価格）。"]})


def _percent_ratio(value: Decimal) -> tuple[Fraction, str]:
    return Fraction(value) / 100, f"{decimal_text(value)}%"


def load_model(session: Session, on: date, category: str, kind: str) -> Model:
    """The model of ``kind`` for ``category`` in force on ``on``.

    :raises ValidationFailed: on ``kind``/``category`` (unknown) or ``on`` (no version applies that day).
    """
    check_kind(kind)
    on = check_day(on)
    check_category(session, on, category)
    prefix = KINDS[kind][0]
    base, _dot, adjustment_code = category.partition(".")
    version = _in_force(session, f"{prefix}.{base}", on)
    v = version.values
    adjustment = None
    if base == WORKS:
        components = tuple(Component(key, label, v[field]) for key, label, field in WORKS_COMPONENTS)
        (lower, lower_text), (upper, upper_text) = _percent_ratio(v["lower_limit"]), _percent_ratio(v["upper_limit"])
        if adjustment_code:
            row = _adjustments(session, on)[adjustment_code]
            adjustment = Adjustment(adjustment_code, row["label"], row["share"])
    else:
        components = tuple(Component(key, row["label"], row["rate"]) for key, row in v["components"].items())
        lower, lower_text = v["lower_limit"].value, v["lower_limit"].text
        upper, upper_text = v["upper_limit"].value, v["upper_limit"].text
    return Model(key=version.key, title=version.definition.title, effective_from=version.effective_from,
                 revision=version.revision, note=version.note, components=components, lower=lower,
                 lower_text=lower_text, upper=upper, upper_text=upper_text, component_unit=v["component_unit"],
                 component_mode=v["component_mode"], result_unit=v["result_unit"], result_mode=v["result_mode"],
                 round_up_at_lower=bool(v["round_up_at_lower"]), adjustment=adjustment)


def components(session: Session, on: date, category: str) -> list[tuple[str, str]]:
    """The breakdown fields of ``category`` on ``on``, as ordered (key, Japanese label): what a case form asks
    for. For consultancy the components of the 最低制限価格 rule, then any further ones of the 調査基準価格 rule.

    :raises ValidationFailed: unknown category, or no version of its rules applies on ``on``.
    """
    on = check_day(on)
    check_category(session, on, category)
    base = category.partition(".")[0]
    if base == WORKS:
        return [(key, label) for key, label, _f in WORKS_COMPONENTS]
    result: dict[str, str] = {}
    for prefix, _name in KINDS.values():
        for key, row in _in_force(session, f"{prefix}.{base}", on).values["components"].items():
            result.setdefault(key, row["label"])
    return list(result.items())
