"""E-bid result import (CM8) throughput: one year of results (~10,000 rows: ~1,700 cases × ~6 firms, some with a
再度入札) in the sample's layout (CP932), on an empty database.

Usage:
    python benchmarks/bench_ebid_import.py [--cases 1700] [--database-url URL]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database.
Setup (not timed): 7 departments, 500 firms, and the year's cases already in Keiyaku (決裁済, 指名済 or 公告済, with
their participants). Timed: the dry run; the commit (every case opened, ~10,000 bids, the awards); a re-import of
the same file (all unchanged); a corrected file (5 % of the amounts changed, 2 % of the winners moved: awards
withdrawn and recorded again); and the previous year's file of the same size imported with
``create_missing_cases`` (every case registered from the file). Target: each run < 20 s, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import AUDIT_KEYS  # noqa: E402

HEADER = ["案件番号", "案件名称", "入札方式", "開札日", "予定価格", "最低制限価格", "業者番号", "業者名称", "入札回数",
          "入札金額", "結果"]
DEPARTMENTS = {"110": "土木課", "120": "道路課", "130": "河川港湾課", "210": "建築課", "310": "上下水道局工務課",
               "410": "教育総務課", "510": "農林漁港整備課"}
FIRMS = [(f"{100001 + i}", f"株式会社計測建設{i:03d}") for i in range(500)]
WORKS = ["道路改良工事", "舗装補修工事", "護岸改修工事", "管渠布設工事", "外壁改修工事"]
ERA = 2018  # 令和 year = 西暦 − 2018


def wareki(day: date) -> str:
    return f"令和{day.year - ERA}年{day.month}月{day.day}日"


def make_cases(count: int, fiscal_year: int, seed: int) -> list[dict]:
    """``count`` cases of ``fiscal_year`` with their bids per round (amounts, statuses by the prices)."""
    rng = random.Random(seed)
    cases = []
    departments = list(DEPARTMENTS)
    for i in range(count):
        code = departments[i % len(departments)]
        planned = rng.randrange(5_000, 200_000) * 1000
        floor = planned * rng.randrange(82, 92) // 100 // 1000 * 1000
        opening = date(fiscal_year, 4, 10) + timedelta(days=i * 350 // count)
        firms = rng.sample(FIRMS, rng.randrange(4, 9))
        rounds = [[]]
        rebid = rng.random() < 0.05
        for number, name in firms:
            factor = rng.uniform(1.01, 1.08) if rebid else rng.uniform(0.80, 1.04)
            declined = rng.random() < 0.08
            rounds[0].append([number, name, None if declined else int(planned * factor) // 1000 * 1000])
        if rebid:  # round 1 all over the 予定価格: a 再度入札 below it
            rounds.append([[n, name, int(planned * rng.uniform(0.90, 0.99)) // 1000 * 1000] for n, name, _ in
                           rounds[0][:3]])
        cases.append({"number": f"{fiscal_year}-{code}-{i + 1:04d}", "name": f"市道{i + 1}号線{WORKS[i % len(WORKS)]}",
                      "method": "指名競争入札" if i % 2 else "一般競争入札", "opening": opening, "planned": planned,
                      "floor": floor, "rounds": rounds})
    return cases


def rows_of(cases: list[dict]) -> list[list[str]]:
    """The file's rows: the results by the prices, the lowest valid bid of the last round 落札."""
    rows = []
    for case in cases:
        planned, floor = case["planned"], case["floor"]
        for round_no, bids in enumerate(case["rounds"], start=1):
            valid = [amount for _, _, amount in bids if amount is not None and floor <= amount <= planned]
            lowest = min(valid) if valid and round_no == len(case["rounds"]) else None
            won = False
            for number, name, amount in bids:
                if amount is None:
                    result = "辞退"
                elif amount > planned:
                    result = "予定価格超過"
                elif amount < floor:
                    result = "失格（最低制限価格未満）"
                elif amount == lowest and not won:
                    result, won = "落札", True
                else:
                    result = ""
                rows.append([case["number"], case["name"], case["method"], wareki(case["opening"]), str(planned),
                             str(floor), number, name, str(round_no), "" if amount is None else str(amount), result])
    return rows


def corrected(rows: list[list[str]]) -> list[list[str]]:
    """5 % of the amounts changed by 1,000 円 (statuses kept), 2 % of the cases' 落札 moved to another valid bid."""
    rows = [list(r) for r in rows]
    by_case: dict[str, list[list[str]]] = {}
    for n, cells in enumerate(rows):
        by_case.setdefault(cells[0], []).append(cells)
        if n % 20 == 7 and cells[9] and cells[10] == "":
            cells[9] = str(int(cells[9]) + 1000)
    for n, (_, cells_of_case) in enumerate(by_case.items()):
        if n % 50 == 3:
            winner = next((c for c in cells_of_case if c[10] == "落札"), None)
            other = next((c for c in cells_of_case if c[10] == "" and c[8] == (winner or [""] * 9)[8]), None)
            if winner and other:
                winner[10], other[10] = "", "落札"
    return rows


