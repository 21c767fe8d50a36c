"""Eligibility of firms for a case (SPEC CM3): every firm registered for the case's category and 業種 in the
qualification period of the nomination date, each **eligible or with the reasons why not**.

One owner of "may this firm take part in this case": the nomination tab, the nomination service (an
ineligible pick needs an override), the review of applicants to an open tender and the later bids all call
``check_case``/``eligibility_rows``. The registry owns the rules it reads: 指名停止 on a day (JVs through their
members, ``registry.suspensions.queries``), 経審 in force (``registry.qualifications.keishin.queries``),
qualified technicians (``registry.qualifications.technicians.queries``), the 総合点 (``RegisteredWorkType``).

The list is one statement: registered 業種 rows joined to their firms, with the suspension, 経審 and
technician conditions as columns, so 7,000 firms cost one query, not one per firm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, func, literal, not_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, aliased

from bidding.cases.models import TenderCase
from core.jp import format_date
from registry.contractors.models import AREAS, STATUSES, Contractor
from registry.qualifications.keishin.queries import has_valid_keishin
from registry.qualifications.models import JVMember, RegisteredWorkType, Registration
from registry.qualifications.technicians.queries import has_qualified_technician
from registry.suspensions.queries import suspended_clause, suspensions_in_force

from .models import ACTIVE_STATUSES, CaseParticipant


@dataclass
class EligibilityRow:
    contractor_id: int
    number: str
    name: str
    area: str
    is_jv: bool
    rank: str | None
    objective_points: int | None
    subjective_points: int | None
    performance_points: int | None
    reasons: list[str] = field(default_factory=list)
    #: Fairness columns: nominations this 年度 and last 年度, last nomination date.
    nominated_this_year: int = 0
    nominated_last_year: int = 0
    last_nominated_on: date | None = None
    #: Awards won (落札決定) this 年度 and last 年度.
    awarded_this_year: int = 0
    awarded_last_year: int = 0

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def total_points(self) -> int | None:
        return RegisteredWorkType.points_total(self.objective_points, self.subjective_points, self.performance_points)

    @property
    def area_label(self) -> str:
        return AREAS.get(self.area, self.area)


def nomination_day(case: TenderCase, today: date) -> date:
    """The day eligibility is judged for nomination: the 指名通知・公告 date, else today."""
    return case.notice_on or today


def bid_day(case: TenderCase, today: date) -> date:
    """The day 経審 must still be in force: the opening, else the nomination day."""
    return case.opening_at.date() if case.opening_at else nomination_day(case, today)


def _keishin_condition(case: TenderCase, day: date):
    """A firm's 経審 of the case's 業種 is in force on ``day`` (a JV: every member's)."""
    own = has_valid_keishin(day, case.work_type_code, Contractor.id)
    member = aliased(JVMember)
    members_lacking = exists().where(member.jv_id == Contractor.id,
                                     not_(has_valid_keishin(day, case.work_type_code, member.member_id)))
    return sql_case((Contractor.is_jv.is_(True), not_(members_lacking)), else_=own)


def _technician_condition(qualification: str):
    """A firm (a JV: one of its members) has an active technician with ``qualification``."""
    member = aliased(JVMember)
    via_member = exists().where(member.jv_id == Contractor.id,
                                has_qualified_technician(qualification, member.member_id))
    return has_qualified_technician(qualification, Contractor.id) | via_member


def _statement(case: TenderCase, nominate_on: date, bid_on: date, contractor_ids=None):
    needs_keishin = case.category == "construction"
    columns = [Contractor.id, Contractor.number, Contractor.name, Contractor.area, Contractor.is_jv, Contractor.status,
               RegisteredWorkType.rank, RegisteredWorkType.objective_points, RegisteredWorkType.subjective_points,
               RegisteredWorkType.performance_points,
               suspended_clause(nominate_on, Contractor.id).label("suspended"),
               (_keishin_condition(case, bid_on) if needs_keishin else literal(True)).label("keishin_ok"),
               (_technician_condition(case.required_qualification) if case.required_qualification
                else literal(True)).label("technician_ok")]
    stmt = (select(*columns)
            .select_from(RegisteredWorkType)
            .join(Registration, Registration.id == RegisteredWorkType.registration_id)
            .join(Contractor, Contractor.id == Registration.contractor_id)
            .where(RegisteredWorkType.work_type_code == case.work_type_code, Registration.category == case.category,
                   Registration.period_start <= nominate_on, Registration.period_end >= nominate_on))
    if contractor_ids is not None:
        stmt = stmt.where(Contractor.id.in_(contractor_ids))
    return stmt


def _reasons(case: TenderCase, row, bid_on: date, suspension_text: dict[int, str]) -> list[str]:
    reasons = []
    if row.status != "active":
        reasons.append(f"業者の状態が「{STATUSES.get(row.status, row.status)}」")
    ranks = case.rank_list
    if ranks and row.rank not in ranks:
        reasons.append(f"等級 {row.rank or 'なし'} は参加できる等級（{'・'.join(ranks)}）の外")
    areas = case.area_list
    if areas and row.area not in areas:
        reasons.append(f"地域区分「{AREAS.get(row.area, row.area)}」は条件（{'・'.join(AREAS[a] for a in areas)}）の外")
    if row.suspended:
        reasons.append(suspension_text.get(row.id, "指名停止中"))
    if not row.keishin_ok:
        reasons.append(f"経審が開札日（{format_date(bid_on)}）に有効でない"
                       + ("（構成員のいずれか）" if row.is_jv else ""))
    if case.min_points is not None:
        if row.objective_points is None:
            reasons.append(f"総合評定値（P）がない（下限 {case.min_points:,} 点）")
        elif row.objective_points < case.min_points:
            reasons.append(f"総合評定値（P）{row.objective_points:,} 点が下限 {case.min_points:,} 点未満")
    if not row.technician_ok:
        reasons.append(f"配置技術者の資格「{case.required_qualification}」を持つ技術者がいない")
    return reasons


def _suspension_texts(session: Session, ids: list[int], day: date) -> dict[int, str]:
    """A short text per suspended firm: its own measure or a member's, with the period."""
    texts = {}
    for firm_id, items in suspensions_in_force(session, ids, day).items():
        s = items[0]
        whose = "構成員の" if s.contractor_id != firm_id else ""
        texts[firm_id] = f"{whose}指名停止中（{format_date(s.starts_on)}〜{format_date(s.effective_end)}）"
    return texts


def _fairness(session: Session, fiscal_year: int, rows: list[EligibilityRow]) -> None:
    """Nominations and awards this 年度 and last 年度 and the last nomination date, per firm (two grouped queries)."""
    counted = and_(CaseParticipant.kind == "nominated", CaseParticipant.status.in_(("nominated", "cancelled")),
                   CaseParticipant.decided_on.is_not(None))
    stmt = (select(CaseParticipant.contractor_id,
                   func.sum(sql_case((TenderCase.fiscal_year == fiscal_year, 1), else_=0)),
                   func.sum(sql_case((TenderCase.fiscal_year == fiscal_year - 1, 1), else_=0)),
                   func.max(CaseParticipant.decided_on))
            .join(TenderCase, TenderCase.id == CaseParticipant.case_id)
            .where(counted, TenderCase.fiscal_year.in_((fiscal_year, fiscal_year - 1)))
            .group_by(CaseParticipant.contractor_id))
    by_firm = {cid: (this, last, when) for cid, this, last, when in session.execute(stmt)}
    from bidding.bids.models import Award

    awards = (select(Award.contractor_id,
                     func.sum(sql_case((TenderCase.fiscal_year == fiscal_year, 1), else_=0)),
                     func.sum(sql_case((TenderCase.fiscal_year == fiscal_year - 1, 1), else_=0)))
              .join(TenderCase, TenderCase.id == Award.case_id)
              .where(Award.state == "decided", TenderCase.fiscal_year.in_((fiscal_year, fiscal_year - 1)))
              .group_by(Award.contractor_id))
    won = {cid: (this, last) for cid, this, last in session.execute(awards)}
    for row in rows:
        this, last, when = by_firm.get(row.contractor_id, (0, 0, None))
        row.nominated_this_year, row.nominated_last_year, row.last_nominated_on = int(this or 0), int(last or 0), when
        this_won, last_won = won.get(row.contractor_id, (0, 0))
        row.awarded_this_year, row.awarded_last_year = int(this_won or 0), int(last_won or 0)


def eligibility_rows(session: Session, case: TenderCase, today: date, contractor_ids=None) -> list[EligibilityRow]:
    """Every firm registered for the case's category and 業種 in the period of the nomination day (or only
    ``contractor_ids``), with the reasons it may not take part (none: eligible) and the fairness columns."""
    nominate_on, bid_on = nomination_day(case, today), bid_day(case, today)
    raw = session.execute(_statement(case, nominate_on, bid_on, contractor_ids)).all()
    texts = _suspension_texts(session, [r.id for r in raw if r.suspended], nominate_on)
    rows = [EligibilityRow(r.id, r.number, r.name, r.area, r.is_jv, r.rank, r.objective_points, r.subjective_points,
                           r.performance_points, _reasons(case, r, bid_on, texts)) for r in raw]
    _fairness(session, case.fiscal_year, rows)
    return rows


def check_firm(session: Session, case: TenderCase, contractor_id: int, today: date) -> list[str]:
    """The reasons one firm may not take part in ``case`` (empty: eligible); a firm not registered for the
    case's category and 業種 in the period is refused with that reason."""
    rows = eligibility_rows(session, case, today, [contractor_id])
    if not rows:
        day = nomination_day(case, today)
        return [f"{format_date(day)}に有効な{case.category_label}の登録（業種 {case.work_type_code}）がない"]
    return rows[0].reasons


def active_participant_ids(session: Session, case_id: int) -> set[int]:
    return set(session.scalars(select(CaseParticipant.contractor_id).where(
        CaseParticipant.case_id == case_id, CaseParticipant.status.in_(sorted(ACTIVE_STATUSES)))))
