"""Who may do what with a graded work (SPEC GR1, NF5): a grader sees and grades only the works assigned to them and
only their own sheet; the works department (工事担当課) assigns its 主任監督員 and 総括監督員 and follows its works'
progress; the contract section sees every work, notifies and corrects; the settler is the 総括監督員 (or the
contract section, by the ``grading.scope`` rule)."""

from __future__ import annotations

from bidding.cases.permissions import is_contract_section
from core.auth.roles import Role

#: Roles that may open the grading screens at all (each screen narrows further).
GRADING_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER)
#: Roles of the 主任監督員 and 総括監督員 (staff of the works department).
SUPERVISOR_ROLES = (Role.DEPARTMENT_STAFF,)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_assigned(user, work) -> bool:
    return _active(user) and any(a.user_id == user.id for a in work.assignments)


def is_works_department(user, work) -> bool:
    """Staff of the department that ran the work (they assign its 監督員 and follow its progress)."""
    return (_active(user) and user.has_role(Role.DEPARTMENT_STAFF) and user.department_id is not None
            and user.department_id == work.department_id)


def sees_every_work(user) -> bool:
    return _active(user) and user.has_role(Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.VIEWER)


def can_view_work(user, work) -> bool:
    return sees_every_work(user) or is_works_department(user, work) or is_assigned(user, work)


def can_assign_graders(user, work) -> bool:
    """The contract section or the works department, until the work is settled."""
    return not work.is_settled and (is_contract_section(user) or is_works_department(user, work))


def can_grade(user, assignment) -> bool:
    """Only the grader themself, on their own sheet, before it is submitted and the work settled."""
    return (_active(user) and assignment.user_id == user.id and assignment.state != "submitted"
            and not assignment.work.is_settled)


def can_view_sheet(user, assignment) -> bool:
    """Their own sheet; once submitted, the settler's and the contract section's (and viewers')."""
    if _active(user) and assignment.user_id == user.id:
        return True
    return assignment.state == "submitted" and (sees_every_work(user) or is_settler(user, assignment.work))


def is_settler(user, work, settled_by: str = "general") -> bool:
    """The one who settles a work: its 総括監督員 (default) or the contract section (``settled_by`` of the rule)."""
    if settled_by == "contract":
        return is_contract_section(user)
    general = work.assignment("general")
    return _active(user) and general is not None and general.user_id == user.id


def can_record_deduction(user, work) -> bool:
    """法令遵守等 is the 総括監督員's item; the contract section records sanctions decided later."""
    return is_contract_section(user) or is_settler(user, work)


def can_notify(user, work) -> bool:
    return is_contract_section(user)


def can_correct(user, work) -> bool:
    return is_contract_section(user) and work.is_settled


def can_view_scores(user, work, settled_by: str = "general") -> bool:
    """Every grader's score at once (the breakdown's lines, the work's history): those who see every submitted
    sheet — the contract section, viewers and the settler."""
    return sees_every_work(user) or is_settler(user, work, settled_by)
