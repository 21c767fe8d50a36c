"""A whole grade sheet scored with the rules in force on its date (SPEC GR2): what ``flask grading score`` prints
and what the entry screens show. Writes nothing.

Input (a dict, e.g. parsed JSON; documented in docs/manual/grading-rules.md)::

    {"date": "2026-12-01", "work_type": "010", "table": "standard" | "simple" (or "amount": 30000000),
     "graders": {"chief": {"items": {"施工体制一般": "b", ..., "創意工夫": 3.0}}, "general": {...},
                 "interim_inspector": {...} | [{...}, ...] | absent, "final_inspector": {...}},
     "deductions": [{"kind": "written_warning"}, {"kind": "other", "points": 4}]}

A grader may be given as ``{"score": 85.0}`` when only the score is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from core.jp import JpParseError, parse_date
from core.rules import get_rule

from .rules import DEDUCTIONS_KEY, FORMULA_KEY, SCOPE_KEY, TABLE_KEYS, TABLE_LABELS
from .scoring import (
    ROLE_LABELS,
    ROLE_ORDER,
    GraderResult,
    Item,
    ScoreError,
    SheetScore,
    check_deductions,
    grade_items,
    table_items,
    total,
)


@dataclass(frozen=True)
class GradingRules:
    """The grading rules in force on one day, with the table chosen for the work."""

    day: date
    table: str  # standard / simple
    items: list[Item]
    formula: dict
    deductions: dict
    scope: dict

    @property
    def table_label(self) -> str:
        return TABLE_LABELS[self.table]


def table_for_amount(scope: Mapping, amount: int) -> str:
    """標準 at or above the rule's amount (当初契約金額, 税込), 簡便型 below."""
    return "standard" if amount >= scope["standard_from"] else "simple"


def rules_on(session: Session, day: date, *, table: str | None = None, amount: int | None = None,
             work_type: str | None = None) -> GradingRules:
    """The rules in force on ``day``; the table named, or the one the amount falls in (標準 when neither)."""
    scope = get_rule(session, SCOPE_KEY, day)
    chosen = table or (table_for_amount(scope, amount) if amount is not None else "standard")
    return GradingRules(day, chosen, table_items(get_rule(session, TABLE_KEYS[chosen], day)["items"], work_type),
                        get_rule(session, FORMULA_KEY, day), get_rule(session, DEDUCTIONS_KEY, day)["items"], scope)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _grader(role: str, raw, rules: GradingRules, place: str) -> GraderResult:
    if not isinstance(raw, Mapping):
        raise ScoreError({place: [f"{ROLE_LABELS[role]}は {{\"items\": {{…}}}} か {{\"score\": 点数}} で指定してください。"]})
    if "score" in raw and "items" not in raw:
        try:
            score = Decimal(str(raw["score"]))
        except InvalidOperation:
            score = None
        if score is None or not score.is_finite() or not 0 <= score <= 100:
            raise ScoreError({f"{place}.score": [f"{ROLE_LABELS[role]}の評定点は 0〜100 の数値です（入力値: {raw['score']}）。"]})
        return GraderResult(role, given_score=score)
    items = raw.get("items")
    if not isinstance(items, Mapping):
        raise ScoreError({f"{place}.items": [f"{ROLE_LABELS[role]}の items は「細別: 評価」の組で指定してください。"]})
    return grade_items(role, items, rules.items, place=f"{place}.")


def _grader_out(result: GraderResult, formula: Mapping) -> dict:
    out = {"title": ROLE_LABELS[result.role], "score": _number(result.score(formula))}
    if result.lines:  # a grader given by score only has none
        out["items"] = [{"key": line.item.key, "category": line.item.category, "item": line.item.label,
                         "value": _number(line.value) if isinstance(line.value, Decimal) else line.value,
                         "points": _number(line.points)} for line in result.lines]
        out["points"] = _number(result.points)
    return out


