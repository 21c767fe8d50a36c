"""Step ``registry``: firms, their registrations with 業種 and ranks, permits, 経審, technicians, joint ventures
and nomination suspensions over the qualification periods of ``ctx.periods()``.

Each firm is planned first (a ``Firm``), then written in bulk; the plans stay in ``ctx.shared["firms"]`` for
the applications step, which files each registration as the application that produced it. Code lists, rank
thresholds and suspension causes are the ones of the registry's versioned rules in force on the as-of day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from core.jp import corporate_check_digit, search_key

from . import names
from .context import Context, add_months, era_year, month_end
from .suspensions import plan_suspensions

CATEGORY_SHARE = (("construction", 60), ("consulting", 25), ("goods", 15))
AREA_SHARE = {"construction": (30, 15, 55), "consulting": (20, 15, 65), "goods": (35, 15, 50)}
#: Extra categories a firm also registers in, with their probability.
EXTRA = {"construction": (("consulting", 0.06), ("goods", 0.03)), "consulting": (("goods", 0.04),), "goods": ()}
CODE_COUNTS = {"construction": ((1, 15), (2, 25), (3, 25), (4, 17), (5, 10), (6, 8)),
               "consulting": ((1, 35), (2, 35), (3, 20), (4, 10)), "goods": ((1, 40), (2, 35), (3, 15), (4, 10))}
#: Points where a graded 業種 without thresholds in the rule had its rank in the legacy system.
LEGACY_RANKS = (("A", 1050), ("B", 900), ("C", 780), ("D", 650), ("E", 0))


@dataclass
class Firm:
    id: int
    category: str
    categories: list[str]
    area: str
    size: float
    #: Indexes into ``ctx.periods()`` of the periods the firm is registered in.
    periods: list[int]
    row: dict
    #: period index → category → 業種 codes.
    codes: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    #: 経審 rows per construction code, oldest first.
    keishin: dict[str, list[dict]] = field(default_factory=dict)
    #: code → (first grant, authority text, special?) of the construction permit.
    permits: dict[str, tuple[date, str, bool]] = field(default_factory=dict)
    permit_number: int = 0
    technicians: list[dict] = field(default_factory=list)

    def all_codes(self, category: str) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.periods:
            seen.update(dict.fromkeys(self.codes[p].get(category, [])))
        return list(seen)


def _work_types(ctx: Context) -> dict[str, list[tuple[str, bool, float]]]:
    """(code, graded, weight) per category from the ``registry.work_types`` rule: the trades firms register
    most often (土木一式, 建築一式, the graded ones) weigh more."""
    out: dict[str, list[tuple[str, bool, float]]] = {"construction": [], "consulting": [], "goods": []}
    for row in sorted(ctx.rule("registry.work_types")["items"].values(), key=lambda r: r["code"]):
        weight = {"010": 14.0, "020": 8.0}.get(row["code"], 6.0 if row["graded"] else 1.5)
        if row["category"] != "construction":
            weight = 3.0
        out.setdefault(row["category"], []).append((row["code"], bool(row["graded"]), weight))
    return out


def _thresholds(ctx: Context) -> dict[str, list[tuple[str, int]]]:
    """code → [(rank, minimum total)] best first, from the ``registry.ranks`` rule."""
    table: dict[str, list[tuple[str, int]]] = {}
    for row in ctx.rule("registry.ranks")["thresholds"].values():
        table.setdefault(row["work_type_code"], []).append((row["rank"], row["min_total"]))
    return {code: sorted(rows, key=lambda r: -r[1]) for code, rows in sorted(table.items())}


def _pick_codes(rng, choices: list[tuple[str, bool, float]], count: int, have: list[str] = ()) -> list[str]:
    pool = [c for c in choices if c[0] not in have]
    picked: list[str] = []
    while pool and len(picked) < count:
        code = rng.choices(pool, [c[2] for c in pool])[0]
        picked.append(code[0])
        pool.remove(code)
    return picked


def _period_span(rng, count: int) -> list[int]:
    """The periods a firm is registered in: most firms since the oldest period, most still registered, a few
    with a gap."""
    if count == 1:
        return [0]
    first = 0 if rng.random() < 0.55 else rng.randint(1, count - 1)
    last = count - 1 if rng.random() < 0.82 or first == count - 1 else rng.randint(first, count - 2)
    return [p for p in range(first, last + 1) if p in (first, last) or rng.random() > 0.04]


def _company_row(rng, firm_id: int, category: str, area: str, corporation: bool, taken: set[str]) -> dict:
    name, kana = names.firm_name(rng, category, corporation, taken)
    address, postal, phone = names.address(rng, area)
    row = {"id": firm_id, "number": f"{firm_id:05d}", "name": name, "name_kana": kana,
           "search_key": search_key(name + kana), "legal_form": "corporation" if corporation else "individual",
           "corporate_number": None, "representative_title": "代表取締役" if corporation else "代表者",
           "representative_name": names.person(rng)[0], "postal_code": postal, "address": address, "phone": phone,
           "email": f"info{firm_id:05d}@example.jp", "branch_name": None, "branch_representative_title": None,
           "branch_representative_name": None, "branch_postal_code": None, "branch_address": None,
           "branch_phone": None, "area": area, "area_override_reason": None, "status": "active", "status_reason": None,
           "is_jv": False, "note": None}
    if corporation:
        base = f"{rng.randint(10**11, 10**12 - 1)}"
        row["corporate_number"] = f"{corporate_check_digit(base)}{base}"
    return row


def _plan_firm(ctx: Context, rng, firm_id: int, work_types: dict, taken: set[str]) -> Firm:
    category = rng.choices([c for c, _ in CATEGORY_SHARE], [w for _, w in CATEGORY_SHARE])[0]
    area = rng.choices(["city", "near", "outside"], AREA_SHARE[category])[0]
    size = rng.betavariate(2, 5)
    row = _company_row(rng, firm_id, category, area, rng.random() < 0.88, taken)
    if area == "outside" and size > 0.35 and rng.random() < 0.4:  # a 受任者 (branch) near the city bids for it
        branch_address, postal, phone = names.address(rng, "near")
        row.update(branch_name=f"{row['name']} 山口営業所", branch_representative_title="所長",
                   branch_representative_name=names.person(rng)[0], branch_postal_code=postal,
                   branch_address=branch_address, branch_phone=phone, area="near")
    categories = [category] + [c for c, p in EXTRA[category] if rng.random() < p]
    periods = _period_span(rng, len(ctx.periods()))
    firm = Firm(firm_id, category, categories, row["area"], size, periods, row)
    current: dict[str, list[str]] = {}
    for p in periods:
        for c in categories:
            codes = list(current.get(c, []))
            if not codes:
                count = rng.choices(*zip(*CODE_COUNTS[c], strict=True))[0]
                codes = _pick_codes(rng, work_types[c], count)
            elif rng.random() < 0.15:
                codes += _pick_codes(rng, work_types[c], 1, codes)
            elif rng.random() < 0.1 and len(codes) > 1:
                codes.remove(rng.choice(codes))
            current[c] = codes
        firm.codes[p] = {c: sorted(current[c]) for c in categories}
    if periods[-1] < len(ctx.periods()) - 1:
        revoked = rng.random() < 0.12
        row["status"] = "revoked" if revoked else "lapsed"
        row["status_reason"] = "虚偽の申請が判明したため資格を取り消した" if revoked else "資格の更新の申請がなかった"
    first_start = ctx.periods()[periods[0]][1]
    row["created_at"] = row["updated_at"] = ctx.at(first_start - timedelta(days=rng.randint(40, 90)))
    return firm


def _plan_keishin(ctx: Context, rng, firm: Firm) -> None:
    """Yearly 経審 of each construction code on the firm's 決算日, while it was registered."""
    periods = ctx.periods()
    month = rng.choices([3, 6, 9, 12], [60, 10, 10, 20])[0]
    first_year = periods[firm.periods[0]][0] - 2
    limit = min(periods[firm.periods[-1]][2], ctx.as_of - timedelta(days=100))
    level = 560 + firm.size * 760
    for code in firm.all_codes("construction"):
        target, rows = level + rng.uniform(-70, 70), []
        for year in range(first_year, limit.year + 1):
            base_date = month_end(year, month)
            if base_date > limit:
                break
            target = max(420.0, target + rng.uniform(-20, 22))
            x1, x2 = round(target + rng.gauss(0, 100)), round(0.9 * target + rng.gauss(0, 60))
            y = min(1595, max(0, round(0.85 * target + rng.gauss(0, 120))))
            z, w = round(target + rng.gauss(0, 100)), min(2219, max(0, round(0.9 * target + rng.gauss(0, 120))))
            p = _compute_p(x1, x2, y, z, w)
            rows.append({"contractor_id": firm.id, "work_type_code": code, "base_date": base_date, "x1": x1, "x2": x2,
                         "y": y, "z": z, "w": w, "p_entered": p + (1 if rng.random() < 0.005 else 0),
                         "p_computed": p, "valid_until": add_months(base_date, 19)})
        firm.keishin[code] = rows


