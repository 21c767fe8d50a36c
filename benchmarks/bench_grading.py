"""``grading score`` per sheet: in-process time of ``grading.calculator.score_sheet`` (what ``flask grading score``
and the entry screens compute) after a warm-up, for three sheets of the default rules.

    PYTHONPATH=$PWD python benchmarks/bench_grading.py [--database-url URL] [--repeat 300] [--warmup 30]

Without ``--database-url`` a fresh SQLite database is migrated in a temporary folder (the rules are the built-in
versions; a benchmark database gives the same figures, its rules being the same). Each sheet is timed two ways:
``warm`` — calls in one transaction, as a screen scoring several sheets in a request (the rules are cached for the
transaction); ``new transaction`` — a rollback before each call, so each call looks the rules up again, as one
``flask grading score`` process does after its start. Prints p50, p95 and the maximum in milliseconds, and once the
wall time of a whole ``flask grading score`` process (start-up included) for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import AUDIT_KEYS  # noqa: E402

CHIEF = {"施工体制一般": "b", "配置技術者": "b", "施工管理": "b", "工程管理": "c", "安全対策": "b", "対外関係": "c",
         "出来形": "b", "品質": "b", "創意工夫": 3.0}
GENERAL = {"工程管理": "b", "安全対策": "c", "施工条件等への対応": 2, "地域への貢献等": "c"}
FINAL = {"施工管理": "b", "出来形": "a'", "品質": "b", "出来ばえ": "b"}
INTERIM = {"施工管理": "c", "出来形": "b", "品質": "b'", "出来ばえ": "c"}


def sheets() -> dict[str, dict]:
    base = {"date": "2026-12-01", "work_type": "010", "amount": 30_000_000,
            "graders": {"chief": {"items": CHIEF}, "general": {"items": GENERAL}, "final_inspector": {"items": FINAL}},
            "deductions": []}
    interim = json.loads(json.dumps(base))
    interim["graders"]["interim_inspector"] = [{"items": INTERIM}, {"items": INTERIM}]
    interim["deductions"] = [{"kind": "written_warning"}, {"kind": "other", "points": 4}]
    scores = {"date": "2026-12-01", "work_type": "020", "table": "simple",
              "graders": {"chief": {"score": 78}, "general": {"score": 74.5}, "final_inspector": {"score": 81}}}
    return {"標準・中間検査なし（3 評定者・17 細別）": base,
            "標準・中間検査 2 回・減点 2 件（5 評定者）": interim,
            "簡便型・評定点のみ": scores}


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20)[18] if len(ordered) > 1 else ordered[0]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_grading_"))
    url = args.database_url or f"sqlite:///{workdir / 'rules.sqlite3'}"
    from core import create_app
    from core.db import db
    from core.migrate import upgrade_database
    from grading.calculator import score_sheet

    if not args.database_url:
        upgrade_database(url)
    app = create_app({"KEIYAKU_ENV": "production", "KEIYAKU_SECRET_KEY": secrets.token_urlsafe(48), **AUDIT_KEYS,
                      "KEIYAKU_DATABASE_URL": url, "KEIYAKU_PUBLIC_URL": "http://localhost"})
    print(f"database: {url.split('@')[-1]}  repeats: {args.repeat} (after {args.warmup} warm-up calls)")
    print(f"{'sheet':<40} {'mode':<16} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    with app.app_context():
        for name, sheet in sheets().items():
            result = score_sheet(db.session, sheet)
            for mode in ("warm", "new transaction"):
                for _ in range(args.warmup):
                    score_sheet(db.session, sheet)
                samples = []
                for _ in range(args.repeat):
                    if mode == "new transaction":
                        db.session.rollback()
                    started = time.perf_counter()
                    score_sheet(db.session, sheet)
                    samples.append(time.perf_counter() - started)
                p50, p95, worst = _percentiles(samples)
                print(f"{name:<40} {mode:<16} {p50:>8.2f} {p95:>8.2f} {worst:>8.2f}   (final {result['final']})")
            db.session.rollback()
    app.extensions["keiyaku_db"]["engine"].dispose()
    path = workdir / "sheet.json"
    path.write_text(json.dumps(next(iter(sheets().values())), ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "KEIYAKU_ENV": "production", "KEIYAKU_SECRET_KEY": secrets.token_urlsafe(48), **AUDIT_KEYS,
           "KEIYAKU_DATABASE_URL": url, "KEIYAKU_PUBLIC_URL": "http://localhost",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    started = time.perf_counter()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "grading", "score", str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603 (our own command)
                          cwd=Path(__file__).resolve().parent.parent)
    wall = (time.perf_counter() - started) * 1000
    status = "ok" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip()[:200]}"
    print(f"\nflask grading score (one process, start-up included): {wall:,.0f} ms ({status})")


if __name__ == "__main__":
    main()
