"""A grader's sheet checked against the rules (SPEC GR1, GR2): each 細別's letter (or bonus), the letter its checklist
suggests, and the reason a grader gives for another letter. Pure functions over the stored entries and the rules,
shared by the entry screen, the services and the reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..calculator import GradingRules
from ..scoring import TABLE_GRADER, GraderResult, Item, ScoreError, grade_items, normalize_letter, suggest_letter

REASON_MAX = 500
COMMENT_MAX = 1000


@dataclass(frozen=True)
class EntryInput:
    """What a grader enters for one 細別 (``value``: a letter, or the bonus points as text)."""

    value: str | None = None
    checked: tuple[int, ...] = ()
    not_applicable: tuple[int, ...] = ()
    improvement_order: bool = False
    override_reason: str | None = None
    comment: str | None = None


def indexes_text(indexes) -> str | None:
    return ",".join(str(i) for i in sorted(set(indexes))) or None


def parse_indexes(text: str | None) -> tuple[int, ...]:
    return tuple(int(t) for t in (text or "").split(",") if t.strip().isdigit())


def role_items(rules: GradingRules, role: str) -> list[Item]:
    return [i for i in rules.items if i.grader == TABLE_GRADER[role]]


def suggestion(item: Item, entry: EntryInput, formula: Mapping) -> str | None:
    """The letter the item's checklist suggests (None for a bonus item or an item without a checklist)."""
    if item.is_bonus or not item.checklist:
        return None
    applicable = len(item.checklist) - len(set(entry.not_applicable))
    letter = suggest_letter(len(set(entry.checked) - set(entry.not_applicable)), applicable, formula,
                            improvement_order=entry.improvement_order)
    if letter is not None and letter not in item.scale:
        return None  # a scale without that letter (e.g. 社会性等 in points only): the grader decides
    return letter


def check_sheet(rules: GradingRules, role: str, entries: Mapping[str, EntryInput], *,
                complete: bool) -> tuple[GraderResult, dict[str, str | None]]:
    """The sheet's result and each item's suggested letter.

    :raises ScoreError: keyed by the item key (``chief_management``) or ``<key>-override_reason`` etc.: a letter not
        in the scale, a bonus beyond its maximum, another role's item, a checklist index out of range, another
        letter than the suggested one without a reason, an item missing when ``complete``.
    """
    items = role_items(rules, role)
    by_key = {i.key: i for i in items}
    errors: dict[str, list[str]] = {}
    suggested: dict[str, str | None] = {}
    for key, entry in entries.items():
        item = by_key.get(key)
        if item is None:
            continue  # grade_items names it (another role's item or unknown)
        ticks = set(entry.checked) | set(entry.not_applicable)
        if any(not 0 <= i < len(item.checklist) for i in ticks):
            errors.setdefault(f"{key}-checked", []).append(f"「{item.label}」の評価対象項目の番号が正しくありません。")
            continue
        if set(entry.checked) & set(entry.not_applicable):
            errors.setdefault(f"{key}-checked", []).append(
                f"「{item.label}」で「できている」と「該当なし」の両方に印を付けた項目があります。")
            continue
        reason = (entry.override_reason or "").strip()
        if len(reason) > REASON_MAX:
            errors.setdefault(f"{key}-override_reason", []).append(f"「{item.label}」の理由は {REASON_MAX} 文字以内です。")
        if len((entry.comment or "").strip()) > COMMENT_MAX:
            errors.setdefault(f"{key}-comment", []).append(f"「{item.label}」の所見は {COMMENT_MAX} 文字以内です。")
        hint = suggestion(item, entry, rules.formula)
        suggested[key] = hint
        if hint and entry.value and entry.value.strip() and _letter(entry.value) != hint and not reason:
            errors.setdefault(f"{key}-override_reason", []).append(
                f"「{item.label}」の評価対象項目からの目安は {hint} です。{_letter(entry.value)} とするときは理由を"
                "入力してください。")
    values = {key: entry.value for key, entry in entries.items() if entry.value not in (None, "")}
    try:
        result = grade_items(role, values, rules.items, complete=complete)
    except ScoreError as error:
        for place, messages in error.errors.items():
            name = place.removeprefix("items.")
            key = by_key[name].key if name in by_key else next((i.key for i in items if i.label == name), name)
            errors.setdefault(key, []).extend(messages)
        result = None
    if errors:
        raise ScoreError(errors)
    return result, suggested


def _letter(raw: str) -> str:
    return normalize_letter(raw)


def stored_entries(assignment) -> dict[str, EntryInput]:
    """The sheet's saved entries as inputs (what the screens show and settling re-checks)."""
    return {e.item_key: EntryInput(e.value, parse_indexes(e.checked), parse_indexes(e.not_applicable),
                                   e.improvement_order, e.override_reason, e.comment) for e in assignment.entries}
