"""Who may use the price calculator (SPEC NF5): staff who prepare or check tender cases. It shows the rules in
force and writes nothing, so it is not scoped by department."""

from __future__ import annotations

from core.auth.roles import Role

CALCULATOR_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF)


def can_use_price_calculator(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_role(*CALCULATOR_ROLES))
