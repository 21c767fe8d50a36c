"""The score of a grade sheet (SPEC GR2; domain-japan.md §1.4-§1.6), as pure functions of the rules in force.

Each grader's 評定点 = 基本点 (65) + the points of their 細別 (a letter's points, or a bonus up to its maximum),
kept to the rule's decimals; the weighted total is 主任 × 0.4 + 総括 × 0.2 + 検査員(完成) × 0.4, or with 中間・既済部分
inspections 0.4 / 0.2 / 0.2 (their average) / 0.2; the final score is the weighted total less the 法令遵守等
deductions, rounded by the rule. The CLI (``flask grading score``), the entry screens and the reports all call
:func:`score_sheet` or its parts, so a score is computed one way only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from core.rules.amounts import round_places

#: The letters a scale may use, best first.
LETTERS = ("a", "a'", "b", "b'", "c", "d", "e")
#: Grader roles of a sheet, their Japanese titles and the table grader whose 細別 they grade.
ROLE_LABELS = {"chief": "主任監督員", "general": "総括監督員", "interim_inspector": "検査員（中間・既済部分）",
               "final_inspector": "検査員（完成）"}
TABLE_GRADER = {"chief": "chief", "general": "general", "interim_inspector": "inspector", "final_inspector": "inspector"}
TABLE_GRADER_LABELS = {"chief": "主任監督員", "general": "総括監督員", "inspector": "検査員"}
ROLE_ORDER = ("chief", "general", "interim_inspector", "final_inspector")


class ScoreError(ValueError):
    """Input the rules refuse: ``errors`` maps a place (``graders.chief.items.施工管理``) to Japanese messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def normalize_letter(raw: str) -> str:
    """``"Ａ’"`` → ``"a'"``: full-width letters and the various apostrophes as one spelling."""
    text = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    return text.replace("’", "'").replace("′", "'").replace("‘", "'").replace("`", "'")


def parse_scale(text: str) -> tuple[dict[str, Decimal], list[str]]:
    """``"a=1.0, b=0.5, c=0, d=-5.0, e=-10"`` → ({letter: points} in order, problems in Japanese)."""
    scale: dict[str, Decimal] = {}
    problems: list[str] = []
    for part in unicodedata.normalize("NFKC", text or "").replace("、", ",").split(","):
        if not part.strip():
            continue
        letter, sep, value = part.partition("=")
        letter = normalize_letter(letter)
        if not sep or letter not in LETTERS:
            problems.append(f"「{part.strip()}」は「記号=点数」（記号は {'・'.join(LETTERS)}）で書いてください。")
            continue
        try:
            points = Decimal(value.strip())
        except InvalidOperation:
            problems.append(f"「{part.strip()}」の点数が数値ではありません。")
            continue
        if letter in scale:
            problems.append(f"記号 {letter} が重複しています。")
        scale[letter] = points
    if not problems:
        if len(scale) < 2:
            problems.append("評価の記号を 2 つ以上書いてください。")
        elif [LETTERS.index(k) for k in scale] != sorted(LETTERS.index(k) for k in scale):
            problems.append(f"記号は {'・'.join(LETTERS)} の順に書いてください。")
        elif list(scale.values()) != sorted(scale.values(), reverse=True):
            problems.append("点数は良い評価（a）ほど高くしてください。")
    return scale, problems


@dataclass(frozen=True)
class Item:
    """One 細別 as one grader grades it (a row of a 考査項目 table)."""

    key: str
    grader: str  # chief / general / inspector
    category: str
    label: str
    scale: Mapping[str, Decimal]  # empty for a bonus-only item
    maximum: Decimal
    checklist: tuple[str, ...]
    work_types: frozenset[str]

    @property
    def is_bonus(self) -> bool:
        return not self.scale

    def applies_to(self, work_type: str | None) -> bool:
        return not self.work_types or (work_type or "") in self.work_types


def checklist_lines(text: str | None) -> tuple[str, ...]:
    """The 評価対象項目 of a table row: one per line."""
    return tuple(c.strip() for c in (text or "").split("\n") if c.strip())


