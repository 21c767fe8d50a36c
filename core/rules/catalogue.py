"""The catalogue of rule keys: what each rule means, its fields, its cross-field check and built-in versions.

A package defines a rule once, at import time, with :func:`define_rule` (``core.rules.builtin`` holds the
core ones; a feature package would keep its own in ``<package>/rules.py`` imported by its ``init_app``).
Built-in versions (seeds) live here in code, never in a migration: ``get_rule`` treats them as revision 0
of their effective date, so a stored version of the same date (a correction) or of a later date wins.
Never change a seed that was released; add a new one with a later date, or let the city store a correction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .fields import Errors, Field, TableField, add_error

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,30}(\.[a-z][a-z0-9_]{0,30}){0,2}")
RESERVED_KEYS = {"holidays", "new"}  # URL segments of the rules screens
#: Order of the headings on the list page; other categories follow in name order.
CATEGORY_ORDER = ("入札・契約", "期限・暦", "採番", "セキュリティ")


@dataclass(frozen=True)
class SeedVersion:
    """A built-in version: values in form or typed notation, and where they come from."""

    effective_from: date
    values: Mapping[str, Any]
    note: str


@dataclass(frozen=True)
class EnvFloor:
    """A field whose environment setting stays authoritative as the minimum (the stricter value applies)."""

    field: str
    config_key: str
    env_var: str


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    title: str
    #: What the rule controls and how it is used, in Japanese (shown on its page).
    description: str
    #: Legal or administrative basis and sources, in Japanese.
    basis: str
    fields: tuple[Field, ...]
    seeds: tuple[SeedVersion, ...] = ()
    #: Cross-field validation: ``{field_name: [message]}`` (empty when fine). It also runs when other fields
    #: failed, so a value that did not parse is ``None`` and the check must skip it.
    check: Callable[[dict], Errors] | None = None
    #: One-line Japanese summary of values for the list page (default: the first fields, labelled).
    summary: Callable[[dict], str] | None = None
    #: Heading under which the list page shows the rule.
    category: str = "その他"
    env_floors: tuple[EnvFloor, ...] = ()
    #: Parsed seed values, filled by ``define_rule``.
    parsed_seeds: tuple[tuple[SeedVersion, dict], ...] = field(default=(), compare=False)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    # --- validation -------------------------------------------------------------------------------
    def parse(self, values: Mapping[str, Any]) -> tuple[dict, Errors]:
        """Typed values and the errors found (every field is required; unknown names are refused)."""
        errors: Errors = {}
        known = {f.name for f in self.fields}
        unknown = sorted(set(values) - known)
        if unknown:
            add_error(errors, "", f"このルールにない項目が指定されました: {', '.join(unknown)}")
        parsed = {}
        for f in self.fields:
            raw = values.get(f.name)
            if f.name not in values:
                add_error(errors, f.name, f"{f.label}が指定されていません。")
                continue
            parsed[f.name] = f.parse(raw, errors, f.name)
        if self.check is not None:
            for name, messages in self.check(parsed).items():
                if name not in errors:  # one message at a time per field
                    for message in messages:
                        add_error(errors, name, message)
        return parsed, errors

    # --- storage ----------------------------------------------------------------------------------
    def dump(self, values: dict) -> dict:
        return {f.name: f.dump(values[f.name]) for f in self.fields}

    def load(self, stored: Mapping[str, Any]) -> dict:
        """Typed values from stored JSON. A field added to the schema after the row was stored is ``None``."""
        return {f.name: f.load(stored[f.name]) if f.name in stored else None for f in self.fields}

    # --- display ----------------------------------------------------------------------------------
    def describe(self, values: Mapping[str, Any]) -> str:
        """A short summary of ``values`` for lists."""
        if self.summary is not None:
            return self.summary(values)
        parts = []
        for f in self.fields[:4]:
            value = values.get(f.name)
            parts.append(f"{f.label} {len(value or {})} 件" if isinstance(f, TableField) else f"{f.label} {f.format(value)}")
        return "、".join(parts)

    def groups(self) -> list[tuple[str, list[Field]]]:
        """Fields by their ``group`` (fieldset legend), in definition order."""
        result: dict[str, list[Field]] = {}
        for f in self.fields:
            result.setdefault(f.group, []).append(f)
        return list(result.items())


_RULES: dict[str, RuleDefinition] = {}
_APPLIED: set[str] = set()
_builtin_loaded = False


def mark_applied(key: str) -> None:
    """Declare that running code enforces rule ``key`` (for rules with ``env_floors``, whose environment
    setting works on its own). Until then the screens say the environment value alone is in use."""
    _APPLIED.add(key)


def is_applied(key: str) -> bool:
    return key in _APPLIED


class UnknownRule(LookupError):
    """No rule with that key is defined (a programming error, not a user's)."""


def define_rule(definition: RuleDefinition) -> RuleDefinition:
    """Register a rule key. Seeds are validated now, so a bad built-in value stops the app at start-up (NF9)."""
    if not KEY_PATTERN.fullmatch(definition.key) or definition.key in RESERVED_KEYS:
        raise ValueError(f"rule key {definition.key!r} is not allowed")
    if definition.key in _RULES:
        raise ValueError(f"rule {definition.key!r} is defined twice")
    names = [f.name for f in definition.fields]
    if len(names) != len(set(names)):
        raise ValueError(f"rule {definition.key!r} repeats a field name")
    parsed_seeds = []
    dates = [s.effective_from for s in definition.seeds]
    if len(dates) != len(set(dates)):
        raise ValueError(f"rule {definition.key!r} has two seeds with the same effective date")
    for seed in definition.seeds:
        parsed, errors = definition.parse(seed.values)
        if errors:
            raise ValueError(f"seed {seed.effective_from} of rule {definition.key!r} is invalid: {errors}")
        parsed_seeds.append((seed, parsed))
    parsed_seeds.sort(key=lambda pair: pair[0].effective_from)
    object.__setattr__(definition, "parsed_seeds", tuple(parsed_seeds))
    _RULES[definition.key] = definition
    return definition


def _ensure_builtin() -> None:
    global _builtin_loaded
    if not _builtin_loaded:
        # The flag is set only once the rules are defined: a second request thread arriving meanwhile waits
        # on the import lock instead of finding half of them ("rule 'password_policy' is not defined").
        from . import builtin  # noqa: F401  (defines the core rules)
        _builtin_loaded = True


def get_definition(key: str) -> RuleDefinition:
    _ensure_builtin()
    try:
        return _RULES[key]
    except KeyError:
        raise UnknownRule(f"rule {key!r} is not defined") from None


def definitions() -> list[RuleDefinition]:
    """Every defined rule, by category then key."""
    _ensure_builtin()
    position = {key: i for i, key in enumerate(_RULES)}

    def order(d: RuleDefinition):
        rank = CATEGORY_ORDER.index(d.category) if d.category in CATEGORY_ORDER else len(CATEGORY_ORDER)
        return (rank, d.category, position[d.key])

    return sorted(_RULES.values(), key=order)


def diff_values(definition: RuleDefinition, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Japanese lines describing what changed from ``old`` to ``new`` (every value when ``old`` is None)."""
    lines = []
    for f in definition.fields:
        before, after = (old or {}).get(f.name), new.get(f.name)
        if isinstance(f, TableField):
            before, after = before or {}, after or {}
            for name in after:
                row = after[name]
                label = row.get("label", name)
                if name not in before:
                    lines.append(f"{f.label}「{label}」を追加: " + "、".join(f"{c} {t}" for c, t in f.format_row(row)))
                    continue
                for column in f.columns:
                    if before[name].get(column.name) != row.get(column.name):
                        lines.append(f"{f.label}「{label}」の{column.label}: {column.format(before[name].get(column.name))}"
                                     f" → {column.format(row.get(column.name))}")
            lines += [f"{f.label}「{before[name].get('label', name)}」を削除" for name in before if name not in after]
        elif old is None:
            lines.append(f"{f.label}: {f.format(after)}")
        elif before != after:
            lines.append(f"{f.label}: {f.format(before)} → {f.format(after)}")
    return lines
