"""Who may confirm ranks (格付の確定): the registry's editors."""

from __future__ import annotations

from registry.permissions import can_edit_registry


def can_confirm_ranks(user) -> bool:
    return can_edit_registry(user)
