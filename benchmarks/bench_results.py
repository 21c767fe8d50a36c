"""入札調書 and the published results on the 10-year dataset (SPEC CM11 targets: a case's 入札調書 preview p95 <
100 ms; the results CSV of one 年度 < 2 s).

    PYTHONPATH=$PWD python -m benchmarks.bench_results --database-url URL [--repeat 40]

On a database of ``benchmarks/dataset.py`` (bids, rounds, 電子くじ and awards included), logged in as contract staff
with production settings, in-process (Flask test client): the 入札調書 of the case with the most bids and of a case
settled by a lot (preview page, and the inline PDF the preview shows), the results page of the 年度 with the most
opened cases, its CSV from the page (UTF-8 and CP932), and ``flask results export`` of that 年度 run through the CLI
runner (the command's own work: query, CSV, file, operation log). p50 and p95 by nearest rank over ``--repeat``
runs after one warm-up. ``--cold`` also times the command as a new process (``flask --app wsgi results export``,
interpreter and app start included).
"""

from __future__ import annotations

import argparse
import os
import subprocess  # noqa: S404 (runs the project's own command with a fixed argument list)
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import BENCH_PASSWORD, PROJECT_ROOT, percentile  # noqa: E402
from benchmarks.bench_queries import QueryCounter, build_client, measure  # noqa: E402


def _pick(app) -> dict:
    from bidding.bids.models import Bid, BidRound, LotDraw
    from bidding.cases.models import TenderCase
    from bidding.cases.queries import fiscal_years
    from bidding.results.queries import ResultFilters, result_list
    from core.db import db

    with app.app_context():
        session = db.session
        most = session.execute(select(TenderCase.number, func.count(Bid.id)).join(Bid, Bid.case_id == TenderCase.id)
                               .where(TenderCase.state == "completed").group_by(TenderCase.number)
                               .order_by(func.count(Bid.id).desc()).limit(1)).one()
        lot = session.scalar(select(TenderCase.number).join(BidRound, BidRound.case_id == TenderCase.id)
                             .join(LotDraw, LotDraw.round_id == BidRound.id).order_by(TenderCase.number).limit(1))
        years = {}
        for year in fiscal_years(session):
            stmt = result_list(None, ResultFilters(fiscal_year=year))
            years[year] = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        year = max(years, key=years.get)
        count = years[year]
        bids = session.scalar(select(func.count(Bid.id)).join(TenderCase, TenderCase.id == Bid.case_id)
                              .where(TenderCase.fiscal_year == year))
    return {"most": most[0], "most_bids": most[1], "lot": lot, "year": year, "year_cases": count, "year_bids": bids}


def _line(label: str, walls: list[float], extra: str = "") -> None:
    print(f"  {label:<58} p50 {percentile(walls, 50):8.1f} ms  p95 {percentile(walls, 95):8.1f} ms  {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--login", default="bench.contract01")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--cold", action="store_true", help="also time the command as a new process")
    args = parser.parse_args()
    app, client = build_client(args.database_url, args.login, BENCH_PASSWORD)
    counter = QueryCounter(app.extensions["keiyaku_db"]["engine"])
    picked = _pick(app)
    print(f"database: {args.database_url.split('@')[-1]}  repeats: {args.repeat}")
    print(f"case with the most bids: {picked['most']} ({picked['most_bids']} bids); case with a lot: {picked['lot']}; "
          f"年度 {picked['year']}: {picked['year_cases']:,} opened cases, {picked['year_bids']:,} bids")
    year = picked["year"]
    paths = [
        (f"入札調書 preview page ({picked['most']})", f"/exports/reports/bid_record?case={picked['most']}"),
        (f"入札調書 PDF ({picked['most']})", f"/exports/reports/bid_record.pdf?inline=1&case={picked['most']}"),
        (f"入札調書 preview page, lot ({picked['lot']})", f"/exports/reports/bid_record?case={picked['lot']}"),
        (f"入札調書 PDF, lot ({picked['lot']})", f"/exports/reports/bid_record.pdf?inline=1&case={picked['lot']}"),
        (f"results page, 年度 {year}", f"/bidding/results?fiscal_year={year}"),
        (f"results page, 年度 {year}, sorted by 落札率, page 20", f"/bidding/results?fiscal_year={year}&sort=-rate&page=20"),
        (f"results CSV from the page, 年度 {year} (UTF-8)", f"/bidding/results?fiscal_year={year}&format=csv"),
        (f"results CSV from the page, 年度 {year} (CP932)", f"/bidding/results?fiscal_year={year}&format=csv&encoding=cp932"),
        (f"入札結果一覧 PDF, 年度 {year}, one month", f"/exports/reports/bid_results.pdf?fiscal_year={year}"
                                                   f"&opening_from={year}-06-01&opening_to={year}-06-30"),
    ]
    for label, path in paths:
        r = measure(client, counter, path, args.repeat)
        _line(label, r["wall_ms_all"], f"HTTP {r['status']}, {r['queries']} queries, {r['bytes']:,} bytes")
    runner = app.test_cli_runner()
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "results.csv")
        command = ["results", "export", "--fiscal-year", str(year), "--out", out]
        runner.invoke(args=command)
        walls = []
        for _ in range(max(1, args.repeat // 4)):
            started = time.perf_counter()
            result = runner.invoke(args=command)
            walls.append((time.perf_counter() - started) * 1000)
            if result.exit_code != 0:
                raise SystemExit(result.output)
        _line(f"flask results export --fiscal-year {year} (in process)", walls,
              f"{os.path.getsize(out):,} bytes; {result.output.strip()}")
        if args.cold:
            env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KEIYAKU_ENV": "development",
                   "KEIYAKU_DATABASE_URL": args.database_url}
            walls = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], check=True, env=env,  # noqa: S603
                               cwd=PROJECT_ROOT, capture_output=True)
                walls.append((time.perf_counter() - started) * 1000)
            _line("the same as a new process (start included)", walls)
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
