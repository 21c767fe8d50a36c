"""Who may do what with a 説明請求 (SPEC GR4, NF5): the contractor files and re-files for its own firm's notified works
on the applicant page; the contract section records paper requests, answers, takes the 再説明請求 to the committee
and records its answer; the works department (工事担当課) and viewers follow their works' requests but answer
nothing."""

from __future__ import annotations

from bidding.cases.permissions import is_contract_section
from core.auth.roles import Role

from ..works.permissions import is_works_department, sees_every_work

#: Roles that may open the staff screens of requests (each request narrows further by department).
STAFF_ROLES = (Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.VIEWER)
APPLICANT_ROLES = (Role.APPLICANT,)


def can_view_request(user, request) -> bool:
    return sees_every_work(user) or is_works_department(user, request.work)


def can_handle_requests(user) -> bool:
    """Paper requests, answers and the committee's steps: the contract section only."""
    return is_contract_section(user)


def can_file_for(user, firm, work) -> bool:
    """The applicant files (and re-files) only for their own firm's notified works (``firm``: the login's firm)."""
    return (user is not None and user.is_authenticated and user.is_active and user.has_role(Role.APPLICANT)
            and firm is not None and work.contractor_id == firm.id)