def score_sheet(session: Session, sheet: Mapping) -> dict:
    """The breakdown of a sheet: each grader's items with points and score, the weights used, the weighted total,
    the deductions and the final score.

    :raises ScoreError: naming every place the rules refuse (the date, a grader missing, a letter, a bonus …).
    """
    errors: dict[str, list[str]] = {}
    try:
        day = parse_date(str(sheet.get("date") or ""))
    except JpParseError:
        day = None
    if day is None:
        errors["date"] = [f"date（評定の日）を YYYY-MM-DD で指定してください（入力値: {sheet.get('date')}）。"]
    table = sheet.get("table")
    if table is not None and table not in TABLE_KEYS:
        errors["table"] = [f"table は {'・'.join(f'{k}（{v}）' for k, v in TABLE_LABELS.items())} です。"]
    amount = sheet.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0):
        errors["amount"] = ["amount（当初契約金額・税込）は 0 以上の整数（円）です。"]
    graders = sheet.get("graders")
    if not isinstance(graders, Mapping):
        errors["graders"] = ["graders（評定者ごとの評定）を指定してください。"]
        graders = {}
    unknown = sorted(set(graders) - set(ROLE_ORDER))
    if unknown:
        errors["graders"] = [f"評定者 {', '.join(unknown)} はありません（{', '.join(ROLE_ORDER)}）。"]
    for role in ("chief", "general", "final_inspector"):
        if role not in graders:
            errors[f"graders.{role}"] = [f"{ROLE_LABELS[role]}（{role}）の評定がありません。"]
    if errors:
        raise ScoreError(errors)
    rules = rules_on(session, day, table=table, amount=amount, work_type=sheet.get("work_type"))
    results: dict[str, GraderResult] = {}
    interim: list[GraderResult] = []
    for role in ROLE_ORDER:
        if role not in graders:
            continue
        raw = graders[role]
        try:
            if role == "interim_inspector" and isinstance(raw, list):
                interim = [_grader(role, one, rules, f"graders.{role}.{i}") for i, one in enumerate(raw)]
            elif role == "interim_inspector":
                interim = [_grader(role, raw, rules, f"graders.{role}")]
            else:
                results[role] = _grader(role, raw, rules, f"graders.{role}")
        except ScoreError as error:
            errors.update(error.errors)
    deductions = sheet.get("deductions") or []
    try:
        if not isinstance(deductions, list):
            raise ScoreError({"deductions": ["deductions は [{\"kind\": …, \"points\": …}] の形で指定してください。"]})
        checked = check_deductions([d if isinstance(d, Mapping) else {} for d in deductions], rules.deductions)
    except ScoreError as error:
        errors.update(error.errors)
    if errors:
        raise ScoreError(errors)
    formula = rules.formula
    result = total({role: r.score(formula) for role, r in results.items()}, [r.score(formula) for r in interim],
                   checked, formula)
    return breakdown(rules, results, interim, result, work_type=sheet.get("work_type"))


def breakdown(rules: GradingRules, results: Mapping[str, GraderResult], interim: list[GraderResult],
              result: SheetScore, *, work_type: str | None = None) -> dict:
    formula = rules.formula
    graders = {role: _grader_out(r, formula) for role, r in results.items()}
    if interim:
        graders["interim_inspector"] = {"title": ROLE_LABELS["interim_inspector"],
                                        "inspections": [_grader_out(r, formula) for r in interim],
                                        "score": _number(result.graders["interim_inspector"])}
    return {"date": rules.day.isoformat(), "work_type": work_type, "table": rules.table, "table_label": rules.table_label,
            "base_points": _number(formula["base_points"]),
            "graders": {role: graders[role] for role in ROLE_ORDER if role in graders},
            "weights": {role: _number(w) for role, w in result.weights.items()},
            "weighted": _number(result.weighted),
            "deductions": [{"kind": d.kind, "label": d.label, "points": _number(d.points)} for d in result.deductions],
            "deduction_total": _number(result.deduction_total), "final": _number(result.final)}
