"""Who may register and lift suspensions: the registry's editors (the contract section)."""

from __future__ import annotations

from registry.permissions import can_edit_registry


def can_manage_suspensions(user) -> bool:
    return can_edit_registry(user)
