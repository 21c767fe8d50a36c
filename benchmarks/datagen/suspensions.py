"""Nomination suspensions (指名停止) of the ``registry`` step: ~300 over the years for 7,000 firms, with causes and
period ranges from the ``registry.suspension_causes`` rule. Some are in force on the as-of day, some start
after it (decided, not yet begun), some were lifted early; the rest ended in the past."""

from __future__ import annotations

from datetime import date, timedelta

from . import names
from .context import Context, add_months

FACTS = {
    "false_statement": "入札参加資格審査申請書及び添付書類に虚偽の記載をし、工事の請負契約の相手方として不適当と認められた。",
    "poor_work_own": "市発注の{work}において、過失により工事を粗雑にしたと認められた。",
    "poor_work_other": "県発注の工事において、過失により工事を粗雑にし、その瑕疵が重大であると認められた。",
    "breach": "市発注の{work}において、契約に違反し、工事の請負契約の相手方として不適当と認められた。",
    "accident_public_death": "市発注の{work}の施工にあたり、安全管理の措置が不適切であったため、公衆に死亡者を生じさせた。",
    "accident_public_injury": "市発注の{work}の施工にあたり、安全管理の措置が不適切であったため、公衆に重傷者を生じさせた。",
    "accident_worker_death": "市発注の{work}の施工にあたり、安全管理の措置が不適切であったため、工事関係者に死亡者を生じさせた。",
}
LIFT_REASONS = ("措置の原因となった事実の認定が取り消されたため", "刑事事件について不起訴処分となったため",
                "措置要件に該当しないことが明らかとなったため")


def _span(rng, cause: dict) -> tuple[int, str]:
    """(value, unit) within the cause's range: weeks below one month, else months."""
    low = cause["min_value"] * (4 if cause["min_unit"] == "months" else 1)  # in weeks
    high = cause["max_value"] * (4 if cause["max_unit"] == "months" else 1)
    weeks = rng.randint(low, high)
    if weeks >= 4 and (cause["min_unit"] == "months" or rng.random() < 0.7):
        return max(cause["min_value"] if cause["min_unit"] == "months" else 1, weeks // 4), "months"
    return weeks, "weeks"


def _end(start: date, value: int, unit: str) -> date:
    after = add_months(start, value) if unit == "months" else start + timedelta(weeks=value)
    return after - timedelta(days=1)


def plan_suspensions(ctx: Context, rng, firms: list) -> list[dict]:
    causes = ctx.rule("registry.suspension_causes")["items"]
    # a cause code longer than the column cannot be stored (PostgreSQL refuses it; SQLite would not notice)
    width = ctx.tables["suspensions"].c.cause_code.type.length
    codes = [code for code in sorted(causes) if len(code) <= width]
    count = max(1, round(300 * ctx.firms / 7000))
    kinds = ["current"] * max(1, round(count * 0.05)) + ["future"] * max(1, round(count * 0.02))
    kinds = (kinds + ["lifted"] * round(count * 0.07) + ["past"] * count)[:max(count, len(kinds))]
    periods = ctx.periods()
    builders = [f for f in firms if f.category in ("construction", "consulting")] or firms
    registered = {i: [f for f in builders if i in f.periods] or builders for i in range(len(periods))}
    rows = []
    for kind in kinds:
        code = rng.choice(codes)
        value, unit = _span(rng, causes[code])
        days = (_end(ctx.as_of, value, unit) - ctx.as_of).days + 1
        if kind == "future":
            decided = ctx.as_of - timedelta(days=rng.randint(0, 1))
            start = decided + timedelta(days=2)
        elif kind == "current":
            start = ctx.as_of - timedelta(days=rng.randint(0, max(0, days - 5)))
            decided = start - timedelta(days=2)
        else:
            start = ctx.as_of - timedelta(days=rng.randint(days + 30, max(days + 31, 365 * ctx.years - 60)))
            decided = start - timedelta(days=2)
        end = _end(start, value, unit)
        # a firm registered when the decision was made (most suspensions hit construction firms)
        index = next((i for i, (_, first, last) in enumerate(periods) if first <= decided <= last), len(periods) - 1)
        firm = rng.choice(registered[index])
        lifted = start + timedelta(days=rng.randint(1, max(1, (end - start).days))) if kind == "lifted" else None
        fact = FACTS.get(code, causes[code]["label"] + "に該当する事実があった。").format(work=names.work_title(rng))
        rows.append({"contractor_id": firm.id, "cause_code": code, "decided_on": decided, "starts_on": start,
                     "ends_on": end, "period_text": f"{value}{'か月' if unit == 'months' else '週間'}",
                     "scope": "市発注の建設工事及び建設コンサルタント業務" if rng.random() < 0.3 else None, "facts": fact,
                     "lifted_on": lifted, "lift_reason": rng.choice(LIFT_REASONS) if lifted else None,
                     "created_at": ctx.at(decided)})
    return rows
