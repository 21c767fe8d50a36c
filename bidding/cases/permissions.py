"""Who may see and change tender cases (SPEC NF5, DESIGN "Scope").

The contract section (契約課) handles every case; a works department's staff (工事担当課) create and edit their
own department's cases until 決裁; viewers and inspectors read within their scope. Scope is one rule,
``core.scope.in_scope`` (roles spanning departments see all); another department's case answers 404.
"""

from __future__ import annotations

from core.auth.roles import Role
from core.scope import in_scope

#: Staff who read cases (within their department scope).
VIEW_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER)
#: Staff who draft cases: the contract section for all, department staff for their own department.
DRAFT_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF)
#: The contract section: records 決裁, publishes, nominates, closes and cancels.
MANAGE_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_contract_section(user) -> bool:
    return _active(user) and user.has_role(*MANAGE_ROLES)


def can_view_case(user, case) -> bool:
    return _active(user) and user.has_role(*VIEW_ROLES) and in_scope(user, case.department_id)


def can_create_case(user, department_id: int | None = None) -> bool:
    """May draft a case (of ``department_id`` when given): the contract section for any department, department
    staff for their own."""
    if is_contract_section(user):
        return True
    if not (_active(user) and user.has_role(Role.DEPARTMENT_STAFF)) or user.department_id is None:
        return False
    return department_id is None or department_id == user.department_id


def can_edit_case(user, case) -> bool:
    """May change the content: while the case is an unapproved draft, by its drafters in scope."""
    return case.is_editable and can_view_case(user, case) and can_create_case(user, case.department_id)


def can_manage_case(user, case) -> bool:
    """May record 決裁, publish, nominate, close, cancel and re-tender (the contract section)."""
    return is_contract_section(user) and can_view_case(user, case)
