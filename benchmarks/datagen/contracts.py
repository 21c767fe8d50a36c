"""Step ``contracts``: the contracts of the cases the ``bidding`` step left 契約済 or 完成 with a decided award
(~15,000 over 10 years), with their change contracts, 請求・支払 and inspections (``bidding.contracts`` and
``bidding.inspections`` tables).

A contract is made 3–14 days after the award for the award plus the tax of its 契約日 (``bids._tax_included``);
工期 from the next day for the case's 工期（日数）; 契約書 or 請書 by the ``contracts.terms`` rule's threshold, 契約保証
of 10 % (免除 below 5,000,000 円), a 前払金 of 40 % for most works of 3,000,000 円 and more. About one contract in
five has change contracts (1–3: amount −5 %〜+15 % of the current one, 工期 extended up to 60 days). Completed cases
have a 完成届, a 完成検査 passed (one in twenty after a 手直し and its re-inspection), some an interim inspection, and
their 完成払; 前払金 and 部分払 are claimed and paid on their way. Claims of the last months are sometimes unpaid,
a few of them past their deadline (支払遅延). Running contracts (契約済) are 決裁済 but one in ten.

Rows are read back from the database (the cases and awards of the earlier step) and written with bulk inserts;
random numbers come from ``ctx.rng("contracts")``, so the earlier steps' data does not change.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core.rules.numbering import fiscal_year_of, format_number, scope_of

from .bids import TAX_CHANGE, _tax_included
from .context import Context

CHANGE_REASONS = ("数量の増加", "現場条件の変更（地盤改良の追加）", "設計変更（仕様の見直し）",
                  "関係機関との協議による工法の変更", "労務単価の改定（インフレスライド）", "数量の減少")
GUARANTEE_METHODS = (("bond", 0.6), ("insurance", 0.3), ("cash", 0.1))
CONTRACTED = ("contracted", "completed")


def _tax_within(amount: int, day: date) -> int:
    """The tax contained in a tax-included ``amount`` on ``day`` (8 % before 2019-10-01, 10 % after)."""
    rate = 10 if day >= TAX_CHANGE else 8
    return amount - amount * 100 // (100 + rate)


def _round(amount: int) -> int:
    return max(1000, amount // 1000 * 1000)


class _Ids:
    def __init__(self):
        self.values: dict[str, int] = {}

    def next(self, name: str) -> int:
        self.values[name] = self.values.get(name, 0) + 1
        return self.values[name]


def _awarded(ctx: Context) -> list:
    c, a = ctx.tables["tender_cases"].c, ctx.tables["awards"].c
    stmt = (select(c.id, c.state, c.category, c.work_days, a.id.label("award_id"), a.contractor_id, a.amount,
                   a.decided_on)
            .join(ctx.tables["awards"], a.case_id == c.id)
            .where(c.state.in_(CONTRACTED), a.state == "decided").order_by(c.id))
    with ctx.engine.connect() as conn:
        return list(conn.execute(stmt))


def generate(ctx: Context) -> None:
    rng = ctx.rng("contracts")
    terms = ctx.rule("contracts.terms")
    pattern = ctx.rule("numbering")["contract_number"]
    approvers = [i for i, _ in ctx.shared["staff"]["contract_staff"]]
    inspectors = [i for i, _ in ctx.shared["staff"]["inspector"]]
    ids = _Ids()
    contracts, changes, payments, inspections = [], [], [], []
    per_year: dict[int, int] = {}
    cases = _awarded(ctx)
    # Numbers follow the 契約日 within each 年度, as the service hands them out.
    dated = []
    for row in cases:
        day = row.decided_on + timedelta(days=rng.randint(3, 14))
        if row.decided_on <= ctx.as_of < day:
            day = ctx.as_of
        dated.append((day, row))
    dated.sort(key=lambda pair: (pair[0], pair[1].id))
    for contract_date, row in dated:
        fy = fiscal_year_of(contract_date)
        seq = per_year[fy] = per_year.get(fy, 0) + 1
        amount = _tax_included(row.amount, contract_date)
        works = row.category == "construction"
        work_from = contract_date + timedelta(days=1)
        work_to = work_from + timedelta(days=row.work_days or 120)
        if amount >= 5_000_000:
            method = rng.choices([m for m, _ in GUARANTEE_METHODS], weights=[w for _, w in GUARANTEE_METHODS])[0]
            guarantee, exempt_reason = -(-amount // 10 // 1000) * 1000, None
        else:
            method, guarantee, exempt_reason = "exempt", None, "契約金額が 500 万円未満のため（契約規則第 31 条）"
        advance = None
        if works and amount >= 3_000_000 and rng.random() < 0.8:
            advance = amount * 40 // 100 // 10_000 * 10_000
        contract_id = ids.next("contract")
        completed = row.state == "completed"
        approved = completed or rng.random() < 0.9
        contract = {
            "id": contract_id, "number": format_number(pattern, fiscal_year=fy, seq=seq), "case_id": row.id,
            "award_id": row.award_id, "contractor_id": row.contractor_id, "contract_date": contract_date,
            "amount": amount, "tax_amount": amount - row.amount, "work_from": work_from, "work_to": work_to,
            "guarantee_method": method, "guarantee_amount": guarantee, "guarantee_exempt_reason": exempt_reason,
            "advance_amount": advance, "intermediate_allowed": advance is not None and rng.random() < 0.3,
            "advance_guarantee": f"東日本建設業保証 第{rng.randint(100000, 999999)}号" if advance else None,
            "partial_payments": rng.choice((0, 0, 1, 2)) if works else 0,
            "document_kind": "contract" if amount >= terms["document_threshold"] else "acceptance",
            "special_terms": None, "state": "completed" if completed else "active", "completion_reported_on": None,
            "completed_on": None, "approval": "approved" if approved else "drafting",
            "approved_at": ctx.at(contract_date) if approved else None,
            "approved_by_id": rng.choice(approvers) if approved else None, "created_at": ctx.at(contract_date)}
        contracts.append(contract)
        current, current_to = amount, work_to
        last_day = contract_date
        for n in range(1, rng.choices((0, 1, 2, 3), weights=(80, 15, 4, 1))[0] + 1):
            changed_on = last_day + timedelta(days=rng.randint(20, 60))
            if changed_on > ctx.as_of or changed_on >= current_to:
                break
            after = _round(current * rng.randint(950, 1150) // 1000)
            to_after = current_to + timedelta(days=rng.choice((0, 0, 14, 30, 60)))
            beyond_year = to_after > date(fiscal_year_of(contract_date) + 1, 3, 31)
            changes.append({
                "id": ids.next("change"), "contract_id": contract_id, "seq": n, "changed_on": changed_on,
                "reason": rng.choice(CHANGE_REASONS), "amount_before": current, "amount_after": after,
                "tax_after": _tax_within(after, changed_on), "work_to_before": current_to, "work_to_after": to_after,
                "guideline_reason": "繰越明許費（議決済み）により年度を越えて施工するため" if beyond_year else None,
                "approval": "approved" if completed or rng.random() < 0.85 else "drafting",
                "approved_at": ctx.at(changed_on), "created_at": ctx.at(changed_on)})
            if changes[-1]["approval"] == "drafting":
                changes[-1]["approved_at"] = None
            current, current_to, last_day = after, to_after, changed_on
        claims = _payments(ctx, rng, contract, current, current_to, terms)
        if completed:
            reported = min(current_to - timedelta(days=rng.randint(0, 10)), ctx.as_of - timedelta(days=40))
            reported = max(reported, work_from)
            passed = reported + timedelta(days=rng.randint(3, 10))
            first = _inspection(ids, contract_id, "final", rng.choice(inspectors), reported + timedelta(days=3), passed)
            if rng.random() < 0.05:  # 手直し, then the re-inspection passes
                first.update(result="fix", fix_deadline=passed + timedelta(days=14),
                             remarks="排水桝の蓋の据付け不良を手直しすること。")
                inspections.append(first)
                passed += timedelta(days=rng.randint(10, 16))
                first = _inspection(ids, contract_id, "final", first["inspector_id"], passed, passed,
                                    reinspection_of=first["id"])
            inspections.append(first)
            contract.update(completion_reported_on=reported, completed_on=passed)
            final, claimed = current - sum(p["amount"] for p in claims), passed + timedelta(days=rng.randint(1, 10))
            if final > 0 and claimed <= ctx.as_of:
                claims.append(_claim(ctx, rng, contract_id, "final", final, claimed, terms["final_payment_days"]))
        elif current_to <= ctx.as_of and rng.random() < 0.5:
            contract["completion_reported_on"] = current_to
            inspections.append(_inspection(ids, contract_id, "final", rng.choice(inspectors),
                                           current_to + timedelta(days=7), None))
        if works and amount >= 50_000_000 and rng.random() < 0.3:
            middle = work_from + timedelta(days=(current_to - work_from).days // 2)
            if middle <= ctx.as_of:
                inspections.append(_inspection(ids, contract_id, "interim", rng.choice(inspectors), middle, middle))
        for claim in claims:
            claim["id"] = ids.next("payment")
        payments += claims
    with ctx.engine.begin() as conn:
        ctx.insert(conn, "contracts", contracts, chunk=2000)
        ctx.insert(conn, "contract_changes", changes, chunk=5000)
        ctx.insert(conn, "contract_payments", payments, chunk=5000)
        ctx.insert(conn, "inspections", inspections, chunk=5000)
        sequences = [{"key": "contract_number", "scope": scope_of(pattern, fiscal_year=fy), "last_value": n,
                      "updated_at": ctx.at(ctx.as_of)} for fy, n in sorted(per_year.items())]
        ctx.insert(conn, "number_sequences", sequences)


def _inspection(ids: _Ids, contract_id: int, kind: str, inspector_id: int, scheduled: date, inspected: date | None,
                reinspection_of: int | None = None) -> dict:
    return {"id": ids.next("inspection"), "contract_id": contract_id, "kind": kind, "inspector_id": inspector_id,
            "scheduled_on": scheduled, "inspected_on": inspected, "result": "pass" if inspected else None,
            "fix_deadline": None, "remarks": None, "recognised_amount": None, "reinspection_of_id": reinspection_of,
            "created_at": datetime.combine(scheduled, time(1, 0))}


def _claim(ctx: Context, rng, contract_id: int, kind: str, amount: int, claimed: date, days: int) -> dict:
    """A claim paid within its deadline, or (claims of the last 90 days) sometimes not yet paid."""
    due = claimed + timedelta(days=days)
    paid = claimed + timedelta(days=rng.randint(5, days - 2))
    recent = claimed > ctx.as_of - timedelta(days=90)
    if paid > ctx.as_of or (recent and rng.random() < 0.1):
        paid = None
    return {"contract_id": contract_id, "kind": kind, "amount": amount, "claimed_on": claimed, "due_on": due,
            "paid_on": paid, "created_at": ctx.at(min(claimed, ctx.as_of))}


def _payments(ctx: Context, rng, contract: dict, current: int, work_to: date, terms: dict) -> list[dict]:
    """前払金 and 部分払 claimed before ``ctx.as_of`` (the 完成払 follows the completion)."""
    claims = []
    days = terms["other_payment_days"]
    if contract["advance_amount"]:
        claimed = contract["contract_date"] + timedelta(days=rng.randint(3, 14))
        if claimed <= ctx.as_of:
            claims.append(_claim(ctx, rng, contract["id"], "advance", contract["advance_amount"], claimed, days))
    span = (work_to - contract["work_from"]).days
    for n in range(1, contract["partial_payments"] + 1):
        claimed = contract["work_from"] + timedelta(days=span * n // (contract["partial_payments"] + 1))
        amount = _round(current * rng.randint(15, 25) // 100)
        if claimed > ctx.as_of or sum(c["amount"] for c in claims) + amount >= current:
            break
        claims.append(_claim(ctx, rng, contract["id"], "partial", amount, claimed, days))
    return claims
