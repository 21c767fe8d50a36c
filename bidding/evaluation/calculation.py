"""総合評価落札方式: 評価値 (除算方式) or 総合評価点 (加算方式) per bidder, with the arithmetic and the ranking
(SPEC CM4, CM13; domain-japan.md §3.1).

Pure calculation: plain arguments in, a frozen :class:`Evaluation` out; the session only reads the rule in force
on the day. Amounts are whole yen before tax; points are ``Decimal`` (``int`` and numeric text are accepted).
The caller passes only valid bids within 予定価格; each figure is rounded per the rule, and the ranking uses the
rounded figures (the ones published), so equal rounded figures share a rank and are flagged ``tied``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.rules.amounts import round_places
from core.rules.fields import Errors, add_error, decimal_text, normalize_text
from core.rules.queries import RuleNotInForce, rule_in_force

from ..prices.calculation import check_amount
from ..prices.catalogue import check_day
from .rules import ADDITION_KEY, DIVISION_KEY, band_rows, places_text, scale_text

#: method → (Japanese name, rule key, label of the technical figure, label of the ranked figure).
METHODS = {
    "division": ("除算方式", DIVISION_KEY, "技術評価点", "評価値"),
    "addition": ("加算方式", ADDITION_KEY, "価格以外の評価点", "総合評価点"),
}
#: Points above this are a typing error, not a score.
MAX_POINTS = Decimal(100_000)


@dataclass(frozen=True, kw_only=True)
class Bidder:
    """One valid bid and its scores. ``key`` is the caller's id; ``label`` (e.g. the firm's name) names the bidder
    in messages, else the key. ``standard`` None takes the rule's 標準点 (除算方式; the 加算方式 has none).
    ``max_added`` is the most points available: B of the 加算方式 (required there), the 加算点 cap otherwise."""

    key: Hashable
    amount: int
    added: Decimal | int | str | None
    structure: Decimal | int | str | None
    standard: Decimal | int | str | None = None
    max_added: Decimal | int | str | None = None
    label: str | None = None


@dataclass(frozen=True)
class RuleModel:
    """The rule version used: key, title, the day it applies from, its revision and its note (source)."""

    key: str
    title: str
    effective_from: date
    revision: int
    note: str

    @property
    def name(self) -> str:
        from core.jp import format_date

        revision = f"・訂正第{self.revision}版" if self.revision > 1 else ""
        return f"{self.title}（{format_date(self.effective_from)}から適用{revision}）"


@dataclass(frozen=True)
class Row:
    """One bidder's figures, each already rounded per the rule, and the arithmetic that gave them."""

    key: Hashable
    label: str
    amount: int
    #: 標準点 used (除算方式; None in the 加算方式).
    standard: Decimal | None
    added: Decimal
    structure: Decimal
    max_added: Decimal | None
    #: 技術評価点 (除算方式: 標準点 + 加算点 + 施工体制評価点) or 価格以外の評価点 (加算方式: A × X ÷ B, rounded).
    technical_score: Decimal
    #: 価格評価点 (加算方式; None in the 除算方式).
    price_score: Decimal | None
    #: The ranked figure: 評価値 (除算方式) or 総合評価点 (加算方式).
    score: Decimal
    #: The bid is under 低入札価格調査基準価格, so the 0.5-weighted term applied (加算方式).
    below_survey: bool
    #: The arithmetic in Japanese, one line per figure.
    steps: tuple[str, ...]
    rank: int
    #: Another row has the same rank: the caller settles it (くじ).
    tied: bool

    @property
    def formula(self) -> str:
        return "\n".join(self.steps)


@dataclass(frozen=True)
class Evaluation:
    method: str
    model: RuleModel
    #: By rank (best first), equal ranks in the order the bidders were given.
    rows: tuple[Row, ...]
    #: The settings used, in Japanese (配点 X, multiplier, rounding, order of equal figures) for the table's heading.
    conditions: tuple[str, ...]
    #: 配点 X of the 加算方式 (None in the 除算方式).
    x_points: Decimal | None = None

    @property
    def method_label(self) -> str:
        return METHODS[self.method][0]

    @property
    def technical_label(self) -> str:
        return METHODS[self.method][2]

    @property
    def score_label(self) -> str:
        return METHODS[self.method][3]

    @property
    def winners(self) -> tuple[Row, ...]:
        """The rows ranked first (more than one: a lot decides)."""
        return tuple(row for row in self.rows if row.rank == 1)


