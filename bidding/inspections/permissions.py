"""Who may assign and record inspections: the contract section assigns an 検査員; only the assigned 検査員 records
the result; an inspector sees only the inspections (and their contracts) assigned to them."""

from __future__ import annotations

from bidding.cases.permissions import is_contract_section
from core.auth.roles import Role


def is_inspector(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_role(Role.INSPECTOR))


def can_assign_inspection(user) -> bool:
    return is_contract_section(user)


def can_record_inspection(user, inspection) -> bool:
    return is_inspector(user) and inspection.inspector_id == user.id


def can_view_inspection(user, inspection) -> bool:
    return is_contract_section(user) or can_record_inspection(user, inspection)
