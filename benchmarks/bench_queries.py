"""SQL queries, time and response size of any page, in-process (Flask test client, no network).

    PYTHONPATH=$PWD python -m benchmarks.bench_queries --database-url URL \\
        "/registry/ranks/review?category=construction&start_year=2025" [more paths] [--repeat 3] [--top 10]

Logs in as ``--login`` (default ``bench.contract01``, a contract-staff user of ``benchmarks/dataset.py``, with the
benchmark password), requests each path once to warm up, then ``--repeat`` times, and prints per path: the
status, the number of SQL statements of one request (counted with a ``before_cursor_execute`` listener, so
the login-session lookup of the request counts too), the time spent in them, the wall time of the request
(p50 and p95 of the repeats; each time as well for 10 repeats or fewer), the CPU time of the request's thread
(p50: steadier than the wall time on a shared machine; the database server's work is not in it) and the size of
the response.
``--top N`` lists the N statements run most often.
Production settings (real app, CSRF on, a random secret key).
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import AUDIT_KEYS, BENCH_PASSWORD, CSRF_RE  # noqa: E402

SPACES = re.compile(r"\s+")


class QueryCounter:
    """Counts and times every statement the engine runs while ``active``."""

    def __init__(self, engine):
        self.active = False
        self.statements: list[tuple[str, float]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info["bench_started"].pop()
        if self.active:
            self.statements.append((statement, time.perf_counter() - started))

    def reset(self) -> None:
        self.statements = []


def build_client(database_url: str, login_id: str, password: str):
    from core import create_app

    app = create_app({"KEIYAKU_ENV": "production", "KEIYAKU_SECRET_KEY": secrets.token_urlsafe(48), **AUDIT_KEYS,
                      "KEIYAKU_DATABASE_URL": database_url, "KEIYAKU_PUBLIC_URL": "http://localhost",
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login_id": login_id, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"login of {login_id} failed (HTTP {response.status_code}); is this a benchmark database?")
    return app, client


def measure(client, counter: QueryCounter, path: str, repeat: int) -> dict:
    client.get(path)  # warm-up: templates compiled, rules cached, database pages read
    walls, cpus, result = [], [], {}
    for _ in range(max(1, repeat)):
        counter.reset()
        counter.active = True
        started, cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        body = response.get_data()
        walls.append(time.perf_counter() - started)
        cpus.append(time.thread_time() - cpu)
        counter.active = False
        result = {"path": path, "status": response.status_code, "queries": len(counter.statements),
                  "sql_ms": round(sum(t for _, t in counter.statements) * 1000, 1), "bytes": len(body),
                  "statements": list(counter.statements)}
    result["wall_ms"] = round(statistics.median(walls) * 1000, 1)
    result["wall_p95_ms"] = round((statistics.quantiles(walls, n=20)[18] if len(walls) > 1 else walls[0]) * 1000, 1)
    result["cpu_ms"] = round(statistics.median(cpus) * 1000, 1)
    result["wall_ms_all"] = [round(w * 1000, 1) for w in walls]
    #: This process's CPU time per request (the app's side; a PostgreSQL server's work is not in it): steadier than
    #: the wall time on a host other jobs share.
    result["cpu_ms_all"] = [round(c * 1000, 1) for c in cpus]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="URL paths with their query strings")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--login", default="bench.contract01")
    parser.add_argument("--password", default=BENCH_PASSWORD)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=0, help="list the N statements run most often")
    args = parser.parse_args()
    app, client = build_client(args.database_url, args.login, args.password)
    counter = QueryCounter(app.extensions["keiyaku_db"]["engine"])
    print(f"database: {args.database_url.split('@')[-1]}  login: {args.login}  repeats: {args.repeat}")
    for path in args.paths:
        r = measure(client, counter, path, args.repeat)
        each = "" if len(r["wall_ms_all"]) > 10 else f" (each: {', '.join(f'{w:,.0f}' for w in r['wall_ms_all'])})"
        print(f"\n{path}\n  HTTP {r['status']}  queries {r['queries']:,}  SQL {r['sql_ms']:,.1f} ms  "
              f"wall p50 {r['wall_ms']:,.1f} ms  p95 {r['wall_p95_ms']:,.1f} ms{each}  CPU p50 {r['cpu_ms']:,.1f} ms  "
              f"response {r['bytes']:,} bytes")
        if args.top:
            shapes = Counter()
            times: Counter = Counter()
            for statement, seconds in r["statements"]:
                key = SPACES.sub(" ", statement).strip()
                shapes[key] += 1
                times[key] += seconds
            for key, count in shapes.most_common(args.top):
                print(f"  {count:>6} x {times[key] * 1000:>9.1f} ms  {key[:150]}")
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
