"""Department sweep (DESIGN "Scope"): every route that shows or changes one record either refuses another
department's record (404, as a missing one) or is declared city-wide here with the reason.

A package adding a department-scoped record (a tender case of 担当課, a contract, a grade sheet) adds its
routes to ``SCOPED_ROUTES``: a factory making a record owned by a department, returning the URL arguments.
A route with a record id in its URL that is in neither table fails ``test_every_record_route_is_classified``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.routing import IntegerConverter

from core.auth.roles import Role
from core.errors import NotFound
from core.scope import in_scope, require_in_scope

#: Endpoint prefixes whose records belong to no department, with the reason.
CITY_WIDE = {
    "registry.": "the contractor registry and the applications are kept by the contract section for every department",
    "portal.": "an applicant's own application: scoped by the applicant account (tests/registry/test_application_views)",
    "admin.": "users and departments are managed by the system administrator across departments",
    "audit.": "the operation log is read by the system administrator only",
    "rules.": "versioned rules and holidays are city-wide settings",
    "imports.": "import batches are run by the system administrator",
    "exports.econtract_bundle": "the contract section's only (roles), who see every department's contracts",
    "bidding.inspections.inspection_": "an inspection is scoped by its assigned 検査員, not by department "
                                       "(tests/bidding/inspections/test_inspection_views.py)",
    "portal.grading.": "a firm's own notified works: scoped by the applicant account's firm "
                       "(tests/grading/test_notice_views.py)",
    "grading.statistics.contractor": "a firm belongs to no department; its statistics page counts only the works of "
                                     "the viewer's department (tests/grading/test_statistics_views.py)",
}


def _tender_case(session, department) -> dict:
    """A draft case of ``department`` (inserted directly: the sweep tests scope, not the case services)."""
    from datetime import date

    from bidding.cases.models import TenderCase

    case = TenderCase(number=f"SWEEP-{department.code}", fiscal_year=2026, name="掃引用の案件", department=department,
                      category="construction", work_type_code="010", method="nominated", drafted_on=date(2026, 5, 1),
                      cost_breakdown={})
    session.add(case)
    session.flush()
    return {"case_id": case.id}


def _case_charge(session, department) -> dict:
    """A draft case of ``department`` charged to a budget line of that department."""
    from bidding.budget.models import BudgetLine
    from bidding.cases.models import CaseBudgetCharge

    args = _tender_case(session, department)
    line = BudgetLine(fiscal_year=2026, account_code="01", chapter_code="08", section_code="01", item_code="01",
                      subitem_code="14", department=department, current_amount=10, executed_amount=0, remaining_amount=10)
    charge = CaseBudgetCharge(case_id=args["case_id"], line=line, amount=5)
    session.add(charge)
    session.flush()
    return {**args, "charge_id": charge.id}


def _case_bid(session, department) -> dict:
    """A bid of round 1 of a case of ``department``."""
    from datetime import datetime

    from bidding.bids.models import Bid, BidRound
    from registry.contractors.models import Contractor

    args = _tender_case(session, department)
    firm = Contractor(number=f"SB{department.code}", name="掃引用の入札者", search_key="掃引用の入札者",
                      legal_form="corporation")
    bid = Bid(round=BidRound(case_id=args["case_id"], number=1), case_id=args["case_id"], contractor=firm,
              amount=1_000, received_at=datetime(2026, 5, 1, 10, 0))
    session.add(bid)
    session.flush()
    return {**args, "bid_id": bid.id}


def _case_award(session, department) -> dict:
    """An award (candidate) on a case of ``department``."""
    from datetime import date

    from bidding.bids.models import Award, Bid

    args = _case_bid(session, department)
    bid = session.get(Bid, args["bid_id"])
    award = Award(case_id=args["case_id"], bid=bid, contractor=bid.contractor, state="candidate", amount=1_000,
                  amount_with_tax=1_100, decided_on=date(2026, 5, 1))
    session.add(award)
    session.flush()
    return {"case_id": args["case_id"], "award_id": award.id}


def _case_payment(session, department) -> dict:
    """A claim on the contract of an awarded case of ``department``."""
    from datetime import date

    from bidding.contracts.models import Contract, Payment

    args = _case_award(session, department)
    from bidding.bids.models import Award

    award = session.get(Award, args["award_id"])
    contract = Contract(number=f"SWK-{department.code}", case_id=args["case_id"], award=award,
                        contractor=award.contractor, contract_date=date(2026, 6, 1), amount=1_100, tax_amount=100,
                        work_from=date(2026, 6, 1), work_to=date(2026, 9, 1), guarantee_method="exempt",
                        guarantee_exempt_reason="少額", document_kind="acceptance")
    payment = Payment(contract=contract, kind="partial", amount=100, claimed_on=date(2026, 7, 1),
                      due_on=date(2026, 7, 31))
    session.add(payment)
    session.flush()
    return {"case_id": args["case_id"], "payment_id": payment.id}


def _case_change(session, department) -> dict:
    """A change contract (第1回) of a case of ``department``."""
    from datetime import date

    from bidding.contracts.models import ContractChange, Payment

    args = _case_payment(session, department)
    contract = session.get(Payment, args["payment_id"]).contract
    session.add(ContractChange(contract=contract, seq=1, changed_on=date(2026, 8, 1), reason="掃引", amount_before=1_100,
                               amount_after=1_210, tax_after=110, work_to_before=date(2026, 9, 1),
                               work_to_after=date(2026, 9, 30)))
    session.flush()
    return {"case_id": args["case_id"], "seq": 1}


def _case_participant(session, department) -> dict:
    """A firm on a draft case of ``department``."""
    from bidding.nominations.models import CaseParticipant
    from registry.contractors.models import Contractor

    args = _tender_case(session, department)
    firm = Contractor(number=f"SW{department.code}", name="掃引用の業者", search_key="掃引用の業者", legal_form="corporation")
    session.add(CaseParticipant(case_id=args["case_id"], contractor=firm, kind="nominated", status="picked"))
    session.flush()
    return {**args, "participant_id": session.query(CaseParticipant.id).filter_by(contractor_id=firm.id).scalar()}


def _budget_line(session, department) -> dict:
    from tests.bidding.budget.conftest import make_line

    return {"line_id": make_line(session, department).id}


def _graded_work(session, department, state: str = "entering") -> dict:
    """A graded work of ``department`` with its 主任監督員 (a member of it) and a 法令遵守等 deduction; a settled or
    notified one carries its score."""
    from datetime import date
    from decimal import Decimal

    from core.auth.models import User, UserRole
    from grading.works.models import GradeDeduction, GradedWork, GraderAssignment
    from registry.contractors.models import Contractor

    firm = Contractor(number=f"SG{department.code}", name="掃引用の受注者", search_key="掃引用の受注者",
                      legal_form="corporation")
    settled = state in ("settled", "notified")
    grader = User(login_id=f"sweep-chief-{department.code}", name="掃引 主任", department=department,
                  role_rows=[UserRole(role=Role.DEPARTMENT_STAFF.value)])
    work = GradedWork(contract_number=f"SWG-{department.code}", name="掃引用の評定", contractor=firm,
                      department=department, work_type_code="010", contract_amount=10_000_000,
                      completed_on=date(2026, 6, 1), fiscal_year=2026, grading_table="simple", state=state,
                      source="system", due_on=date(2026, 6, 15), weighted=Decimal("80.0") if settled else None,
                      final_score=Decimal(80) if settled else None,
                      notified_on=date(2026, 12, 7) if state == "notified" else None)
    work.assignments.append(GraderAssignment(role="chief", seq=1, user=grader,
                                             state="submitted" if settled else "draft"))
    work.deductions.append(GradeDeduction(kind="oral_warning", label="口頭注意", points=5, decided_on=date(2026, 6, 2)))
    session.add(work)
    session.flush()
    return {"work_id": work.id}


def _explanation(session, department) -> dict:
    """A 説明請求 received on a notified work of ``department``."""
    from datetime import date

    from grading.explanations.models import ExplanationRequest

    args = _graded_work(session, department, "notified")
    request = ExplanationRequest(work_id=args["work_id"], state="received", channel="paper", filed_on=date(2026, 12, 8),
                                 content="掃引", answer_due=date(2026, 12, 22))
    session.add(request)
    session.flush()
    return {"request_id": request.id}


def _graded_work_role(session, department) -> dict:
    return {**_graded_work(session, department), "role": "chief"}


def _graded_sheet(session, department) -> dict:
    return {**_graded_work_role(session, department), "seq": 1}


def _graded_deduction(session, department) -> dict:
    from grading.works.models import GradedWork

    args = _graded_work(session, department)
    return {**args, "deduction_id": session.get(GradedWork, args["work_id"]).deductions[0].id}


#: endpoint → factory(session, department) → URL arguments of a record owned by ``department``.
SCOPED_ROUTES: dict[str, Callable] = {
    **{f"bidding.cases.{name}": _tender_case for name in (
        "case_detail", "case_edit", "case_history", "case_prices", "case_prices_save", "case_approve", "case_publish",
        "case_close", "case_charge_add",
        "case_withdraw_approval", "case_cancel", "case_retender")},
    **{f"bidding.nominations.{name}": _tender_case for name in (
        "case_nominations", "case_nominations_pick", "case_nominations_notify", "case_nominations_apply",
        "case_nominations_sweep")},
    "bidding.cases.case_charge_remove": _case_charge,
    **{f"bidding.bids.{name}": _tender_case for name in (
        "case_bids", "case_bid_record", "case_bids_open", "case_bids_lot", "case_bids_rebid", "case_bids_fail",
        "case_bids_award")},
    **{f"bidding.bids.{name}": _case_award for name in ("case_award_confirm", "case_award_undo")},
    "bidding.bids.case_bid_survey": _case_bid,
    "bidding.bids.case_bid_tech": _case_bid,
    **{f"bidding.contracts.{name}": _tender_case for name in (
        "case_contract", "case_contract_create", "case_contract_approve", "case_contract_change",
        "case_contract_completion", "case_contract_payment")},
    "bidding.contracts.case_contract_paid": _case_payment,
    "bidding.contracts.case_contract_change_approve": _case_change,
    "bidding.inspections.case_inspection_assign": _tender_case,
    **{f"bidding.nominations.{name}": _case_participant for name in (
        "case_nominations_unpick", "case_nominations_review")},
    "bidding.budget.line_detail": _budget_line,
    "bidding.budget.line_history": _budget_line,
    **{f"grading.notices.{name}": lambda session, department: _graded_work(session, department, "settled")
       for name in ("notice_detail", "notice_notify")},
    "grading.explanations.request_file": lambda session, department: _graded_work(session, department, "notified"),
    **{f"grading.explanations.{name}": _explanation for name in (
        "request_detail", "request_answer", "request_re_request", "request_committee", "request_correct",
        "request_decide")},
    **{f"grading.works.{name}": _graded_work for name in (
        "work_detail", "work_history", "deduction_add", "work_settle", "sheet_return")},
    "grading.works.work_assign": _graded_work_role,
    "grading.works.deduction_remove": _graded_deduction,
    "grading.works.sheet": _graded_sheet,
    "grading.works.sheet_correct": _graded_sheet,
}


def _record_routes(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(conv, IntegerConverter) for conv in rule._converters.values()):
            yield rule


def test_every_record_route_is_classified(app):
    unclassified = sorted({rule.endpoint for rule in _record_routes(app)
                           if rule.endpoint not in SCOPED_ROUTES and not rule.endpoint.startswith(tuple(CITY_WIDE))})
    assert unclassified == [], "add these routes to SCOPED_ROUTES (or CITY_WIDE with the reason)"


@pytest.mark.parametrize("endpoint", sorted(SCOPED_ROUTES))
def test_scoped_routes_refuse_another_department(app, db_session, endpoint, create_department, create_user, login_as):
    from flask import url_for

    own, other = create_department(), create_department()
    args = SCOPED_ROUTES[endpoint](db_session, own)
    with app.test_request_context():
        url = url_for(endpoint, **args)
        methods = app.url_map._rules_by_endpoint[endpoint][0].methods
    method = "GET" if "GET" in methods else "POST"  # a step's button posts; another department's case is 404
    outsider = login_as(create_user(Role.DEPARTMENT_STAFF, department=other))
    insider = login_as(create_user(Role.DEPARTMENT_STAFF, department=own))
    assert outsider.open(url, method=method).status_code == 404
    assert insider.open(url, method=method).status_code != 404


def test_scope_helpers(create_user, create_department):
    own, other = create_department(), create_department()
    staff = create_user(Role.DEPARTMENT_STAFF, department=own)
    contract = create_user(Role.CONTRACT_STAFF)
    assert in_scope(staff, own.id) and not in_scope(staff, other.id) and not in_scope(staff, None)
    assert in_scope(contract, other.id) and in_scope(contract, None)
    require_in_scope(staff, own.id)
    with pytest.raises(NotFound):
        require_in_scope(staff, other.id)
