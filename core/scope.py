"""Department scope (DESIGN "Scope"): which records a user may see by the department that owns them.

Queries apply ``restrict_to_department`` in the package's ``queries.py``; ``permissions.py`` and views check
one object with ``in_scope`` / ``require_in_scope``. Another department's object answers 404, as a missing one
does, so its existence is not revealed. Roles that span departments (system admin, contract staff, inspector,
viewer: ``User.sees_all_departments``) see everything; a department-bound user without a department sees
nothing. The department sweep (``tests/test_department_sweep.py``) proves every scoped route refuses another
department's object; a package adding a scoped route adds it there.
"""

from __future__ import annotations

from sqlalchemy import Select, false

from core.errors import NotFound


def restrict_to_department(stmt: Select, user, department_column) -> Select:
    """Filter a query to the user's own department unless a role of theirs spans all departments."""
    if user.sees_all_departments:
        return stmt
    if user.department_id is None:
        return stmt.where(false())
    return stmt.where(department_column == user.department_id)


def in_scope(user, department_id: int | None) -> bool:
    """Whether ``user`` may see a record owned by ``department_id`` (None: owned by no department)."""
    if user is None or not user.is_authenticated:
        return False
    if user.sees_all_departments:
        return True
    return department_id is not None and department_id == user.department_id


def require_in_scope(user, department_id: int | None) -> None:
    """Raise ``NotFound`` (404) for a record of another department."""
    if not in_scope(user, department_id):
        raise NotFound("指定されたデータは存在しません。")
