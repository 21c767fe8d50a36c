"""Step ``bidding``: ~500 budget lines a year (5,000 for 10 years), ~1,800 tender cases a year (18,000) each
charged to a 工事請負費 line of its department, and their participants: 6–10 nominated firms per
指名競争・随意契約 case, 3–12 applicants per open tender, drawn from the
firms registered for the case's 業種 in the period of its notice; then the bids, rounds, 電子くじ and awards of the
cases that were opened (``bids.generate_bids``, ~100,000 bids).

Cases belong to the works departments of the ``staff`` step. Past years' cases are finished (完成, some 不調 or
中止); the current year's run through every state. Numbers follow the default pattern ``{fy}-{dept}-{seq:04d}``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.rules.numbering import scope_of

from . import names
from .bids import generate_bids
from .context import Context

CASES_PER_YEAR = 1800
METHODS = (("nominated", 0.55), ("open_restricted", 0.2), ("open_post_review", 0.1), ("negotiated", 0.08),
           ("value_simple", 0.05), ("value_special", 0.02))
CATEGORIES = (("construction", 0.75), ("consulting", 0.2), ("goods", 0.05))
WORKS_DEPARTMENTS = ("0201", "0202", "0203", "0204", "0205", "0206", "0301", "0302", "0402", "0501")
PLACES = ("中央町", "駅南", "大字牟礼", "新田", "松崎町", "江泊", "大字台道", "華城", "西浦", "大道")


def _weighted(rng, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _state(rng, fiscal_year: int, current_year: int, method: str) -> str:
    if fiscal_year < current_year:
        return rng.choices(("completed", "failed", "cancelled"), weights=(0.94, 0.04, 0.02))[0]
    running = ("draft", "nominated" if method in ("nominated", "negotiated") else "published", "closed", "opened",
               "awarded", "contracted", "completed")
    return rng.choice(running)


def _pool(ctx: Context) -> dict[tuple[int, str, str], list[int]]:
    """Firm ids per (period index, category, code): who may be nominated for a case of that period."""
    pool: dict[tuple[int, str, str], list[int]] = {}
    for firm in ctx.shared["firms"]:
        for period, by_category in firm.codes.items():
            for category, codes in by_category.items():
                for code in codes:
                    pool.setdefault((period, category, code), []).append(firm.id)
    return pool


#: 款 of the works budget (code, name) and the 節 every case is charged to.
CHAPTERS = (("06", "農林水産業費"), ("08", "土木費"), ("10", "教育費"))
SUBITEMS = (("13", "委託料"), ("14", "工事請負費"), ("17", "備品購入費"))
LINES_PER_DEPARTMENT = 50


def _budget_lines(ctx: Context, rng, departments: dict, fiscal_year: int, first_id: int) -> list[dict]:
    """~50 lines a works department and year (5,000 over 10 years): 款・項・目 under 一般会計, with the 節
    委託料・工事請負費・備品購入費."""
    rows = []
    for d_index, code in enumerate(WORKS_DEPARTMENTS):
        for n in range(LINES_PER_DEPARTMENT):
            chapter = CHAPTERS[(d_index + n) % len(CHAPTERS)]
            subitem = SUBITEMS[n % len(SUBITEMS)]
            current = rng.randint(20, 900) * 1_000_000
            executed = current * rng.randint(5, 80) // 100
            rows.append({"id": first_id + len(rows), "fiscal_year": fiscal_year, "account_code": "01",
                         "account_name": "一般会計", "chapter_code": chapter[0], "chapter_name": chapter[1],
                         "section_code": f"{d_index + 1:02d}", "item_code": f"{n // len(SUBITEMS) + 1:02d}",
                         "project_code": "", "subitem_code": subitem[0], "subitem_name": subitem[1],
                         "detail_code": "", "department_id": departments[code], "current_amount": current,
                         "allotted_amount": None, "executed_amount": executed, "remaining_amount": current - executed,
                         "absent_since": None, "absent_batch_id": None, "created_at": ctx.at(date(fiscal_year, 4, 1)),
                         "updated_at": ctx.at(date(fiscal_year, 4, 1))})
    return rows


def generate(ctx: Context) -> None:
    rng = ctx.rng("bidding")
    departments = ctx.shared["departments"]
    staff = ctx.shared["staff"]["contract_staff"]
    periods = ctx.periods()
    pool = _pool(ctx)
    codes = {}
    for (_, category, code), ids in pool.items():
        codes.setdefault(category, {})[code] = codes.get(category, {}).get(code, 0) + len(ids)
    current_year = ctx.as_of.year if ctx.as_of.month >= 4 else ctx.as_of.year - 1
    cases, participants, lines, charges = [], [], [], []
    case_id, per_scope = 1, {}
    for fiscal_year in range(current_year - ctx.years + 1, current_year + 1):
        year_lines = _budget_lines(ctx, rng, departments, fiscal_year, len(lines) + 1)
        lines += year_lines
        by_department: dict[int, list[dict]] = {}
        for line in year_lines:
            if line["subitem_code"] == "14":
                by_department.setdefault(line["department_id"], []).append(line)
        count = round(CASES_PER_YEAR * ctx.firms / 7000)
        for _ in range(count):
            department = rng.choice(WORKS_DEPARTMENTS)
            category = _weighted(rng, CATEGORIES)
            pairs = sorted(codes.get(category, {}).items())
            code = rng.choices([c for c, _ in pairs], weights=[n for _, n in pairs])[0]
            method = _weighted(rng, METHODS)
            drafted = datetime(fiscal_year, 4, 1).date() + timedelta(days=rng.randint(0, 330))
            if drafted > ctx.as_of:
                drafted = ctx.as_of - timedelta(days=rng.randint(0, 30))
            notice = drafted + timedelta(days=rng.randint(7, 20))
            opening = datetime.combine(notice + timedelta(days=rng.randint(14, 30)), time(rng.choice((9, 10, 13, 14))))
            planned = rng.choice((1, 2, 3, 5, 8, 13, 21, 34, 55, 89)) * rng.randint(800, 1200) * 1000
            state = _state(rng, fiscal_year, current_year, method)
            approved = state != "draft" or rng.random() < 0.4
            seq = per_scope[(fiscal_year, department)] = per_scope.get((fiscal_year, department), 0) + 1
            cases.append({
                "id": case_id, "number": f"{fiscal_year}-{department}-{seq:04d}", "fiscal_year": fiscal_year,
                "name": names.work_title(rng), "department_id": departments[department], "category": category,
                "work_type_code": code, "place": f"{rng.choice(PLACES)}地内", "summary": None, "method": method,
                "design_amount": planned, "planned_price": planned, "cost_breakdown": {},
                "floor_kind": "minimum" if category != "goods" else "none",
                "floor_price": planned * rng.randint(80, 92) // 100 // 1000 * 1000 if category != "goods" else None,
                "floor_model": None, "disclosure": rng.choice(("before", "after")), "allowed_ranks": "A,B",
                "allowed_areas": None, "min_points": None, "required_qualification": None, "drafted_on": drafted,
                "notice_on": notice, "questions_until": notice + timedelta(days=5),
                "bids_from": notice + timedelta(days=8), "bids_until": opening.date() - timedelta(days=1),
                "opening_at": opening, "work_days": rng.choice((60, 90, 120, 150, 180, 240)), "work_from": None,
                "work_to": None, "state": state, "cancel_reason": "設計の見直しのため" if state == "cancelled" else None,
                "approval": "approved" if approved else "drafting",
                "approved_at": ctx.at(drafted + timedelta(days=3)) if approved else None,
                "approved_by_id": rng.choice(staff)[0] if approved else None, "retender_of_id": None,
                "created_at": ctx.at(drafted), "updated_at": ctx.at(drafted)})
            charges.append({"case_id": case_id, "budget_line_id": rng.choice(by_department[departments[department]])["id"],
                            "amount": planned * 110 // 100, "created_at": ctx.at(drafted)})
            if state != "draft":
                period = next((i for i, (_, first, last) in enumerate(periods) if first <= notice <= last),
                              len(periods) - 1)
                firms = pool.get((period, category, code), [])
                nominated = method in ("nominated", "negotiated")
                size = min(len(firms), rng.randint(6, 10) if nominated else rng.randint(3, 12))
                for firm_id in rng.sample(firms, size):
                    participants.append({
                        "case_id": case_id, "contractor_id": firm_id, "kind": "nominated" if nominated else "applicant",
                        "status": "nominated" if nominated else "admitted", "decided_on": notice,
                        "applied_on": None if nominated else notice + timedelta(days=3),
                        "cancelled_for_suspension": False, "created_at": ctx.at(notice)})
            case_id += 1
    with ctx.engine.begin() as conn:
        ctx.insert(conn, "budget_lines", lines, chunk=2000)
        ctx.insert(conn, "tender_cases", cases, chunk=2000)
        ctx.insert(conn, "case_budget_charges", charges, chunk=5000)
        ctx.insert(conn, "case_participants", participants, chunk=5000)
        sequences = [{"key": "case_number", "scope": scope_of("{fy}-{dept}-{seq:04d}", fiscal_year=fy, dept=dept),
                      "last_value": n, "updated_at": ctx.at(ctx.as_of)} for (fy, dept), n in per_scope.items()]
        ctx.insert(conn, "number_sequences", sequences)
    generate_bids(ctx, cases, participants)
