"""The side menu: items registered by the app factory, filtered by the user's roles (SPEC NF5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, request, url_for

from core.auth.roles import Role


@dataclass(frozen=True)
class MenuItem:
    group: str
    label: str
    endpoint: str
    roles: frozenset[Role]
    #: Other endpoints under which this item shows as current (detail pages of a list).
    also_current: tuple[str, ...] = field(default=())




def _state(app: Flask) -> dict:
    """Each app keeps its own menu: the packages its factory wired (a portal-mode app has no staff items)."""
    return app.extensions.setdefault("keiyaku_menu", {"items": [], "homes": {}, "groups": {}})


def register_group(app: Flask, group: str, position: int) -> None:
    """Where a package's group shows: daily work first (small numbers), administration last (90 and up)."""
    _state(app)["groups"][group] = position


def register_home(app: Flask, role: Role, endpoint: str) -> None:
    """The start page of users holding only ``role`` (applicants land on the portal, not the staff home)."""
    _state(app)["homes"][role] = endpoint


def home_for(user) -> str | None:
    roles = user.roles
    if len(roles) == 1:
        return _state(current_app)["homes"].get(next(iter(roles)))
    return None


def register(app: Flask, group: str, label: str, endpoint: str, roles, also_current=()) -> None:
    items = _state(app)["items"]
    if any(item.endpoint == endpoint for item in items):
        raise ValueError(f"menu item for {endpoint} registered twice")
    items.append(MenuItem(group, label, endpoint, frozenset(roles), tuple(also_current)))


def menu_for(user) -> list[tuple[str, list[dict]]]:
    """Groups in registration order, each with the items the user's roles allow."""
    groups: dict[str, list[dict]] = {}
    current = request.endpoint if request else None
    for item in _state(current_app)["items"]:
        if not user.has_role(*item.roles):
            continue
        groups.setdefault(item.group, []).append({
            "label": item.label,
            "url": url_for(item.endpoint),
            "current": current == item.endpoint or current in item.also_current,
        })
    rank = _state(current_app)["groups"]
    return sorted(groups.items(), key=lambda kv: rank.get(kv[0], 50))
