"""Who may read the grade database's statistics and feed the 主観点 (SPEC GR5, CM9, NF5).

The contract section, viewers and administrators see every work; department staff see their own department's
works only (the queries apply ``core.scope.restrict_to_department``). Graders and inspectors have their own
screens. The 主観点 is written into the registry by the contract section (who keeps the registry).
"""

from __future__ import annotations

from bidding.cases.permissions import is_contract_section
from core.auth.roles import Role

#: Staff who read the statistics (department staff within their department).
VIEW_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.VIEWER, Role.DEPARTMENT_STAFF)
#: The contract section: feeds the 主観点 into the registry.
FEED_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_statistics(user) -> bool:
    return _active(user) and user.has_role(*VIEW_ROLES)


def can_feed_points(user) -> bool:
    return is_contract_section(user)


def sees_every_department(user) -> bool:
    """Figures of every department (else the user's own department's works only)."""
    return _active(user) and user.sees_all_departments
