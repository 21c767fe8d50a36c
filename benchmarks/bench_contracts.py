"""The contract screens and the 契約書 on the 10-year dataset (issue 12 targets: the contract list and a contract's
契約 tab p95 < 100 ms; a one-page 契約書 PDF < 100 ms after warm-up).

    PYTHONPATH=$PWD python -m benchmarks.bench_contracts --database-url URL [--repeat 40]

On a database of ``benchmarks/dataset.py`` (contracts, change contracts, claims and inspections included), with
production settings, in-process (Flask test client): the contract list (page 1, filtered, sorted, a deep page of a
sort by 契約者, the 支払遅延 filter), the same list as department staff (``bench.dept01``), the 契約 tab of the contract
with the most change contracts, claims and inspections, the list's CSV of one 年度, and the 契約書 of that contract:
the inline PDF through HTTP (what the preview shows) and the form alone (parameters, query, document, PDF; as
``bench_reports.py`` times forms). p50 and p95 by nearest rank over ``--repeat`` runs after one warm-up, of the wall
time and of this process's CPU time (the app's side: steadier on a shared host, but without PostgreSQL's own work).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import BENCH_PASSWORD, percentile  # noqa: E402
from benchmarks.bench_queries import QueryCounter, build_client, measure  # noqa: E402


def _pick(app) -> dict:
    """The contract with the most change contracts, claims and inspections; the 年度 with the most contracts."""
    from bidding.cases.models import TenderCase
    from bidding.contracts.models import Contract, ContractChange, Payment
    from bidding.inspections.models import Inspection
    from core.db import db

    with app.app_context():
        session = db.session

        def per_contract(model):
            return (select(model.contract_id, func.count().label("n")).group_by(model.contract_id)
                    .subquery(model.__tablename__))

        weights = [per_contract(m) for m in (ContractChange, Payment, Inspection)]
        total = sum(func.coalesce(w.c.n, 0) for w in weights)
        stmt = select(Contract.case_id, TenderCase.number, Contract.document_kind, total).join(
            TenderCase, TenderCase.id == Contract.case_id)
        for w in weights:
            stmt = stmt.outerjoin(w, w.c.contract_id == Contract.id)
        case_id, number, kind, records = session.execute(stmt.order_by(total.desc(), Contract.id).limit(1)).one()
        year, count = session.execute(
            select(TenderCase.fiscal_year, func.count()).join(Contract, Contract.case_id == TenderCase.id)
            .group_by(TenderCase.fiscal_year).order_by(func.count().desc()).limit(1)).one()
        contracts = session.scalar(select(func.count()).select_from(Contract))
    return {"case_id": case_id, "case": number, "kind": kind, "records": records, "year": year, "year_contracts": count,
            "contracts": contracts}


def _line(label: str, walls: list[float], extra: str = "", cpu: list[float] | None = None) -> None:
    own = f"cpu p50 {percentile(cpu, 50):6.1f} p95 {percentile(cpu, 95):6.1f}  " if cpu else ""
    print(f"  {label:<62} p50 {percentile(walls, 50):7.1f} ms  p95 {percentile(walls, 95):7.1f} ms  {own}{extra}")


def _form_times(app, case: str, repeat: int) -> tuple[list[float], list[float], int]:
    """The 契約書 as the download view makes it, without HTTP and the operation-log entry: wall and CPU ms."""
    from core.db import db
    from exports import reports
    from exports.render import FORMATS
    from exports.reports.base import today

    definition = reports.get("contract_document")
    walls, cpu, size = [], [], 0
    with app.app_context():
        for n in range(repeat + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            values = definition.parse({"case": case}, db.session)
            document = definition.produce(db.session, values, None)
            data = FORMATS["pdf"][0](document, app.config["ORG_NAME"], today(), date_style=app.config["DATE_STYLE"])
            if n:  # the first call is the warm-up
                walls.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            size = len(data)
            db.session.rollback()
    return walls, cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    app, client = build_client(args.database_url, "bench.contract01", BENCH_PASSWORD)
    counter = QueryCounter(app.extensions["keiyaku_db"]["engine"])
    picked = _pick(app)
    year = picked["year"]
    print(f"database: {args.database_url.split('@')[-1]}  repeats: {args.repeat}  contracts: {picked['contracts']:,}")
    print(f"contract tab of {picked['case']} ({picked['records']} change contracts, claims and inspections); "
          f"年度 {year}: {picked['year_contracts']:,} contracts")
    paths = [
        ("contract list, page 1", "/bidding/contracts"),
        (f"list: 年度 {year} + 完成 + 契約金額 ≥ 10,000,000", f"/bidding/contracts?fiscal_year={year}&state=completed"
                                                       "&amount_min=10%2C000%2C000"),
        ("list: 契約者 search 「建設」 + 変更契約あり", "/bidding/contracts?contractor=%E5%BB%BA%E8%A8%AD&changes=yes"),
        ("list sorted by 契約金額 (current), descending", "/bidding/contracts?sort=-amount"),
        ("list sorted by 契約者, page 100", "/bidding/contracts?sort=contractor&page=100"),
        ("list: 支払遅延 filter", "/bidding/contracts?overdue=y"),
        (f"契約 tab ({picked['case']})", f"/bidding/cases/{picked['case_id']}/contract"),
        (f"list CSV, 年度 {year}", f"/bidding/contracts?fiscal_year={year}&format=csv"),
        (f"{'契約書' if picked['kind'] == 'contract' else '請書'} PDF through HTTP (the preview's inline PDF)",
         f"/exports/reports/contract_document.pdf?inline=1&case={picked['case']}"),
    ]
    for label, path in paths:
        r = measure(client, counter, path, args.repeat)
        _line(label, r["wall_ms_all"], f"HTTP {r['status']}, {r['queries']} queries, {r['bytes']:,} bytes",
              r["cpu_ms_all"])
    walls, cpu, size = _form_times(app, picked["case"], args.repeat)
    _line("契約書 PDF, the form alone (parameters, query, document, PDF)", walls, f"{size:,} bytes", cpu)
    app.extensions["keiyaku_db"]["engine"].dispose()
    dept_app, dept = build_client(args.database_url, "bench.dept01", BENCH_PASSWORD)
    dept_counter = QueryCounter(dept_app.extensions["keiyaku_db"]["engine"])
    for label, path in [("contract list, page 1, department staff (bench.dept01)", "/bidding/contracts"),
                        ("the same sorted by 契約金額", "/bidding/contracts?sort=-amount")]:
        r = measure(dept, dept_counter, path, args.repeat)
        _line(label, r["wall_ms_all"], f"HTTP {r['status']}, {r['queries']} queries, {r['bytes']:,} bytes",
              r["cpu_ms_all"])
    dept_app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
