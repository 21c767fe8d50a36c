"""Who may change rules and the holiday calendar: system administrators only (SPEC NF5, CM13)."""

from __future__ import annotations

from core.auth.roles import Role


def _is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_role(Role.SYSTEM_ADMIN))


def can_manage_rules(user) -> bool:
    return _is_admin(user)


def can_manage_holidays(user) -> bool:
    return _is_admin(user)