def _compute_p(x1: int, x2: int, y: int, z: int, w: int) -> int:
    """総合評定値 P = 0.25·X1 + 0.15·X2 + 0.2·Y + 0.25·Z + 0.15·W, half-up (integers ×100 avoid float error)."""
    hundredths = 25 * x1 + 15 * x2 + 20 * y + 25 * z + 15 * w
    return (hundredths + 50) // 100


def objective_points(firm: Firm, code: str, period_start: date) -> int | None:
    """P of the latest 経審 a firm could file for a period (基準日 at least 100 days before it starts)."""
    rows = firm.keishin.get(code) or []
    usable = [r for r in rows if r["base_date"] <= period_start - timedelta(days=100)] or rows[:1]
    return usable[-1]["p_computed"] if usable else None


def _rank(rng, firm: Firm, code: str, graded: bool, total: int | None, thresholds: dict) -> str | None:
    if not graded:
        return None
    if firm.category == "construction" and total is not None:
        table = thresholds.get(code) or list(LEGACY_RANKS)
        ranks = [r for r, _ in table]
        rank = next((r for r, minimum in table if total >= minimum), ranks[-1])
        if rng.random() < 0.08:  # decided one step apart (step limits, new firms): the review shows these
            i = ranks.index(rank) + rng.choice((-1, 1))
            rank = ranks[min(max(i, 0), len(ranks) - 1)]
        return rank
    return next(r for r, limit in (("A", 0.55), ("B", 0.4), ("C", 0.28), ("D", 0.18), ("E", -1)) if firm.size > limit)


