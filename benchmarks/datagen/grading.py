"""Step ``grading``: ~2,000 graded works over 10 years (about 200 a 年度 for 7,000 firms) from the ``bidding`` step's
completed construction cases, their winners and departments, plus ~80 works of the current 年度's 契約済 cases still
being graded (completed lately; the benchmark's cases do not record the completion).

Each work keeps its case's 業種, 担当課 and winner, the award's amount with tax as 最終契約金額 and a 完成日 after
the work days; the score (a whole point, as the default rule rounds) comes from a level per firm (~N(77, 3)) and
noise (~N(0, 4)). Works of the last three 年度 are graded in this system (source ``system``: graders 主任・総括監督員
of the department and a 検査員, 通知済 after 60 days, else 確定); older ones are past grades (source ``import``,
通知済). The in-progress works have no score (未着手・入力中・提出済) and graders in the matching states.
The benchmark contracts are not generated (the cases stop at their award), so ``contract_id`` is empty and the
契約番号 is ``K`` + the case number.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, select

from .context import Context

WORKS = 2000
IN_PROGRESS = 80
#: Of the 10 years, the last ones graded in this system (the older ones are imported past grades).
SYSTEM_YEARS = 3
STANDARD_FROM = 25_000_000


def _fiscal_year(day) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _candidates(ctx: Context):
    t = ctx.tables
    cases, awards = t["tender_cases"], t["awards"]
    stmt = (select(cases.c.id, cases.c.number, cases.c.fiscal_year, cases.c.state, cases.c.name, cases.c.department_id,
                   cases.c.work_type_code, cases.c.opening_at, cases.c.work_days, awards.c.contractor_id,
                   awards.c.amount_with_tax, awards.c.decided_on)
            .join(awards, and_(awards.c.case_id == cases.c.id, awards.c.state == "decided"))
            .where(cases.c.state.in_(("completed", "contracted")), cases.c.category == "construction")
            .order_by(cases.c.id))
    users, roles = t["users"], t["user_roles"]
    with ctx.engine.connect() as conn:
        rows = conn.execute(stmt).all()
        staff = defaultdict(list)
        for user_id, department_id in conn.execute(
                select(users.c.id, users.c.department_id).join(roles, roles.c.user_id == users.c.id)
                .where(roles.c.role == "department_staff").order_by(users.c.id)):
            staff[department_id].append(user_id)
        inspectors = list(conn.scalars(select(roles.c.user_id).where(roles.c.role == "inspector")
                                       .order_by(roles.c.user_id)))
    return rows, staff, inspectors


def generate(ctx: Context) -> None:
    rng = ctx.rng("grading")
    rows, staff, inspectors = _candidates(ctx)
    current = _fiscal_year(ctx.as_of)
    by_year, running = defaultdict(list), []
    for row in rows:
        if row.state == "completed":
            by_year[row.fiscal_year].append(row)
        elif row.fiscal_year == current:
            running.append(row)  # 契約済 this 年度: completed lately, being graded
    per_year = round(WORKS * ctx.firms / 7000 / ctx.years)
    level: dict[int, float] = {}
    works, assignments = [], []

    def add(row, state: str, source: str, completed) -> None:
        work_id = len(works) + 1
        firm_level = level.setdefault(row.contractor_id, rng.gauss(77, 3))
        score = max(50, min(95, round(rng.gauss(firm_level, 4)))) if state in ("settled", "notified") else None
        system = source == "system"
        general = rng.choice(staff[row.department_id]) if system and staff.get(row.department_id) else None
        works.append({
            "id": work_id, "contract_id": None, "contract_number": f"K{row.number}", "name": row.name,
            "contractor_id": row.contractor_id, "department_id": row.department_id,
            "work_type_code": row.work_type_code, "contract_amount": row.amount_with_tax, "completed_on": completed,
            "fiscal_year": _fiscal_year(completed),
            "grading_table": ("standard" if row.amount_with_tax >= STANDARD_FROM else "simple") if system else None,
            "state": state, "source": source, "due_on": completed + timedelta(days=14) if system else None,
            "weighted": score if system and score is not None else None, "final_score": score,
            "settled_at": ctx.at(completed + timedelta(days=20)) if system and score is not None else None,
            "settled_by_id": general if score is not None else None,
            "notified_on": completed + timedelta(days=30) if system and state == "notified" else None,
            "import_batch_id": None, "created_at": ctx.at(completed)})
        if general is None:
            return
        chief = rng.choice(staff[row.department_id])
        sheet = {"settled": "submitted", "notified": "submitted", "submitted": "submitted", "entering": "draft",
                 "pending": "assigned"}[state]
        for role, user in (("chief", chief), ("general", general), ("final_inspector", rng.choice(inspectors))):
            submitted = sheet == "submitted"
            assignments.append({
                "work_id": work_id, "role": role, "seq": 1, "user_id": user, "inspection_id": None, "state": sheet,
                "score": max(50, min(100, (score or 75) + rng.randint(-3, 3))) if submitted else None,
                "submitted_at": ctx.at(completed + timedelta(days=rng.randint(3, 14))) if submitted else None,
                "created_at": ctx.at(completed)})

    for year in sorted(by_year):
        candidates = by_year[year]
        for row in rng.sample(candidates, min(per_year, len(candidates))):
            opened = row.opening_at.date() if row.opening_at else row.decided_on
            completed = min(opened + timedelta(days=(row.work_days or 90) + rng.randint(0, 40)),
                            ctx.as_of - timedelta(days=rng.randint(0, 30)))
            system = year > current - SYSTEM_YEARS
            age = (ctx.as_of - completed).days
            state = "notified" if not system or age > 60 else "settled"
            add(row, state, "system" if system else "import", completed)
    for row in rng.sample(running, min(len(running), round(IN_PROGRESS * ctx.firms / 7000))):
        add(row, rng.choice(("pending", "entering", "submitted")), "system",
            ctx.as_of - timedelta(days=rng.randint(0, 20)))
    with ctx.engine.begin() as conn:
        ctx.insert(conn, "graded_works", works, chunk=2000)
        ctx.insert(conn, "grader_assignments", assignments, chunk=5000)
    scored = [w for w in works if w["final_score"] is not None]
    counts = defaultdict(int)
    for w in scored:
        counts[w["contractor_id"]] += 1
    ctx.shared["graded_firm"] = max(sorted(counts), key=lambda firm: counts[firm]) if counts else None
