"""Who may see and change the contractor registry (SPEC NF5): the role sets every registry package uses.

The registry is city-wide (no department scope): every ``VIEW_ROLES`` user sees every firm. Each aggregate
keeps its own ``can_<verb>_<noun>`` predicates in its ``permissions.py``, built on these two."""

from __future__ import annotations

from core.auth.roles import Role

#: Staff who read the registry (nominations, grading and inspections need the firms).
VIEW_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER)
#: The contract section keeps the registry.
EDIT_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_registry(user) -> bool:
    return _active(user) and user.has_role(*VIEW_ROLES)


def can_edit_registry(user) -> bool:
    return _active(user) and user.has_role(*EDIT_ROLES)
