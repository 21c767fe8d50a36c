"""Inspection services (SPEC CM6): assign an inspection to an 検査員, record its result (only the assigned 検査員),
re-inspect after 手直し; a passed 完成検査 completes the contract and the case."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bidding.cases.services import case_snapshot
from bidding.contracts.events import contract_completed
from bidding.contracts.models import Contract
from bidding.contracts.services import contract_snapshot
from core.audit.queries import register_operations
from core.auth.models import User
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date

from .models import KINDS, RESULTS, Inspection
from .permissions import can_assign_inspection, can_record_inspection, is_inspector


def inspection_snapshot(i: Inspection) -> dict:
    return {"contract": i.contract.number if i.contract else i.contract_id, "kind": i.kind,
            "inspector": i.inspector.name if i.inspector else i.inspector_id,
            "scheduled_on": i.scheduled_on.isoformat() if i.scheduled_on else None,
            "inspected_on": i.inspected_on.isoformat() if i.inspected_on else None, "result": i.result,
            "fix_deadline": i.fix_deadline.isoformat() if i.fix_deadline else None, "remarks": i.remarks,
            "recognised_amount": i.recognised_amount}


def register_labels() -> None:
    register_fields("inspections", {
        "contract": "契約", "kind": "検査の種類", "inspector": "検査員", "scheduled_on": "検査予定日", "inspected_on": "検査日",
        "result": "結果", "fix_deadline": "手直しの期限", "remarks": "所見", "recognised_amount": "既済部分の額"},
        {"kind": lambda v: KINDS.get(v, v), "result": lambda v: RESULTS.get(v, v)},
        snapshot=(Inspection, inspection_snapshot))
    register_operations({"inspection.assign": "検査員の指定", "inspection.record": "検査の結果の記録"},
                        {"inspections": "検査"})


def assign_inspection(session: Session, actor, contract: Contract, *, kind: str, inspector: User | None,
                      scheduled_on: date | None, reinspection_of: Inspection | None = None) -> Inspection:
    """Assign an inspection of ``kind`` to an 検査員 (a 手直し re-inspection names the first)."""
    require(can_assign_inspection(actor), "検査員の指定は契約課の職員が行います。")
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = ["検査の種類を選んでください。"]
    if inspector is None or not is_inspector(inspector):
        errors["inspector_id"] = ["検査員の役割を持つ職員を選んでください。"]
    if contract.state != "active":
        errors.setdefault("kind", []).append(f"「{contract.state_label}」の契約は検査できません。")
    if kind == "final" and contract.completion_reported_on is None:
        errors.setdefault("kind", []).append("完成検査は完成届を受け付けてから指定します。")
    if reinspection_of is not None and (reinspection_of.contract_id != contract.id or reinspection_of.result != "fix"):
        errors.setdefault("kind", []).append("再検査は、同じ契約の手直しとなった検査に続けて指定します。")
    if errors:
        raise ValidationFailed(errors)
    inspection = Inspection(contract=contract, kind=kind, inspector=inspector, scheduled_on=scheduled_on,
                            reinspection_of=reinspection_of)
    session.add(inspection)
    session.flush()
    record_change(session, actor, "inspection.assign", f"{inspection.kind_label}の検査員を指定: {contract.number} "
                  f"{inspector.name}", target=inspection, before=None, after=inspection_snapshot(inspection),
                  details={"contract_id": contract.id})
    return inspection


def record_result(session: Session, actor, inspection: Inspection, *, inspected_on: date | None, result: str,
                  remarks: str | None = None, fix_deadline: date | None = None,
                  recognised_amount: int | None = None) -> Inspection:
    """The assigned 検査員 records the result; a passed 完成検査 completes the contract and the case.

    :raises PermissionDenied: not the assigned 検査員.
    :raises ValidationFailed: before the 完成届 (完成検査), 手直し without a deadline, an amount above the contract.
    """
    require(can_record_inspection(actor, inspection), "この検査の結果は、指定された検査員だけが記録できます。")
    contract = inspection.contract
    errors: dict[str, list[str]] = {}
    if inspection.result is not None:
        raise ValidationFailed("この検査の結果は記録済みです（手直しのときは再検査を指定します）。")
    if result not in RESULTS:
        errors["result"] = ["結果を選んでください。"]
    if inspected_on is None:
        errors["inspected_on"] = ["検査日を入力してください。"]
    elif inspection.kind == "final" and contract.completion_reported_on and inspected_on < contract.completion_reported_on:
        errors["inspected_on"] = [f"完成検査の日は完成届の日（{format_date(contract.completion_reported_on)}）以後にして"
                                  "ください。"]
    elif inspected_on < contract.work_from:
        errors["inspected_on"] = ["検査日が工期の始期より前です。"]
    if result == "fix" and (fix_deadline is None or (inspected_on and fix_deadline <= inspected_on)):
        errors["fix_deadline"] = ["手直しの期限を検査日より後の日で入力してください。"]
    if inspection.kind == "partial":
        if recognised_amount is None or not 0 <= recognised_amount <= contract.current_amount:
            errors["recognised_amount"] = [f"既済部分の額を 0〜{contract.current_amount:,} 円で入力してください。"]
    if errors:
        raise ValidationFailed(errors)
    before = inspection_snapshot(inspection)
    inspection.inspected_on, inspection.result = inspected_on, result
    inspection.remarks = (remarks or "").strip() or None
    inspection.fix_deadline = fix_deadline if result == "fix" else None
    inspection.recognised_amount = recognised_amount if inspection.kind == "partial" else None
    session.flush()
    record_change(session, actor, "inspection.record", f"{inspection.kind_label}: {contract.number} "
                  f"{inspection.result_label}", target=inspection, before=before, after=inspection_snapshot(inspection),
                  details={"contract_id": contract.id})
    if inspection.kind == "final" and result == "pass":
        _complete(session, actor, contract, inspection)
    return inspection


def _complete(session: Session, actor, contract: Contract, inspection: Inspection) -> None:
    """The contract and its case are complete; packages built on contracts (grading) hear of it."""
    day = inspection.inspected_on
    before, case_before = contract_snapshot(contract), case_snapshot(contract.case)
    contract.state, contract.completed_on = "completed", day
    contract.case.transition("complete")
    session.flush()
    record_change(session, actor, "inspection.record", f"完成: {contract.number}（完成検査 合格）", target=contract,
                  before=before, after=contract_snapshot(contract))
    record_change(session, actor, "inspection.record", f"完成: {contract.case.number}", target=contract.case,
                  before=case_before, after=case_snapshot(contract.case))
    contract_completed.send(contract, session=session, actor=actor, inspection=inspection)
