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
    _state(app).pop("built", None)


def menu_for(user) -> list[tuple[str, list[dict]]]:
    """Groups in registration order, each with the items the user's roles allow.

    The groups and URLs of a set of roles are built once per app and URL root (every page shows the menu, and
    building it with ``url_for`` per item cost a list page about a tenth of its time); only the current item
    is marked per request."""
    current = request.endpoint if request else None
    state = _state(current_app)
    key = (frozenset(user.roles), request.script_root if request else "")
    built = state.setdefault("built", {}).get(key)
    if built is None:
        built = state["built"][key] = _build(state, key[0])
    return [(group, [{"label": label, "url": url, "current": current in endpoints} for label, url, endpoints in items])
            for group, items in built]


def _build(state: dict, roles: frozenset) -> list[tuple[str, list[tuple[str, str, frozenset]]]]:
    groups: dict[str, list] = {}
    for item in state["items"]:
        if not roles.intersection(item.roles):
            continue
        groups.setdefault(item.group, []).append(
            (item.label, url_for(item.endpoint), frozenset((item.endpoint, *item.also_current))))
    rank = state["groups"]
    return sorted(groups.items(), key=lambda kv: rank.get(kv[0], 50))
