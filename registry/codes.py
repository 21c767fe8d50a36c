"""Reading the registry's code lists and area rule (versioned settings) in a convenient shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.rules import get_rule
from core.rules.queries import cached_for_rules, shared_rule
from core.timefmt import today


@dataclass(frozen=True)
class WorkType:
    code: str
    category: str
    title: str
    graded: bool


def work_types(session: Session, on_date: date | None = None) -> dict[str, WorkType]:
    """業種・業務・営業品目 by code, from the code list in force on ``on_date`` (default: today).

    Built once while the rules stay the same (lists, forms and checks ask for it on every request); the dict is the
    caller's own, the ``WorkType`` items are immutable.
    """
    day = on_date or today()
    return dict(cached_for_rules(session, ("registry.work_types", day), lambda: _work_types(session, day)))


def _work_types(session: Session, day: date) -> dict[str, WorkType]:
    items = shared_rule(session, "registry.work_types", day)["items"]
    return {row["code"]: WorkType(row["code"], row["category"], row["title"], row["graded"]) for row in items.values()}


def derive_area(session: Session, address: str | None, on_date: date | None = None) -> str:
    """``city`` / ``near`` / ``outside`` from an address, by the ``registry.area`` rule."""
    return derive_area_by_rule(get_rule(session, "registry.area", on_date or today()), address)


def derive_area_by_rule(rule: dict, address: str | None) -> str:
    """The area of ``address`` by the values of a ``registry.area`` rule (imports load the rule once)."""
    text = address or ""
    if rule["city"] and rule["city"] in text:
        return "city"
    near = [n.strip() for n in (rule.get("near") or "").split("・") if n.strip()]
    if any(n in text for n in near):
        return "near"
    return "outside"


def work_type_options(session: Session, category: str | None = None, on_date: date | None = None
                      ) -> list[tuple[str, str]]:
    """(code, "code title") pairs for select boxes, by code; only ``category``'s when given."""
    day = on_date or today()
    return list(cached_for_rules(session, ("registry.work_type_options", day, category),
                                      lambda: tuple(_options(session, category, day))))


def work_type_choices(session: Session, category: str | None = None, blank: str = "すべて",
                      on_date: date | None = None) -> list:
    """``work_type_options`` as the choices of a select box (WTForms ``SelectChoice``), after a first choice
    ``blank`` with the empty value; built once while the rules stay the same (a list page sets them on every
    request)."""
    from core.formtools import choices

    day = on_date or today()
    return list(cached_for_rules(session, ("registry.work_type_choices", day, category, blank), lambda: tuple(
        choices([("", blank)] + work_type_options(session, category, day)))))


def _options(session: Session, category: str | None, day: date) -> list[tuple[str, str]]:
    return [(w.code, f"{w.code} {w.title}") for w in sorted(work_types(session, day).values(), key=lambda w: w.code)
            if category is None or w.category == category]