# --- input checks --------------------------------------------------------------------------------------

def _who(bidder: Bidder) -> str:
    return f"入札者「{bidder.label or bidder.key}」"


def _points(bidder: Bidder, field: str, label: str, errors: Errors, *, required: bool = True) -> Decimal | None:
    """A score of ``bidder`` as a finite Decimal from 0 to MAX_POINTS, or None (with a message when required)."""
    raw, key = getattr(bidder, field), f"bidders-{bidder.key}-{field}"
    if raw is None:
        if required:
            add_error(errors, key, f"{_who(bidder)}の{label}を入力してください（該当がなければ 0 と入力します）。")
        return None
    try:
        if isinstance(raw, bool) or not isinstance(raw, Decimal | int | str):
            raise InvalidOperation
        value = Decimal(normalize_text(raw).replace(",", "")) if isinstance(raw, str) else Decimal(raw)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        add_error(errors, key, f"{_who(bidder)}の{label}は数値で入力してください（入力値: {raw}）。")
        return None
    if value < 0:
        add_error(errors, key, f"{_who(bidder)}の{label}は 0 以上にしてください（入力値: {decimal_text(value)}）。")
        return None
    if value > MAX_POINTS:
        add_error(errors, key, f"{_who(bidder)}の{label}が大きすぎます（入力値: {decimal_text(value)}）。")
        return None
    return value


def _check_bidders(bidders, planned: int | None, errors: Errors) -> list[Bidder]:
    if not isinstance(bidders, Sequence) or isinstance(bidders, str) or \
            not all(isinstance(b, Bidder) for b in bidders):
        add_error(errors, "bidders", "入札者は Bidder の並びで指定してください。")
        return []
    seen: set = set()
    for bidder in bidders:
        if bidder.key in seen:
            add_error(errors, f"bidders-{bidder.key}-key", f"{_who(bidder)}が 2 回指定されています。")
        seen.add(bidder.key)
        amount = check_amount(bidder.amount, f"bidders-{bidder.key}-amount", f"{_who(bidder)}の入札価格", errors,
                              minimum=1)
        if amount is not None and planned is not None and amount > planned:
            add_error(errors, f"bidders-{bidder.key}-amount",
                      f"{_who(bidder)}の入札価格 {amount:,} 円は予定価格 {planned:,} 円を超えています"
                      "（予定価格の制限の範囲内の入札だけを評価します）。")
    return list(bidders)


def _rule(session: Session, key: str, on: date):
    try:
        return rule_in_force(session, key, on)
    except RuleNotInForce as exc:
        raise ValidationFailed({"on": [str(exc)]}) from None


def _shown(value: Decimal) -> str:
    """A figure kept to the rule's decimals, with thousands separators: 1,234.5000."""
    return f"{value:,f}"


def _approx(exact: Fraction, rounded: Decimal) -> str:
    """「=」 when rounding changed nothing, else 「≒」 (as the sources write the rounded figure)."""
    return "=" if Fraction(rounded) == exact else "≒"


# --- 除算方式 -----------------------------------------------------------------------------------------

def _division(bidders: list[Bidder], v: dict, errors: Errors) -> list[dict]:
    rows = []
    for bidder in bidders:
        standard = _points(bidder, "standard", "標準点", errors, required=False)
        standard = v["standard_points"] if standard is None and bidder.standard is None else standard
        added = _points(bidder, "added", "加算点", errors)
        structure = _points(bidder, "structure", "施工体制評価点", errors)
        cap = _points(bidder, "max_added", "加算点の満点", errors, required=False)
        if added is not None and cap is not None and added > cap:
            add_error(errors, f"bidders-{bidder.key}-added", f"{_who(bidder)}の加算点 {decimal_text(added)} 点が"
                                                            f"加算点の満点 {decimal_text(cap)} 点を超えています。")
        if errors:
            continue
        technical = standard + added + structure
        exact = Fraction(technical) * 10 ** v["scale_exponent"] / bidder.amount
        score = round_places(exact, v["places"], v["mode"])
        step = (f"評価値 = ({decimal_text(standard)} + {decimal_text(added)} + {decimal_text(structure)}) ÷ "
                f"{bidder.amount:,}{scale_text(v['scale_exponent'])} {_approx(exact, score)} {_shown(score)}")
        rows.append({"bidder": bidder, "standard": standard, "added": added, "structure": structure, "max_added": cap,
                     "technical_score": technical, "price_score": None, "score": score, "below_survey": False,
                     "steps": (step,)})
    return rows


