"""Writes of the e-bid result import (SPEC CM8): what the e-bidding system decided, recorded as given.

A case that exists only in the e-bid system is registered 決裁済 and 開札済 (its 公告・指名通知 and 締切 happened
there); a case Keiyaku already holds is brought to 開札済 by its state machine; each round, participant and bid is
created or updated by (case, round, firm); the file's 落札 becomes the award, and a corrected file that names
another winner withdraws the earlier award with the reason. Keiyaku's own view of the results (the lowest valid
bid …) only warns (``import_review``): it never overrides the file.

Each write checks the actor (None: the command line, whose operator runs the import as the system) and keeps
history; bids, rounds and participants go through the import's ``BulkWriter`` (one flush per chunk of rows).
Nothing here commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from bidding.cases.models import NOMINATED_METHODS, CaseBudgetCharge, TenderCase
from bidding.cases.permissions import can_create_case, can_manage_case, is_contract_section
from bidding.cases.services import case_snapshot
from bidding.cases.validation import add_error, check_dates, check_prices, check_work_type, clean_values
from bidding.nominations.models import CaseParticipant
from bidding.nominations.services import participant_snapshot
from bidding.prices import tax_included
from core.audit.queries import register_operations
from core.auth.models import Department
from core.db import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.history import BulkWriter, record_change
from registry.contractors.models import Contractor

from .award import REASON_MAX, award_rate, award_snapshot
from .models import Award, Bid, BidRound
from .services import bid_snapshot

#: States of a case whose results may still arrive: before the opening (brought to 開札済), opened, awarded.
BEFORE_OPENING = frozenset({"published", "nominated", "closed"})
SOURCE = "電子入札システムの結果の取込"


def case_load_options() -> tuple:
    """Loader options for the cases an import writes: what ``case_snapshot`` reads, loaded with the cases (a lazy
    load in the middle of a chunk would flush the chunk's pending rows, once per case)."""
    return (undefer(TenderCase.cost_breakdown), selectinload(TenderCase.department),
            selectinload(TenderCase.approved_by), selectinload(TenderCase.retender_of),
            selectinload(TenderCase.charges).selectinload(CaseBudgetCharge.line))


def register_labels() -> None:
    register_operations({
        "case.import": "入札案件の登録（電子入札の結果の取込）", "case.import_open": "開札（電子入札の結果の取込）",
        "nomination.import": "入札参加者の登録（電子入札の結果の取込）", "bid.import": "入札の取込（電子入札）",
        "bid.import_award": "落札決定の取込（電子入札）", "bid.import_undo_award": "落札決定の取消（電子入札の結果の訂正）",
    })


def may_import(actor, case: TenderCase | None = None) -> bool:
    """The command line (no actor), or the contract section (for ``case``: within its scope)."""
    if actor is None:
        return True
    return can_manage_case(actor, case) if case is not None else is_contract_section(actor)


def _require(actor, case: TenderCase) -> None:
    require(may_import(actor, case), f"案件 {case.number} の入札結果を取り込む権限がありません（契約課の職員が行います）。")


# --- cases ----------------------------------------------------------------------------------------------

def case_problems(session: Session, values: dict, *, number: str, check_number: bool = True) -> dict[str, list[str]]:
    """Why a case could not be registered from ``values`` (the fields of ``cases.validation.EDITABLE``), checked by
    the cases' own rules: the dry run asks this, the commit's ``create_cases`` checks it again (``check_number``
    False: the caller looked the numbers up at once)."""
    errors: dict[str, list[str]] = {}
    if check_number and session.scalar(select(TenderCase.id).where(TenderCase.number == number)) is not None:
        add_error(errors, "number", f"案件番号 {number} の案件は既にあります。")
    cleaned = clean_values(session, dict(values), errors)
    case = TenderCase(**cleaned)  # transient: checked, never added
    if case.category and case.drafted_on and "category" not in errors:
        check_work_type(session, case.category, case.work_type_code, case.drafted_on, errors)
    if case.opening_at is None:
        add_error(errors, "opening_at", "開札日がありません。")
    check_dates(case, errors)
    if "floor_kind" not in errors:
        check_prices(case, errors)
    return errors


def create_cases(session: Session, actor, items: list[tuple[str, int, dict]]) -> dict[str, TenderCase]:
    """Register cases that exist only in the e-bid system (``items``: 案件番号, 年度, the case fields), under the
    file's numbers: 決裁済 (recorded by this import) and 開札済 through the state machine (公告 or 指名通知, 締切 and
    開札 happened in the e-bid system). One flush for all of them, then each one's history.

    :raises ValidationFailed: per field, by the cases' rules (``case_problems``), naming the case.
    """
    numbers = [number for number, _, _ in items]
    taken = set(session.scalars(select(TenderCase.number).where(TenderCase.number.in_(numbers))))
    cases: dict[str, TenderCase] = {}
    with session.no_autoflush:  # the pending bids are flushed once, with the cases
        for number, fiscal_year, values in items:
            require(actor is None or can_create_case(actor, values.get("department_id")),
                    f"案件 {number} の部署の案件を登録する権限がありません。")
            errors = case_problems(session, values, number=number, check_number=False)
            if number in taken:
                add_error(errors, "number", f"案件番号 {number} の案件は既にあります。")
            if errors:
                raise ValidationFailed({key: [f"案件 {number}: {m}" for m in messages] for key, messages in errors.items()})
            case = TenderCase(number=number, fiscal_year=fiscal_year, state="draft", approval="drafting",
                              cost_breakdown={}, charges=[], **clean_values(session, dict(values), {}))
            case.department = session.get(Department, case.department_id)
            case.approve(actor, utcnow())
            case.transition("nominate" if case.is_nominated_method else "publish")
            case.transition("close")
            case.transition("open_bids")
            session.add(case)
            cases[number] = case
    session.flush()
    for case in cases.values():
        record_change(session, actor, "case.import", f"入札案件を登録（{SOURCE}。決裁済・開札済として登録）: "
                      f"{case.number} {case.name}（{case.department.name}）", target=case, before=None,
                      after=case_snapshot(case))
    return cases


def open_case(writer: BulkWriter, case: TenderCase) -> TenderCase:
    """Bring a case whose results arrive (公告済・指名済・入札締切) to 開札済: 締切 and 開札 by the state machine."""
    _require(writer.actor, case)
    if case.state not in BEFORE_OPENING:
        raise InvalidTransition(f"「{case.state_label}」の案件は開札できません。")
    before = case_snapshot(case)
    if case.state != "closed":
        case.transition("close")
    case.transition("open_bids")
    writer.queue("case.import_open", f"開札（{SOURCE}）: {case.number} {case.name}", case, before, case_snapshot)
    return case


# --- rounds, participants and bids ----------------------------------------------------------------------

def import_round(writer: BulkWriter, case: TenderCase, number: int, *, opened_at: datetime,
                 floor_price: int | None) -> BidRound:
    """The case's round ``number`` (kept under ``(case id, number)``), made or marked opened as the file says.
    A round has no history of its own: its bids' history tells what was opened."""
    key = (case.id, number)
    bid_round = writer.get(BidRound, key)
    if bid_round is None:
        bid_round = writer.add(BidRound, key, BidRound(case_id=case.id, number=number, state="opened",
                                                       opened_at=opened_at, floor_price=floor_price))
    elif bid_round.state != "opened":
        bid_round.state, bid_round.opened_at, bid_round.floor_price = "opened", opened_at, floor_price
    return bid_round


def import_participant(writer: BulkWriter, case: TenderCase, contractor: Contractor) -> CaseParticipant:
    """A firm that bid in the e-bid system, as the case's participant: nominated (指名競争・随意契約) or an admitted
    applicant (一般競争), kept under ``(case id, contractor id)``."""
    _require(writer.actor, case)
    nominated = case.method in NOMINATED_METHODS
    participant = writer.add(CaseParticipant, (case.id, contractor.id), CaseParticipant(
        case=case, contractor=contractor, kind="nominated" if nominated else "applicant",
        status="nominated" if nominated else "admitted", decided_on=case.notice_on))
    writer.queue("nomination.import", f"入札参加者を登録（{SOURCE}）: {case.number} {contractor.number} {contractor.name}",
                 participant, None, participant_snapshot)
    return participant


#: The fields of a bid the file decides (``target`` of ``import_bid``).
BID_FIELDS = ("amount", "declined", "invalid_reason", "status", "survey_decision")


def import_bid(writer: BulkWriter, case: TenderCase, bid_round: BidRound, contractor: Contractor, target: dict,
               *, received_at: datetime) -> Bid:
    """Create or update the firm's bid of the round to ``target`` (``BID_FIELDS``: the e-bid system's result),
    kept under ``(case id, round number, contractor id)``; history only when something changed."""
    _require(writer.actor, case)
    key = (case.id, bid_round.number, contractor.id)
    bid = writer.get(Bid, key)
    if bid is None:
        bid = writer.add(Bid, key, Bid(round=bid_round, case_id=case.id, contractor=contractor, received_at=received_at,
                                       paper=False))
        before = None
    else:
        before = bid_snapshot(bid)
    for name in BID_FIELDS:
        if getattr(bid, name) != target[name]:
            setattr(bid, name, target[name])
    what = "辞退" if bid.declined else f"{bid.amount:,} 円" if bid.amount is not None else "金額なし"
    writer.queue("bid.import", f"入札を取込（電子入札）: {case.number} 第{bid_round.number}回 {contractor.number} "
                 f"{contractor.name} {what}", bid, before, bid_snapshot)
    return bid


# --- the award ------------------------------------------------------------------------------------------

def import_award(writer: BulkWriter, case: TenderCase, bid: Bid, *, decided_on: date) -> Award:
    """The e-bid system's 落札 as the case's award: with tax by the rule of ``decided_on`` and the 落札率 as
    ``award.award`` computes them; under 事後審査 the 落札候補者, as ``award.award`` names it. The award and
    the case's 落札決定 are written and recorded with the writer's next flush (one per chunk of cases)."""
    session = writer.session
    _require(writer.actor, case)
    if case.state != "opened":
        raise InvalidTransition(f"「{case.state_label}」の案件は落札決定できません（開札後に決定します）。")
    if bid.amount is None:
        raise ValidationFailed(f"{bid.contractor.name}の入札に金額がないため、落札者にできません。")
    candidate = case.method == "open_post_review"
    record = writer.add(Award, case.id, Award(
        case_id=case.id, bid=bid, contractor=bid.contractor, state="candidate" if candidate else "decided",
        amount=bid.amount, amount_with_tax=tax_included(session, bid.amount, decided_on),
        rate=award_rate(bid.amount, case.planned_price), decided_on=decided_on))
    what = "落札候補者" if candidate else "落札者"
    writer.queue("bid.import_award", f"{what}（{SOURCE}）: {case.number} {bid.contractor.name} {bid.amount:,} 円"
                 f"（落札率 {record.rate}%）", record, None, award_snapshot)
    if not candidate:
        before = case_snapshot(case)
        case.transition("award")
        writer.queue("bid.import_award", f"落札決定（{SOURCE}）: {case.number} {case.name}", case, before, case_snapshot)
    return record


def withdraw_award(session: Session, actor, record: Award, *, reason: str, on: date) -> Award:
    """Take back an award the e-bid system no longer gives (a corrected file), with the reason; the case returns
    to 開札済 as ``award.undo_award`` does."""
    case = session.get(TenderCase, record.case_id)
    _require(actor, case)
    if record.state == "undone":
        raise ValidationFailed("この落札決定は取消済みです。")
    before, case_before = award_snapshot(record), case_snapshot(case)
    if record.state == "decided":
        case.transition("undo_award")
    record.state, record.undo_reason, record.undone_on = "undone", reason[:REASON_MAX], on
    session.flush()
    record_change(session, actor, "bid.import_undo_award", f"落札決定の取消: {case.number} {record.contractor.name}"
                  f"（{record.undo_reason}）", target=record, before=before, after=award_snapshot(record),
                  details={"case_id": case.id})
    record_change(session, actor, "bid.import_undo_award", f"落札決定の取消: {case.number} {case.name}", target=case,
                  before=case_before, after=case_snapshot(case))
    return record
