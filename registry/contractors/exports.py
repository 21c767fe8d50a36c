"""The contractor list's CSV and Excel exports: the filtered firms with their 業種 and ranks, and whether each
is suspended (by ``registry.suspensions.queries``, JVs included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Response
from sqlalchemy.orm import Session

from core.csvexport import csv_response

# The streaming writer is a renderer with no feature knowledge; importing it points no rule upward.
from exports.render.xlsx_stream import xlsx_response
from registry.qualifications.models import RegisteredWorkType, Registration
from registry.suspensions.queries import suspensions_in_force

from . import queries
from .models import AREAS, CATEGORIES, LEGAL_FORMS, STATUSES, Contractor


@dataclass
class RegistrationSummary:
    """A registration with its 業種 rows as plain tuples (cheaper than ORM objects on lists and exports)."""

    category: str
    period_start: date
    period_end: date
    work_types: list = field(default_factory=list)  # (code, objective, subjective, performance, rank)

    covers = Registration.covers  # the same rule as the ORM row


def registrations_of(session: Session, ids, covering: date | None = None) -> dict[int, list[RegistrationSummary]]:
    """Registrations per firm for ``ids`` (a list or a select of ids), in one query (``covering``: only those
    in force on that day)."""
    regs: dict[int, list[RegistrationSummary]] = {}
    for cid, category, start, end, code, objective, subjective, performance, rank in queries.registration_rows(
            session, ids, covering):
        items = regs.setdefault(cid, [])
        if not items or (items[-1].category, items[-1].period_start) != (category, start):
            items.append(RegistrationSummary(category, start, end))
        if code is not None:
            items[-1].work_types.append((code, objective, subjective, performance, rank))
    return regs


def work_type_summary(regs: list[RegistrationSummary], codes: dict, day) -> list[tuple[str, str, str | None]]:
    """(code, title, rank) of the registrations in force on ``day`` (else the latest)."""
    current = [r for r in regs if r.covers(day)] or regs[-1:]
    return [(code, codes[code].title if code in codes else code, rank)
            for r in current for code, _o, _s, _p, rank in r.work_types]


def page_summaries(session: Session, ids: list[int], codes: dict, day: date) -> dict[int, list]:
    """The 業種・等級 column of a list page: the registrations in force on ``day`` (one query), and for the
    few firms with none, their latest (a second query) — never every period of every firm on the page."""
    summaries: dict[int, list] = {i: [] for i in ids}
    covered = set()
    if ids:
        # Rows come ordered by firm, period and code: the same order work_type_summary gives the registrations
        # in force, without building them (this runs on every list page).
        for cid, code, rank in queries.work_types_in_force(session, ids, day):
            covered.add(cid)
            if code is not None:
                summaries[cid].append((code, codes[code].title if code in codes else code, rank))
    missing = [i for i in ids if i not in covered]
    if missing:
        regs = registrations_of(session, missing)
        summaries.update({i: work_type_summary(regs.get(i, []), codes, day) for i in missing})
    return summaries


EXPORT_HEADER = ["業者番号", "商号又は名称", "商号又は名称（カナ）", "法人・個人", "法人番号", "代表者の役職", "代表者の氏名",
                 "郵便番号", "所在地", "電話番号", "メールアドレス", "受任者の名称", "受任者の役職", "受任者の氏名",
                 "受任者の郵便番号", "受任者の所在地", "受任者の電話番号", "地域区分", "地域区分を変更した理由", "状態",
                 "状態の理由", "業種・等級", "指名停止中"]


def _export_data(session: Session, stmt) -> tuple[list, dict[int, list[RegistrationSummary]]]:
    """The filtered firms as rows and their registrations, in two queries whatever the number of firms."""
    firms = session.execute(stmt.with_only_columns(*Contractor.__table__.c)).all()
    return firms, registrations_of(session, stmt.with_only_columns(Contractor.id).order_by(None))


def _summary(regs: list[RegistrationSummary], codes: dict, day) -> str:
    return "・".join(f"{code}{title if title != code else ''}{' ' + rank if rank else ''}"
                    for code, title, rank in work_type_summary(regs, codes, day))


def _export_row(c, summary: str, suspended: bool) -> list:
    return [c.number, c.name, c.name_kana, LEGAL_FORMS.get(c.legal_form, c.legal_form), c.corporate_number,
            c.representative_title, c.representative_name, c.postal_code, c.address, c.phone, c.email, c.branch_name,
            c.branch_representative_title, c.branch_representative_name, c.branch_postal_code, c.branch_address,
            c.branch_phone, AREAS.get(c.area, c.area), c.area_override_reason, STATUSES.get(c.status, c.status),
            c.status_reason, summary, "指名停止中" if suspended else ""]


def export_response(session: Session, stmt, codes: dict, day: date, suspended_on: date, fmt: str) -> Response:
    """The filtered list as a CSV or Excel download; 指名停止中 is judged on ``suspended_on``."""
    firms, regs = _export_data(session, stmt)
    suspended = suspensions_in_force(session, None, suspended_on)
    if fmt == "csv":
        return csv_response("業者一覧", EXPORT_HEADER, (
            _export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms))
    return _xlsx(firms, regs, codes, day, suspended)


def _xlsx(firms, regs: dict, codes: dict, day, suspended: dict) -> Response:
    """Two sheets: the firms, and one row per firm and 業種 with points as numbers and periods as dates."""
    firm_rows = (_export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms)

    def work_type_rows():
        for c in firms:
            for r in regs.get(c.id, []):
                category = CATEGORIES.get(r.category, r.category)
                for code, objective, subjective, performance, rank in r.work_types:
                    total = RegisteredWorkType.points_total(objective, subjective, performance)
                    yield [c.number, c.name, category, r.period_start, r.period_end, code,
                           codes[code].title if code in codes else "", objective, subjective, performance, total, rank]

    return xlsx_response([
        ("業者一覧", EXPORT_HEADER, {1: 12, 2: 36, 3: 30, 9: 40, 22: 48}, firm_rows),
        ("業種・等級", ["業者番号", "商号又は名称", "登録区分", "有効期間の始期", "有効期間の終期", "業種コード", "業種",
                     "客観点", "主観点（入力）", "主観点（工事成績）", "総合点", "等級"],
         {1: 12, 2: 36, 3: 16, 4: 14, 5: 14, 7: 28}, work_type_rows()),
    ], "業者一覧")