def table_items(table: Mapping[str, Mapping], work_type: str | None = None) -> list[Item]:
    """The items of a validated 考査項目 table that apply to the work type, in table order."""
    items = []
    for key, row in table.items():
        scale, _problems = parse_scale(row["points"]) if row["points"] else ({}, [])
        types = frozenset(t.strip() for t in unicodedata.normalize("NFKC", row["work_types"] or "").split(",")
                          if t.strip())
        item = Item(key, row["grader"], row["category"], row["label"], scale, Decimal(row["maximum"] or 0),
                    checklist_lines(row["checklist"]), types)
        if item.applies_to(work_type):
            items.append(item)
    return items


def suggest_letter(ticked: int, applicable: int, formula: Mapping, *, improvement_order: bool = False) -> str | None:
    """The letter the ticked 評価対象項目 suggest: a written improvement order → e; no more than ``few_items``
    applicable → c; otherwise by the ratio (≥ b_ratio % → b, ≥ c_ratio % → c, below → d). None: nothing applies.
    An ``a`` is the grader's own judgement beyond the checklist (an override with a reason)."""
    if improvement_order:
        return "e"
    if applicable <= 0:
        return None
    if applicable <= formula["few_items"]:
        return "c"
    ratio = Fraction(ticked, applicable) * 100
    if ratio >= formula["b_ratio"]:
        return "b"
    return "c" if ratio >= formula["c_ratio"] else "d"


@dataclass
class ItemResult:
    item: Item
    value: str | Decimal | None  # the letter, the bonus points, or None (not graded yet)
    points: Decimal


@dataclass
class GraderResult:
    role: str
    lines: list[ItemResult] = field(default_factory=list)
    given_score: Decimal | None = None  # only the score is known (a past sheet)

    @property
    def points(self) -> Decimal:
        return sum((line.points for line in self.lines), Decimal(0))

    def score(self, formula: Mapping) -> Decimal:
        if self.given_score is not None:
            return self.given_score
        return round_places(formula["base_points"] + self.points, formula["sub_places"], formula["sub_mode"])


def grade_items(role: str, entries: Mapping[str, object], items: Sequence[Item], *, complete: bool = True,
                place: str = "") -> GraderResult:
    """One grader's entries checked against the items of their role: a letter in the item's scale, a bonus within
    its maximum, no item of another role. ``entries`` are keyed by the 細別 (``施工管理``) or the row key
    (``chief_management``). With ``complete`` every letter item must be graded (bonus items default to 0).

    :raises ScoreError: naming each refused entry.
    """
    grader = TABLE_GRADER[role]
    title = ROLE_LABELS[role]
    own = [i for i in items if i.grader == grader]
    by_name = {**{i.label: i for i in own}, **{i.key: i for i in own}}
    others = {**{i.label: i for i in items if i.grader != grader}, **{i.key: i for i in items if i.grader != grader}}
    errors: dict[str, list[str]] = {}
    values: dict[str, str | Decimal] = {}
    for name, raw in entries.items():
        key = f"{place}items.{name}"
        item = by_name.get(name)
        if item is None:
            if name in others:
                other = others[name]
                _add(errors, key, f"「{other.label}」は{TABLE_GRADER_LABELS[other.grader]}の評定項目です。"
                                  f"{title}は評定できません。")
            else:
                _add(errors, key, f"「{name}」は{title}の評定項目にありません（項目: {'、'.join(i.label for i in own)}）。")
            continue
        if raw is None or raw == "":
            continue
        if item.is_bonus:
            try:
                value = Decimal(str(raw))
            except InvalidOperation:
                _add(errors, key, f"「{item.label}」の加点は数値で入力してください（入力値: {raw}）。")
                continue
            if not value.is_finite() or value < 0 or value > item.maximum:
                _add(errors, key, f"「{item.label}」の加点は 0〜{item.maximum} 点です（入力値: {raw}）。")
                continue
            values[item.key] = value
        else:
            letter = normalize_letter(str(raw))
            if letter not in item.scale:
                _add(errors, key, f"「{item.label}」の評価「{raw}」は使えません（{'・'.join(item.scale)} から選びます）。")
                continue
            values[item.key] = letter
    result = GraderResult(role)
    for item in own:
        value = values.get(item.key)
        if value is None and complete and not item.is_bonus:
            _add(errors, f"{place}items.{item.label}", f"{title}の「{item.label}」が評定されていません。")
        points = value if isinstance(value, Decimal) else item.scale.get(value, Decimal(0)) if value else Decimal(0)
        result.lines.append(ItemResult(item, value, points))
    if errors:
        raise ScoreError(errors)
    return result


