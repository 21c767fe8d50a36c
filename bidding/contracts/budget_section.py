"""The change contracts charged to a budget line, on the line's detail page (SPEC CM5, CM7)."""

from __future__ import annotations

from flask import Flask

from core.scope import in_scope

from .commitments import changes_on_line


def line_changes(session, user, line) -> dict:
    """The line's change contracts the user may see (another department's are counted, not shown)."""
    rows = changes_on_line(session, line.id)
    visible = [(change, pending) for change, pending in rows if in_scope(user, change.contract.case.department_id)]
    return {"changes": visible, "hidden": len(rows) - len(visible)}


def register_budget_section(app: Flask) -> None:
    from bidding.budget.views import register_detail_section

    register_detail_section(app, "bidding/contracts/_line_changes.html", line_changes)
