"""Helpers shared by views that use forms."""

from __future__ import annotations

from core.errors import ValidationFailed


def apply_errors(form, exc: ValidationFailed) -> list[str]:
    """Copy service errors onto form fields; returns the messages that belong to no field."""
    general = []
    for field_name, messages in exc.errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is None or not hasattr(field, "errors"):
            general.extend(messages)
            continue
        field.errors = [*(field.errors or []), *messages]
    return general