def _division_conditions(v: dict) -> tuple[str, ...]:
    return (f"標準点: {decimal_text(v['standard_points'])} 点（入札者ごとの入力がないとき）",
            f"評価値 = 技術評価点（標準点 + 加算点 + 施工体制評価点）÷ 入札価格{scale_text(v['scale_exponent'])}、"
            f"{places_text(v['places'], v['mode'])}")


# --- 加算方式 -----------------------------------------------------------------------------------------

def _band(bands: dict, design_amount: int) -> dict | None:
    """The X row of ``design_amount``: the greatest lower bound not above it."""
    return next((row for row in reversed(band_rows(bands)) if row["from_amount"] <= design_amount), None)


def _price_score(amount: int, planned: int, survey: int | None, full: Decimal, x: Decimal, v: dict):
    """(exact 価格評価点, the formula's right-hand side before the result, below the survey price?)"""
    weight = full - x
    head = f"({decimal_text(full)} − {decimal_text(x)})"
    if survey is not None and amount < survey:
        share = v["below_survey_weight"]
        exact = Fraction(weight) * (1 - Fraction(survey, planned) + Fraction(share) * Fraction(survey - amount, planned))
        text = (f"{head} × {{(1 − {survey:,} ÷ {planned:,}) + {decimal_text(share)} × ({survey:,} − {amount:,}) ÷ "
                f"{planned:,}}}")
        return exact, text, True
    return Fraction(weight) * (1 - Fraction(amount, planned)), f"{head} × (1 − {amount:,} ÷ {planned:,})", False


def _addition(bidders: list[Bidder], v: dict, planned: int, survey: int | None, x: Decimal,
              errors: Errors) -> list[dict]:
    rows = []
    places, mode, full = v["places"], v["mode"], v["full_marks"]
    for bidder in bidders:
        added = _points(bidder, "added", "加算点", errors)
        structure = _points(bidder, "structure", "施工体制評価点", errors)
        available = _points(bidder, "max_added", "価格以外の評価点の配点の合計（B）", errors)
        if available == 0:
            add_error(errors, f"bidders-{bidder.key}-max_added",
                      f"{_who(bidder)}の価格以外の評価点の配点の合計（B）は 0 より大きくしてください。")
        elif None not in (added, structure, available) and added + structure > available:
            add_error(errors, f"bidders-{bidder.key}-added",
                      f"{_who(bidder)}の加算点と施工体制評価点の合計 {decimal_text(added + structure)} 点が配点の合計（B）"
                      f"{decimal_text(available)} 点を超えています。")
        if errors:
            continue
        exact, text, below = _price_score(bidder.amount, planned, survey, full, x, v)
        price = round_places(exact, places, mode)
        earned = added + structure
        exact_technical = Fraction(earned) * Fraction(x) / Fraction(available)
        technical = round_places(exact_technical, places, mode)
        total = round_places(price + technical, places, mode)
        a_text = f"({decimal_text(added)} + {decimal_text(structure)})" if structure else decimal_text(added)
        steps = (
            f"価格評価点 = {text} {_approx(exact, price)} {_shown(price)}"
            + ("（調査基準価格を下回る入札）" if below else ""),
            f"価格以外の評価点 = {a_text} × ({decimal_text(x)} ÷ {decimal_text(available)}) "
            f"{_approx(exact_technical, technical)} {_shown(technical)}",
            f"総合評価点 = {_shown(price)} + {_shown(technical)} = {_shown(total)}",
        )
        rows.append({"bidder": bidder, "standard": None, "added": added, "structure": structure,
                     "max_added": available, "technical_score": technical, "price_score": price, "score": total,
                     "below_survey": below, "steps": steps})
    return rows


