"""The 契約 tab of a case (make the contract, 決裁, change contracts, 完成届, 請求・支払) and the contract list."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bidding.bids.queries import current_award
from bidding.budget.queries import choice_label
from bidding.cases import queries as case_queries
from bidding.cases.permissions import DRAFT_ROLES, VIEW_ROLES, can_manage_case
from bidding.cases.tabs import case_tabs
from bidding.cases.views import get_case
from bidding.prices import tax_included
from core.audit.services import record_export
from core.db import db
from core.errors import NotFound, PermissionDenied
from core.formtools import JapaneseForm, choices
from core.pagination import parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import general_errors, transaction

from . import queries, services
from .exports import export_response, report_args
from .forms import ChangeForm, CompletionForm, ContractFilterForm, ContractForm, PaidForm, PaymentForm
from .models import Payment

bp = Blueprint("contracts", __name__)
TAB = "bidding.contracts.case_contract"


def _render(case, status: int = 200, **forms):
    contract = queries.contract_of_case(db.session, case.id)
    award = current_award(db.session, case.id)
    form = forms.get("contract_form")
    if form is None and contract is None and award is not None and award.state == "decided":
        day = today()
        form = ContractForm(formdata=None, contract_date=day, amount=tax_included(db.session, award.amount, day),
                            work_from=day, partial_payments=0)
    from bidding.inspections.views import AssignForm, contract_inspections, inspectors

    inspections = contract_inspections(db.session, contract.id) if contract else []
    assign_form = AssignForm(formdata=None, scheduled_on=today(), prefix="assign")
    assign_form.inspector_id.choices = choices([(0, "選んでください")] + inspectors(db.session))
    assign_form.reinspection_of.choices = choices([(0, "（再検査ではない）")] + [
        (i.id, f"{i.kind_label} {i.inspected_on:%Y-%m-%d}（手直し）") for i in inspections if i.result == "fix"])
    change_form = forms.get("change_form") or ChangeForm(formdata=None, changed_on=today())
    change_form.budget_line_id.choices = choices([(0, "選んでください")] + [
        (charge.budget_line_id, choice_label(charge.line)) for charge in case.charges])
    return render_template(
        "bidding/contracts/tab.html", case=case, tabs=case_tabs(case.id, TAB), contract=contract, award=award,
        inspections=inspections, assign_form=assign_form,
        may_manage=can_manage_case(current_user, case), contract_form=form,
        change_form=change_form,
        completion_form=forms.get("completion_form") or CompletionForm(formdata=None, reported_on=today()),
        payment_form=forms.get("payment_form") or PaymentForm(formdata=None, claimed_on=today()),
        paid_form=PaidForm(formdata=None, paid_on=today()), step_form=JapaneseForm(), today=today(),
        general_errors=general_errors()), status


@bp.route("/cases/<int:case_id>/contract")
@roles_required(*VIEW_ROLES)
def case_contract(case_id: int):
    """契約 tab: the contract with its current figures, the change chain and the payments."""
    return _render(get_case(case_id))


def _managed(case_id: int):
    case = get_case(case_id)
    if not can_manage_case(current_user, case):
        raise PermissionDenied("契約の事務は契約課の職員が行います。")
    return case


def _contract(case):
    contract = queries.contract_of_case(db.session, case.id)
    if contract is None:
        raise NotFound("この案件の契約はまだありません。")
    return contract


def _done(case, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for(TAB, case_id=case.id) + anchor)


@bp.route("/cases/<int:case_id>/contract/new", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_create(case_id: int):
    case = _managed(case_id)
    form = ContractForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            contract = services.create_contract(
                db.session, current_user, case, contract_date=form.contract_date.data, amount=form.amount.data,
                work_from=form.work_from.data, work_to=form.work_to.data, guarantee_method=form.guarantee_method.data,
                guarantee_amount=form.guarantee_amount.data, guarantee_exempt_reason=form.guarantee_exempt_reason.data,
                advance_amount=form.advance_amount.data, intermediate_allowed=bool(form.intermediate_allowed.data),
                advance_guarantee=form.advance_guarantee.data, partial_payments=form.partial_payments.data or 0,
                special_terms=form.special_terms.data)
        if tx.ok:
            return _done(case, f"契約を登録しました（契約番号 {contract.number}、{contract.amount:,} 円）。")
    return _render(case, 422, contract_form=form)


@bp.route("/cases/<int:case_id>/contract/approve", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_approve(case_id: int):
    case = _managed(case_id)
    form = JapaneseForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            services.approve_contract(db.session, current_user, _contract(case))
        if tx.ok:
            return _done(case, "契約の決裁を記録しました。")
    return _render(case, 422)


@bp.route("/cases/<int:case_id>/contract/changes", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_change(case_id: int):
    case = _managed(case_id)
    form = ChangeForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            change = services.change_contract(
                db.session, current_user, _contract(case), changed_on=form.changed_on.data, reason=form.reason.data,
                amount_after=form.amount_after.data, work_to_after=form.work_to_after.data,
                guideline_reason=form.guideline_reason.data, budget_line_id=form.budget_line_id.data or None)
        if tx.ok:
            return _done(case, f"第{change.seq}回変更契約を登録しました。", "#changes")
    return _render(case, 422, change_form=form)


@bp.route("/cases/<int:case_id>/contract/completion", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_completion(case_id: int):
    case = _managed(case_id)
    form = CompletionForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            services.report_completion(db.session, current_user, _contract(case), reported_on=form.reported_on.data)
        if tx.ok:
            return _done(case, "完成届を受け付けました。")
    return _render(case, 422, completion_form=form)


@bp.route("/cases/<int:case_id>/contract/payments", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_payment(case_id: int):
    case = _managed(case_id)
    form = PaymentForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            payment = services.claim_payment(db.session, current_user, _contract(case), kind=form.kind.data,
                                             amount=form.amount.data, claimed_on=form.claimed_on.data)
        if tx.ok:
            return _done(case, f"{payment.kind_label}の請求を受け付けました（支払期限 {payment.due_on:%Y-%m-%d}）。",
                         "#payments")
    return _render(case, 422, payment_form=form)


@bp.route("/cases/<int:case_id>/contract/payments/<int:payment_id>/paid", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_paid(case_id: int, payment_id: int):
    case = _managed(case_id)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.contract.case_id != case.id:
        raise NotFound("指定された請求は存在しません。")
    form = PaidForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            services.record_paid(db.session, current_user, payment, paid_on=form.paid_on.data)
        if tx.ok:
            return _done(case, "支払を記録しました。", "#payments")
    return _render(case, 422)


def _filters(form: ContractFilterForm) -> queries.ContractFilters:
    """The filters of the list from the form; a field with an error is left out (its message shows on the page)."""
    form.validate()

    def ok(field):
        return field.data if not field.errors else None

    return queries.ContractFilters(
        fiscal_year=ok(form.fiscal_year) or None, department_id=ok(form.department_id) or None,
        contractor=(ok(form.contractor) or "").strip() or None, date_from=ok(form.date_from),
        date_to=ok(form.date_to), amount_min=ok(form.amount_min), amount_max=ok(form.amount_max),
        state=form.state.data or None, approval=form.approval.data or None, changes=form.changes.data or None,
        overdue=bool(form.overdue.data), q=(ok(form.q) or "").strip() or None,
        sort=queries.sort_key(request.args.get("sort")))


@bp.route("/contracts")
@roles_required(*VIEW_ROLES)
def contract_list():
    """Contracts in the user's scope with filters (年度, 担当課, 契約者, 契約日, 契約金額, 状態, 決裁, 変更契約, 支払遅延,
    件名), sort, pages and CSV/Excel export of the filtered list; the claims past their deadline above it."""
    form = ContractFilterForm(request.args)
    form.fiscal_year.choices = choices([(0, "すべて")] + [(y, f"{y} 年度") for y in case_queries.fiscal_years(db.session)])
    form.department_id.choices = choices([(0, "すべて")] + case_queries.department_choices(db.session, current_user))
    filters = _filters(form)
    day = today()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        with transaction():
            record_export(db.session, current_user, "契約一覧", request.args.to_dict(),
                          file_format="Excel" if fmt == "xlsx" else "CSV")
        return export_response(db.session, queries.contract_list(current_user, filters, day), fmt)
    page = queries.contract_page(db.session, current_user, filters, day, parse_page(request.args.get("page")),
                                 current_app.config["PAGE_SIZE"])
    return render_template("bidding/contracts/list.html", page=page, filters=form, sort=filters.sort,
                           late=queries.late_payments(db.session, current_user, day),
                           all_departments=current_user.sees_all_departments,
                           report_args=report_args(db.session, form, filters))


@bp.route("/cases/<int:case_id>/contract/changes/<int:seq>/approve", methods=["POST"])
@roles_required(*DRAFT_ROLES)
def case_contract_change_approve(case_id: int, seq: int):
    """変更契約の決裁を記録."""
    case = _managed(case_id)
    contract = _contract(case)
    change = next((c for c in contract.changes if c.seq == seq), None)
    if change is None:
        raise NotFound("指定された変更契約は存在しません。")
    form = JapaneseForm()
    if form.validate_on_submit():
        with transaction(form, flash_errors=True) as tx:
            services.approve_change(db.session, current_user, change)
        if tx.ok:
            return _done(case, f"第{seq}回変更契約の決裁を記録しました。", "#changes")
    return _render(case, 422)
