"""Who may see and import 予算科目 (SPEC NF5): staff read the lines in their scope (``core.scope``: contract staff,
administrators and viewers every department; department staff and inspectors their own department's); the
contract section and administrators import them."""

from __future__ import annotations

from core.auth.roles import Role
from core.scope import in_scope

#: Staff who read budget lines (within their department scope).
VIEW_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER)
#: Staff who import the finance system's file.
IMPORT_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_budget(user) -> bool:
    return _active(user) and user.has_role(*VIEW_ROLES)


def can_view_budget_line(user, line) -> bool:
    """The role, and the line's 所管課 within the user's scope."""
    return can_view_budget(user) and in_scope(user, line.department_id)


def can_import_budget(user) -> bool:
    """``None`` is the command line (``flask import budget FILE``)."""
    return user is None or (_active(user) and user.has_role(*IMPORT_ROLES))