@dataclass(frozen=True)
class Deduction:
    kind: str
    label: str
    points: Decimal


def check_deductions(entries: Sequence[Mapping], table: Mapping[str, Mapping]) -> list[Deduction]:
    """The 法令遵守等 deductions: a kind of the table; its points from the table, or (a discretionary kind) the
    points given, up to the table's amount.

    :raises ScoreError: an unknown kind, or points missing or beyond the table.
    """
    errors: dict[str, list[str]] = {}
    out = []
    for index, entry in enumerate(entries):
        key = f"deductions.{index}"
        kind = str(entry.get("kind") or "")
        row = table.get(kind)
        if row is None:
            known = "・".join(f"{name}: {row['label']}" for name, row in table.items())
            _add(errors, key, f"減点の種類「{kind}」はありません（{known}）。")
            continue
        raw = entry.get("points")
        if not row["discretionary"]:
            if raw not in (None, "") and Decimal(str(raw)).copy_abs() != row["points"]:
                _add(errors, key, f"「{row['label']}」の減点は {row['points']} 点です（入力値: {raw}）。")
                continue
            out.append(Deduction(kind, row["label"], row["points"]))
            continue
        try:
            points = Decimal(str(raw)).copy_abs()
        except InvalidOperation:
            _add(errors, key, f"「{row['label']}」の減点の点数を入力してください（{row['points']} 点まで）。")
            continue
        if points == 0 or points > row["points"]:
            _add(errors, key, f"「{row['label']}」の減点は 0 を超え {row['points']} 点以下です（入力値: {raw}）。")
            continue
        out.append(Deduction(kind, row["label"], points))
    if errors:
        raise ScoreError(errors)
    return out


def weights(formula: Mapping, with_interim: bool) -> dict[str, Decimal]:
    if with_interim:
        return {"chief": formula["wi_chief"], "general": formula["wi_general"],
                "interim_inspector": formula["wi_interim"], "final_inspector": formula["wi_final"]}
    return {"chief": formula["w_chief"], "general": formula["w_general"], "final_inspector": formula["w_final"]}


@dataclass
class SheetScore:
    graders: dict[str, Decimal]  # role → score (interim: the average of the interim inspections)
    weights: dict[str, Decimal]
    weighted: Decimal
    deductions: list[Deduction]
    final: Decimal

    @property
    def deduction_total(self) -> Decimal:
        return sum((d.points for d in self.deductions), Decimal(0))


def total(scores: Mapping[str, Decimal], interim_scores: Sequence[Decimal], deductions: Sequence[Deduction],
          formula: Mapping) -> SheetScore:
    """The weighted total and final score from each grader's score (``interim_scores``: one per 中間・既済部分
    inspection, averaged; none → the weights without an interim inspection)."""
    graders = dict(scores)
    if interim_scores:
        graders["interim_inspector"] = round_places(Fraction(sum(interim_scores, Decimal(0))) / len(interim_scores),
                                                    formula["sub_places"], formula["sub_mode"])
    used = weights(formula, bool(interim_scores))
    weighted_raw = sum((Fraction(used[role]) * Fraction(graders[role]) for role in used), Fraction(0))
    weighted = round_places(weighted_raw, formula["weighted_places"], formula["weighted_mode"])
    deducted = Fraction(weighted) - sum((Fraction(d.points) for d in deductions), Fraction(0))
    final = round_places(max(deducted, Fraction(0)), formula["final_places"], formula["final_mode"])
    return SheetScore(graders, used, weighted, list(deductions), final)
