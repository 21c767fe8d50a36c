"""The side menu: items registered by the app factory, filtered by the user's roles (SPEC NF5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request, url_for

from core.auth.roles import Role


@dataclass(frozen=True)
class MenuItem:
    group: str
    label: str
    endpoint: str
    roles: frozenset[Role]
    #: Other endpoints under which this item shows as current (detail pages of a list).
    also_current: tuple[str, ...] = field(default=())


_ITEMS: list[MenuItem] = []
#: Groups in the order staff use them: daily work first, administration and personal settings last.
GROUP_ORDER = ("メニュー", "申請手続", "業者登録", "入札・契約", "工事成績評定", "帳票", "システム管理", "個人設定")


_HOMES: dict[Role, str] = {}


def register_home(role: Role, endpoint: str) -> None:
    """The start page of users holding only ``role`` (applicants land on the portal, not the staff home)."""
    _HOMES[role] = endpoint


def home_for(user) -> str | None:
    roles = user.roles
    if len(roles) == 1:
        return _HOMES.get(next(iter(roles)))
    return None


def register(group: str, label: str, endpoint: str, roles, also_current=()) -> None:
    if any(item.endpoint == endpoint for item in _ITEMS):
        return
    _ITEMS.append(MenuItem(group, label, endpoint, frozenset(roles), tuple(also_current)))


def menu_for(user) -> list[tuple[str, list[dict]]]:
    """Groups in registration order, each with the items the user's roles allow."""
    groups: dict[str, list[dict]] = {}
    current = request.endpoint if request else None
    for item in _ITEMS:
        if not user.has_role(*item.roles):
            continue
        groups.setdefault(item.group, []).append({
            "label": item.label,
            "url": url_for(item.endpoint),
            "current": current == item.endpoint or current in item.also_current,
        })
    rank = {name: i for i, name in enumerate(GROUP_ORDER)}
    return sorted(groups.items(), key=lambda kv: rank.get(kv[0], len(GROUP_ORDER)))