def _plan_permits(ctx: Context, rng, firm: Firm) -> list[dict]:
    codes = firm.all_codes("construction")
    if not codes:
        return []
    pref = next(p for p in names.PREFECTURES if firm.row["address"].startswith(p))
    minister = firm.area == "outside" and firm.size > 0.5 and rng.random() < 0.5
    authority = "国土交通大臣許可" if minister else f"{pref}知事許可"
    firm.permit_number = rng.randint(1000, 99999) if not minister else rng.randint(1000, 29999)
    first_year = ctx.periods()[firm.periods[0]][0]
    start = date(first_year - rng.randint(1, 25), rng.randint(1, 12), rng.randint(1, 28))
    limit = ctx.as_of if firm.row["status"] == "active" else ctx.periods()[firm.periods[-1]][2]
    rows = []
    for code in codes:
        special = firm.size > 0.5 and rng.random() < 0.6
        firm.permits[code] = (start, authority, special)
        granted = permit_grant(start, limit)
        rows.append({"contractor_id": firm.id, "work_type_code": code, "authority": "minister" if minister else "governor",
                     "prefecture": None if minister else pref, "grade": "special" if special else "general",
                     "permit_year": era_year(granted), "permit_number": firm.permit_number, "office": None,
                     "granted_on": granted, "expires_on": _plus_years(granted, 5) - timedelta(days=1)})
    return rows


def _plus_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def permit_grant(first: date, on: date) -> date:
    """The latest five-yearly renewal of a permit first granted on ``first``, as of ``on``."""
    granted = first
    while _plus_years(granted, 5) <= on:
        granted = _plus_years(granted, 5)
    return granted


def _plan_technicians(rng, firm: Firm) -> list[dict]:
    if firm.category == "goods":
        return []
    pool = names.QUALIFICATIONS[firm.category]
    rows = []
    for _ in range(1 + int(firm.size * (12 if firm.category == "construction" else 8)) + rng.randint(0, 2)):
        name, kana = names.person(rng)
        quals = rng.sample(pool, rng.choice((1, 1, 2)))
        if quals[0].startswith("1級") and rng.random() < 0.5:
            quals.append("監理技術者")
        rows.append({"contractor_id": firm.id, "name": name, "name_kana": kana, "qualifications": "・".join(quals),
                     "employed_since": date(rng.randint(1985, 2024), rng.randint(1, 12), 1),
                     "is_active": rng.random() < 0.92})
    firm.technicians = rows
    return rows


