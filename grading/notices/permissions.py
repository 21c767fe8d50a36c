"""Who sees the notices and the publication list (SPEC GR4, NF5). Notifying is ``works.permissions.can_notify`` (the
contract section); the works department and viewers follow the notices of the works they may see."""

from __future__ import annotations

from core.auth.roles import Role

from ..works.permissions import is_works_department, sees_every_work

#: 評定の通知: the contract section notifies; the works department and viewers look.
NOTICE_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.VIEWER)
#: 評定の公表: what the city publishes, for staff (department staff see their own department's works).
PUBLICATION_ROLES = NOTICE_ROLES


def can_view_notice(user, work) -> bool:
    """A settled or notified work of the system, for those who see it (another department's is not revealed)."""
    return (work.source == "system" and work.state in ("settled", "notified")
            and (sees_every_work(user) or is_works_department(user, work)))
