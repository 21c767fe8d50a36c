"""Roles and what each one may see (SPEC NF5: functions limited per role, data per department)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    SYSTEM_ADMIN = "system_admin"
    CONTRACT_STAFF = "contract_staff"
    DEPARTMENT_STAFF = "department_staff"
    INSPECTOR = "inspector"
    VIEWER = "viewer"
    APPLICANT = "applicant"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @classmethod
    def staff_roles(cls) -> tuple[Role, ...]:
        return tuple(r for r in cls if r is not cls.APPLICANT)


ROLE_LABELS = {
    Role.SYSTEM_ADMIN: "システム管理者",
    Role.CONTRACT_STAFF: "契約担当",
    Role.DEPARTMENT_STAFF: "工事担当課職員",
    Role.INSPECTOR: "検査員",
    Role.VIEWER: "閲覧者",
    Role.APPLICANT: "申請者",
}

ALL_ROLES = tuple(Role)
STAFF_ROLES = Role.staff_roles()

#: Roles whose data access spans every department; all others see their own department's records only.
CROSS_DEPARTMENT_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.VIEWER})