def _registration_rows(ctx: Context, rng, firms: list[Firm], work_types: dict, thresholds: dict):
    periods, current = ctx.periods(), len(ctx.periods()) - 1
    graded = {code: g for rows in work_types.values() for code, g, _ in rows}
    registrations, rows = [], []
    for firm in firms:
        for p in firm.periods:
            _, start, end = periods[p]
            for category, codes in firm.codes[p].items():
                reg_id = len(registrations) + 1
                registrations.append({"id": reg_id, "contractor_id": firm.id, "category": category,
                                      "period_start": start, "period_end": end,
                                      "created_at": ctx.at(start - timedelta(days=rng.randint(30, 70)))})
                for code in codes:
                    objective = objective_points(firm, code, start) if category == "construction" else None
                    subjective = rng.choice((0, 0, 5, 10, 15, 20, 30, 40)) if objective is not None else None
                    total = None if objective is None else objective + subjective
                    rank = _rank(rng, firm, code, graded.get(code, False), total, thresholds)
                    confirmed = rank is not None and (p < current or rng.random() < 0.9)
                    rows.append({"registration_id": reg_id, "work_type_code": code, "objective_points": objective,
                                 "subjective_points": subjective, "rank": rank,
                                 "rank_confirmed_at": ctx.at(start - timedelta(days=20)) if confirmed else None})
    return registrations, rows


def _plan_jvs(ctx: Context, rng, firms: list[Firm], count: int) -> tuple[list[dict], list[dict]]:
    """Joint ventures of 2–3 construction firms; the recent ones are active, older ones dissolved."""
    builders = [f for f in firms if f.category == "construction" and f.row["status"] == "active"]
    leaders = [f for f in builders if f.area == "city" and f.size > 0.3] or builders
    jvs, members = [], []
    for k in range(count if builders else 0):
        jv_id = len(firms) + k + 1
        lead = rng.choice(leaders)
        others = rng.sample([f for f in builders if f.id != lead.id], rng.choice((1, 1, 2)))
        shares = rng.choice(((60, 40), (70, 30), (65, 35))) if len(others) == 1 else rng.choice(
            ((40, 30, 30), (50, 30, 20), (40, 35, 25)))
        short = [f.row["name"].replace("株式会社", "").replace("有限会社", "") for f in [lead, *others]]
        name = "・".join(short) + "特定建設工事共同企業体"
        formed = ctx.as_of - timedelta(days=rng.randint(30, 365 * ctx.years - 30))
        active = (ctx.as_of - formed).days < 730
        jvs.append({"id": jv_id, "number": f"{jv_id:05d}", "name": name, "name_kana": None, "search_key": search_key(name),
                    "legal_form": "corporation", "corporate_number": None, "representative_title": None,
                    "representative_name": lead.row["name"], "postal_code": None, "address": None, "phone": None,
                    "email": None, "area": lead.area, "status": "active" if active else "lapsed",
                    "status_reason": None if active else "工事の完成により解散した", "is_jv": True,
                    "created_at": ctx.at(formed), "updated_at": ctx.at(formed)})
        for i, (firm, share) in enumerate(zip([lead, *others], shares, strict=True)):
            members.append({"jv_id": jv_id, "member_id": firm.id, "share_percent": share, "is_representative": i == 0})
    return jvs, members


def generate(ctx: Context) -> None:
    rng = ctx.rng("registry")
    work_types, thresholds = _work_types(ctx), _thresholds(ctx)
    jv_count = round(ctx.firms * 0.02)
    taken: set[str] = set()
    firms = [_plan_firm(ctx, rng, i, work_types, taken) for i in range(1, ctx.firms - jv_count + 1)]
    permits, technicians = [], []
    for firm in firms:
        _plan_keishin(ctx, rng, firm)
        permits += _plan_permits(ctx, rng, firm)
        technicians += _plan_technicians(rng, firm)
    registrations, work_type_rows = _registration_rows(ctx, rng, firms, work_types, thresholds)
    jvs, members = _plan_jvs(ctx, rng, firms, jv_count)
    suspensions = plan_suspensions(ctx, ctx.rng("registry.suspensions"), firms)
    with ctx.engine.begin() as conn:
        ctx.insert(conn, "contractors", [f.row for f in firms])
        ctx.insert(conn, "contractors", jvs)
        ctx.insert(conn, "contractor_registrations", registrations)
        ctx.insert(conn, "registered_work_types", work_type_rows, chunk=5000)
        ctx.insert(conn, "construction_permits", permits, chunk=5000)
        ctx.insert(conn, "keishin_scores", [r for f in firms for rows in f.keishin.values() for r in rows], chunk=5000)
        ctx.insert(conn, "technicians", technicians, chunk=5000)
        ctx.insert(conn, "jv_members", members)
        ctx.insert(conn, "suspensions", suspensions)
    ctx.shared["firms"] = firms