def _addition_conditions(v: dict, band: dict, design_amount: int, planned: int, survey: int | None) -> tuple[str, ...]:
    survey_text = f"、低入札価格調査基準価格 {survey:,} 円" if survey is not None else "（低入札価格調査基準価格なし）"
    return (f"設計金額 {design_amount:,} 円（{band['label']}）: 配点 X = {decimal_text(band['points'])} 点",
            f"予定価格 {planned:,} 円{survey_text}",
            f"総合評価点 = 価格評価点 + 価格以外の評価点（満点 {decimal_text(v['full_marks'])} 点）、"
            f"各評価点は{places_text(v['places'], v['mode'])}")


# --- ranking -------------------------------------------------------------------------------------------

def _rank(rows: list[dict], tie_break: str) -> list[Row]:
    def order(row: dict) -> tuple:
        return (row["score"], row["technical_score"]) if tie_break == "technical" else (row["score"],)

    result = []
    for row in rows:
        better = sum(1 for other in rows if order(other) > order(row))
        same = sum(1 for other in rows if order(other) == order(row))
        bidder = row.pop("bidder")
        result.append(Row(key=bidder.key, label=bidder.label or str(bidder.key), amount=bidder.amount,
                          rank=better + 1, tied=same > 1, **row))
    return sorted(result, key=lambda r: r.rank)  # stable: equal ranks keep the caller's order


def _tie_text(definition, v: dict, label: str) -> str:
    return f"同じ{label}の入札者: {definition.field('tie_break').label_of(v['tie_break'])}"


# --- the API -------------------------------------------------------------------------------------------

def evaluate(session: Session, *, on: date, method: str, planned: int, design_amount: int | None,
             survey_price: int | None, bidders: Sequence[Bidder]) -> Evaluation:
    """Rank ``bidders`` by 総合評価 with the rule of ``method`` in force on ``on`` (e.g. the opening day).

    ``planned`` is 予定価格 before tax. The 加算方式 also needs ``design_amount`` (設計金額 before tax, for X) and
    takes ``survey_price`` (低入札価格調査基準価格; None when the case has none); the 除算方式 ignores both.

    :raises ValidationFailed: Japanese messages keyed by ``method``, ``on``, ``planned``, ``design_amount``,
        ``survey_price``, ``bidders`` or ``bidders-<key>-<field>`` (field: amount, standard, added, structure,
        max_added, key).
    """
    if method not in METHODS:
        raise ValidationFailed({"method": [f"評価の方式「{method}」はありません（除算方式か加算方式を指定してください）。"]})
    on = check_day(on)
    name, key, technical_label, score_label = METHODS[method]
    errors: Errors = {}
    planned = check_amount(planned, "planned", "予定価格", errors, minimum=1)
    x = band = None
    version = _rule(session, key, on)
    v = version.values
    if method == "addition":
        design_amount = check_amount(design_amount, "design_amount", "設計金額", errors, minimum=1)
        if survey_price is not None:
            survey_price = check_amount(survey_price, "survey_price", "低入札価格調査基準価格", errors, minimum=1)
            if survey_price is not None and planned is not None and survey_price > planned:
                add_error(errors, "survey_price", f"低入札価格調査基準価格 {survey_price:,} 円が予定価格 {planned:,} 円を"
                                                  "超えています。")
        if design_amount is not None:
            band = _band(v["bands"], design_amount)
            if band is None:
                add_error(errors, "design_amount", f"設計金額 {design_amount:,} 円に当たる配点 X の区分がありません"
                                                   "（ルール設定を確認してください）。")
            else:
                x = band["points"]
    bidders = _check_bidders(bidders, planned, errors)
    # Every bidder's scores are checked even after an error (one message list); figures are computed only while
    # no error has been found, so nothing is computed from a bad amount.
    if method == "division":
        rows = _division(bidders, v, errors)
    else:
        rows = _addition(bidders, v, planned, survey_price, x, errors)
    if errors:
        raise ValidationFailed(errors)
    if method == "division":
        conditions = _division_conditions(v)
    else:
        conditions = _addition_conditions(v, band, design_amount, planned, survey_price)
    model = RuleModel(version.key, version.definition.title, version.effective_from, version.revision, version.note)
    return Evaluation(method=method, model=model, rows=tuple(_rank(rows, v["tie_break"])),
                      conditions=(*conditions, _tie_text(version.definition, v, score_label)), x_points=x)
