"""Step ``applications``: the qualification applications behind the registry (~40,000 for 7,000 firms).

Every registration of a firm in a period was filed as a 新規申請 (accepted; some returned once and
resubmitted), firms filed 変更届 during their periods, a few applications were rejected, and the recent ones
are still open: drafts, submitted, under review and returned — including 新規申請 for the next period. Each
application carries its JSON content (company, 業種, permits, 経審, technicians, works, declarations) as the
applicant portal stores it, an applicant account (a user with the applicant role) and its step log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from . import names
from .context import Context, era_year
from .registry import Firm, permit_grant

COMPANY_FIELDS = ("legal_form", "name", "name_kana", "corporate_number", "representative_title",
                  "representative_name", "postal_code", "address", "phone", "email", "branch_name",
                  "branch_representative_title", "branch_representative_name", "branch_postal_code",
                  "branch_address", "branch_phone")
CLIENTS = ("防府市", "山口県", "山口市", "周南市", "国土交通省中国地方整備局", "民間")
CHANGES = ("代表者の変更（前任者の退任による）", "本店所在地の変更", "商号の変更", "技術者の追加", "建設業許可の更新",
           "経営事項審査の結果の更新", "受任者（営業所）の変更", "電話番号の変更")
RETURNS = ("経営事項審査の結果通知書の写しが添付されていません。", "技術者の資格を確認できる書類を添付してください。",
           "納税証明書の発行日が 3 か月以上前です。新しいものを添付してください。", "所在地が登記事項証明書と一致しません。")
REJECTS = ("申請の受付期間を過ぎているため受理できません。", "経営事項審査の有効期間が切れているため受理できません。")
APPLICANT = "申請者"


class _Plan:
    """One application and its steps, before ids and 受付番号 are given (they follow the creation order)."""

    def __init__(self, firm: Firm, kind: str, created: datetime, row: dict, events: list[tuple]):
        self.firm, self.kind, self.created, self.row, self.events = firm, kind, created, row, events


def _content(ctx: Context, rng, firm: Firm, period: int, kind: str, day: date, declarations: list[str]) -> dict:
    company = {f: firm.row.get(f) for f in COMPANY_FIELDS}
    codes = firm.codes[period]
    construction = codes.get("construction", [])
    permits, keishin = [], []
    for code in construction:
        first, authority, special = firm.permits[code]
        granted = permit_grant(first, day)
        permits.append({"work_type_code": code, "granted_on": granted.isoformat(),
                        "text": f"{authority}（{'特' if special else '般'}-{era_year(granted)}）第{firm.permit_number}号"})
        rows = [r for r in firm.keishin.get(code, []) if r["base_date"] <= day - timedelta(days=100)]
        if rows:
            r = rows[-1]
            keishin.append({"work_type_code": code, "base_date": r["base_date"].isoformat(), "x1": r["x1"],
                            "x2": r["x2"], "y": r["y"], "z": r["z"], "w": r["w"], "p": r["p_entered"]})
    technicians = [{"name": t["name"], "name_kana": t["name_kana"], "qualifications": t["qualifications"],
                    "employed_since": t["employed_since"].isoformat()} for t in firm.technicians[:6]]
    data = {"company": company, "permits": permits, "keishin": keishin, "technicians": technicians}
    if kind == "change":
        return data | {"change_note": rng.choice(CHANGES)}
    all_codes = [c for cs in codes.values() for c in cs]
    works = [{"title": names.work_title(rng), "client": rng.choice(CLIENTS), "work_type_code": rng.choice(all_codes),
              "role": rng.choices(("prime", "sub", "jv"), (70, 20, 10))[0],
              "amount": rng.randint(30, 3000) * 100_000, "completed_on": (day - timedelta(days=rng.randint(60, 900))).isoformat()}
             for _ in range(rng.randint(1, 3))]
    return data | {"categories": {c: codes.get(c, []) for c in ("construction", "consulting", "goods")},
                   "works": works, "declarations": dict.fromkeys(declarations, True)}


def _steps(ctx: Context, rng, status: str, submitted: datetime, applicant: int, staff: list) -> tuple[dict, list]:
    """Fields set by the review and the step log that leads to ``status``, from the submission on."""
    events = [(submitted, applicant, APPLICANT, "submit", "submitted", 1, None)]
    fields = {"revision": 1, "decided_at": None, "decided_by_id": None, "decision_comment": None}
    if status == "submitted":
        return fields, events
    at = submitted + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
    reviewer = rng.choice(staff)
    events.append((at, reviewer[0], reviewer[1], "review", "under_review", 1, None))
    if status == "under_review":
        return fields, events
    if status in ("returned", "accepted") and (status == "returned" or rng.random() < 0.15):
        comment = rng.choice(RETURNS)
        at += timedelta(days=rng.randint(1, 10))
        events.append((at, reviewer[0], reviewer[1], "return", "returned", 1, comment))
        fields |= {"decided_at": at, "decided_by_id": reviewer[0], "decision_comment": comment}
        if status == "returned":
            return fields, events
        at += timedelta(days=rng.randint(2, 14))
        events.append((at, applicant, APPLICANT, "resubmit", "submitted", 2, None))
        at += timedelta(days=1)
        events.append((at, reviewer[0], reviewer[1], "review", "under_review", 2, None))
        fields["revision"] = 2
    at += timedelta(days=rng.randint(2, 30), hours=rng.randint(0, 6))
    comment = rng.choice(REJECTS) if status == "rejected" else None
    events.append((at, reviewer[0], reviewer[1], "accept" if status == "accepted" else "reject", status,
                   fields["revision"], comment))
    return fields | {"decided_at": at, "decided_by_id": reviewer[0], "decision_comment": comment}, events


def _application(ctx, rng, firm, account, kind, status, day, period, start_year, staff, declarations) -> _Plan:
    submitted = ctx.at(day, rng.randint(9, 17), rng.randint(0, 59))
    created = submitted - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5))
    if status == "draft":
        fields, events = {"revision": 0, "decided_at": None, "decided_by_id": None, "decision_comment": None}, []
        submitted = None
    else:
        fields, events = _steps(ctx, rng, status, submitted, account["user_id"], staff)
    data = _content(ctx, rng, firm, period, kind, day, declarations)
    if status == "draft":
        data = {k: data[k] for k in ("company", "categories", "permits")} | {"keishin": [], "technicians": [],
                                                                            "works": [], "declarations": {}}
    known = kind == "change" or status == "accepted" or firm.periods[0] < period
    row = {"kind": kind, "status": status, "origin": "local", "account_id": account["id"],
           "applicant_email": account["email"], "firm_name": firm.row["name"],
           "contractor_number": firm.row["number"] if known else None,
           "period_start_year": start_year if kind == "new" else None, "data": data, "submitted_at": submitted,
           "transferred_at": None, "created_at": created,
           "updated_at": events[-1][0] if events else created, **fields}
    return _Plan(firm, kind, created, row, events)


def _plan_all(ctx: Context, rng, firms: list[Firm], accounts: dict, staff: list, declarations: list) -> list[_Plan]:
    periods = ctx.periods()
    length = periods[-1][0] - periods[-2][0] if len(periods) > 1 else 2
    plans = []
    for firm in firms:
        account = accounts[firm.id]
        for p in firm.periods:
            start_year, start, end = periods[p]
            day = date(start_year, 1, 5) + timedelta(days=rng.randint(0, 50))
            plans.append(_application(ctx, rng, firm, account, "new", "accepted", day, p, start_year, staff,
                                      declarations))
            for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
                last = min(end, ctx.as_of - timedelta(days=1))
                if last <= start + timedelta(days=31):
                    break
                day = start + timedelta(days=rng.randint(30, (last - start).days))
                recent = (ctx.as_of - day).days < 45
                status = (rng.choices(("submitted", "under_review", "returned"), (40, 40, 20))[0] if recent else
                          rng.choices(("accepted", "rejected"), (96, 4))[0])
                plans.append(_application(ctx, rng, firm, account, "change", status, day, p, start_year, staff,
                                          declarations))
        if rng.random() < 0.01 and firm.periods[0] > 0:  # applied too late for a period before its first
            p = firm.periods[0] - 1
            day = date(periods[p][0], 3, 10)
            plans.append(_application(ctx, rng, firm, account, "new", "rejected", day, firm.periods[0], periods[p][0],
                                      staff, declarations))
        if firm.row["status"] == "active" and rng.random() < 0.05:  # early filing for the next period
            status = rng.choices(("draft", "submitted", "under_review", "returned"), (25, 35, 25, 15))[0]
            day = ctx.as_of - timedelta(days=rng.randint(5 if status != "submitted" else 0, 30))
            plans.append(_application(ctx, rng, firm, account, "new", status, day, firm.periods[-1],
                                      periods[-1][0] + length, staff, declarations))
    return plans


def _accounts(ctx: Context, conn, firms: list[Firm]) -> dict[int, dict]:
    """One applicant account per firm: a user with the applicant role and no password (they never log in here)."""
    user_id, account_id = ctx.next_id(conn, "users"), ctx.next_id(conn, "applicant_accounts")
    users, roles, accounts = [], [], {}
    for firm in firms:
        at = firm.row["created_at"] - timedelta(days=20)
        email = firm.row["email"]
        users.append({"id": user_id, "login_id": email, "name": firm.row["name"][:100], "email": email,
                      "department_id": None, "password_hash": None, "must_change_password": False, "is_active": True,
                      "failed_login_count": 0, "created_at": at, "updated_at": at})
        roles.append({"user_id": user_id, "role": "applicant"})
        accounts[firm.id] = {"id": account_id, "user_id": user_id, "firm_name": firm.row["name"], "email": email,
                             "email_confirmed_at": at, "contractor_number": firm.row["number"], "created_at": at}
        user_id, account_id = user_id + 1, account_id + 1
    ctx.insert(conn, "users", users)
    ctx.insert(conn, "user_roles", roles)
    ctx.insert(conn, "applicant_accounts", list(accounts.values()))
    return accounts


def generate(ctx: Context) -> None:
    rng = ctx.rng("applications")
    firms: list[Firm] = ctx.shared["firms"]
    staff = ctx.shared["staff"]["contract_staff"]
    declarations = sorted(ctx.rule("registry.application_form")["declarations"])
    with ctx.engine.begin() as conn:
        accounts = _accounts(ctx, conn, firms)
        plans = sorted(_plan_all(ctx, rng, firms, accounts, staff, declarations),
                       key=lambda a: (a.created, a.firm.id, a.kind))
        first_id, sequences = ctx.next_id(conn, "applications"), {}
        rows, events = [], []
        for i, plan in enumerate(plans):
            jst = plan.created + timedelta(hours=9)
            fiscal_year = jst.year if jst.month >= 4 else jst.year - 1
            sequences[fiscal_year] = sequences.get(fiscal_year, 0) + 1
            plan.row |= {"id": first_id + i, "reference": f"S{fiscal_year}-{sequences[fiscal_year]:05d}"}
            rows.append(plan.row)
            for at, actor, label, action, status_after, revision, comment in plan.events:
                events.append({"application_id": plan.row["id"], "at": at, "actor_id": actor, "actor_label": label,
                               "action": action, "status_after": status_after, "revision": revision,
                               "comment": comment})
        ctx.insert(conn, "applications", rows, chunk=1000)
        ctx.insert(conn, "application_events", events, chunk=5000)