def encode(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER] + rows)
    return out.getvalue().encode("cp932")


def setup(session, cases: list[dict]) -> None:
    """Departments, firms and the year's cases (決裁済, 指名済 / 公告済) with their participants, inserted directly."""
    from sqlalchemy import insert, select

    from bidding.cases.models import TenderCase
    from bidding.nominations.models import CaseParticipant
    from core.auth import admin_services
    from core.auth.models import Department
    from core.jp import search_key
    from registry.contractors.models import Contractor

    for code, name in DEPARTMENTS.items():
        admin_services.create_department(session, None, code=code, name=name)
    session.execute(insert(Contractor), [{"number": number, "name": name, "search_key": search_key(name),
                                          "legal_form": "corporation", "area": "city", "status": "active",
                                          "is_jv": False} for number, name in FIRMS])
    departments = {d.code: d.id for d in session.scalars(select(Department))}
    now = datetime(2025, 4, 1)
    if not cases:
        session.commit()
        return
    session.execute(insert(TenderCase), [{
        "number": c["number"], "fiscal_year": int(c["number"][:4]), "name": c["name"],
        "department_id": departments[c["number"].split("-")[1]], "category": "construction", "work_type_code": "010",
        "method": "nominated" if c["method"] == "指名競争入札" else "open_restricted", "planned_price": c["planned"],
        "floor_kind": "minimum", "floor_price": c["floor"], "disclosure": "after", "cost_breakdown": {},
        "drafted_on": c["opening"] - timedelta(days=30), "notice_on": c["opening"] - timedelta(days=20),
        "opening_at": datetime.combine(c["opening"], datetime.min.time()).replace(hour=10),
        "state": "nominated" if c["method"] == "指名競争入札" else "published", "approval": "approved",
        "approved_at": now, "created_at": now, "updated_at": now} for c in cases])
    case_ids = {n: i for n, i in session.execute(select(TenderCase.number, TenderCase.id))}
    firm_ids = {n: i for n, i in session.execute(select(Contractor.number, Contractor.id))}
    session.execute(insert(CaseParticipant), [{
        "case_id": case_ids[c["number"]], "contractor_id": firm_ids[number],
        "kind": "nominated" if c["method"] == "指名競争入札" else "applicant",
        "status": "nominated" if c["method"] == "指名競争入札" else "admitted", "created_at": now}
        for c in cases for number, _, _ in c["rounds"][0]])
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_700)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, **AUDIT_KEYS, KEIYAKU_DATABASE_URL=url,
                      KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app
    from core.db import db
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import
    from core.migrate import upgrade_database

    upgrade_database(url)
    app = create_app()
    this_year, last_year = make_cases(args.cases, 2025, 1), make_cases(args.cases, 2024, 2)
    rows = rows_of(this_year)
    files = [("dry run", encode(rows), True, False), ("commit (cases opened, bids, awards)", encode(rows), False, False),
             ("re-import (unchanged)", encode(rows), False, False),
             ("corrected file (5 % amounts, 2 % winners)", encode(corrected(rows)), False, False),
             ("last year, create_missing_cases", encode(rows_of(last_year)), False, True)]
    print(f"database: {url.split('@')[-1]}  {len(rows):,} rows, {args.cases:,} cases, "
          f"{len(files[0][1]) / 1e6:.1f} MB (cp932)")
    with app.app_context():
        setup(db.session, this_year)
        kind = get_kind("ebid_results")
        profile, settings = profiles.get_settings(db.session, kind, None)
        for label, data, dry, create in files:
            t, cpu = time.perf_counter(), time.process_time()
            report = run_import(db.session, None, kind, data=data, file_name="ebid.csv", profile_name=profile,
                                settings=settings, dry_run=dry, options={"create_missing_cases": create})
            db.session.commit()
            elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
            extra = report.extra
            # CPU time of this process (the app's side): on a shared machine the wall time also holds the waits.
            print(f"{label:<44}{elapsed:>6.2f} s (cpu {cpu:5.2f} s)  {report.total / elapsed:>6,.0f} rows/s  new {report.new} "
                  f"updated {report.updated} unchanged {report.unchanged} rejected {report.rejected_rows}  "
                  f"cases {extra['cases']} awards {extra['awards']} no_award {extra['no_award']} "
                  f"warnings {extra['warning_count']}  {report.summary.get('落札決定の記録', '')}")
            db.session.expunge_all()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
