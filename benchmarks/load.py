"""Load and throughput of the real app under gunicorn, on a database made by ``benchmarks/dataset.py``.

Load (30 staff users browsing for 120 s, each with ~2 s think time):

    PYTHONPATH=$PWD python -m benchmarks.load --database-url sqlite:////tmp/keiyaku_bench.sqlite3 \\
        --users 30 --duration 120 --out /tmp/load-sqlite.json

Throughput (requests/s of each main list page with 8 clients and no think time, each measured right after the
bare Flask + SQLAlchemy page of ``benchmarks/bare_app.py`` under the same gunicorn settings, and their ratio):

    PYTHONPATH=$PWD python -m benchmarks.load --database-url URL --throughput [--clients 8 --seconds 20] \
        [--only 'contractors type+rank' ...]

gunicorn runs as in production (``docs/deploy.md``: ``-w 2 --threads 4``) with ``KEIYAKU_ENV=production`` and a
fresh random secret key. Each virtual user is a thread with its own cookie jar that logs in through the login
form (CSRF token, real scrypt check) as one of the dataset's contract-staff users, then requests a weighted mix
of pages (``PAGES``), waiting 1–3 s (uniform) between requests. Errors are HTTP 5xx and connection failures;
any other status than 200 is counted as unexpected. "database is locked" is counted in the gunicorn log.
``--skip 'rank review'`` leaves a page out of the mix (to see the other pages without its load).

The client threads run on the same machine as gunicorn and take some of its CPU; requests in flight at the end
of the duration are completed and counted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import subprocess  # noqa: S404 (git rev-parse only)
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402
    BENCH_PASSWORD,
    PROJECT_ROOT,
    Client,
    Server,
    app_environment,
    contract_logins,
    summarize,
)
from benchmarks.datagen.names import CORES  # noqa: E402

#: Graded construction 業種 with rank thresholds in the seeded ``registry.ranks`` rule.
CODES = ("010", "020", "080", "090", "130")
STATES = ("open", "returned", "done", "all")
WORDS = [kanji for kanji, _ in CORES[:40]]

#: (label, weight, path maker) of the load mix: mostly the contractor screens staff use all day.
PAGES = [
    ("home", 2, lambda rng, info: "/"),
    ("contractors", 3, lambda rng, info: "/registry/contractors"),
    ("contractors type+rank", 3, lambda rng, info: f"/registry/contractors?work_type={rng.choice(CODES)}&rank=A"),
    ("contractors name search", 2, lambda rng, info: f"/registry/contractors?q={rng.choice(WORDS)}"),
    ("contractor detail", 3, lambda rng, info: f"/registry/contractors/{rng.randint(1, info['max_id'])}"),
    ("applications", 2, lambda rng, info: f"/registry/applications?state={rng.choice(STATES)}"),
    ("rank review", 0.5, lambda rng, info: f"/registry/ranks/review?category=construction&start_year={info['year']}"),
    ("suspensions", 1, lambda rng, info: "/registry/suspensions"),
]
#: (label, path) of the throughput mode: the main list pages, one fixed URL each.
LISTS = [
    ("contractors", "/registry/contractors"),
    ("contractors type+rank", "/registry/contractors?work_type=010&rank=A"),
    ("contractors name search", "/registry/contractors?q=山田"),
    ("applications (all)", "/registry/applications?state=all"),
    ("suspensions", "/registry/suspensions"),
]
BARE = ("bare page", "/bare")


class Recorder:
    """Latencies, errors and sizes per page, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pages: dict[str, dict] = {}

    def add(self, label: str, status: int | None, elapsed: float, size: int = 0, error: str | None = None) -> None:
        with self.lock:
            page = self.pages.setdefault(label, {"latencies": [], "errors": 0, "unexpected": 0, "bytes": 0,
                                                 "error_kinds": {}})
            if status is None or status >= 500:
                page["errors"] += 1
                kind = f"connection: {error}" if status is None else f"HTTP {status}"
                page["error_kinds"][kind] = page["error_kinds"].get(kind, 0) + 1
            elif status != 200:
                page["unexpected"] += 1
            if status is not None:
                page["latencies"].append(elapsed * 1000)
                page["bytes"] += size

    def report(self) -> dict:
        out, everything = {}, []
        totals = {"requests": 0, "errors": 0, "unexpected": 0}
        for label, page in self.pages.items():
            requests = len(page["latencies"]) + sum(
                n for kind, n in page["error_kinds"].items() if kind.startswith("connection"))
            out[label] = {"requests": requests, "errors": page["errors"], "unexpected": page["unexpected"],
                          **summarize(page["latencies"]),
                          "mean_kb": round(page["bytes"] / max(1, len(page["latencies"])) / 1024, 1),
                          "error_kinds": page["error_kinds"]}
            everything += page["latencies"]
            for key in totals:
                totals[key] += out[label][key]
        return {"pages": out, "overall": {**totals, **summarize(everything)}}


def safe_get(client: Client, path: str) -> tuple[int | None, int, float, str | None]:
    started = time.perf_counter()
    try:
        status, body, elapsed = client.get(path)
        return status, len(body), elapsed, None
    except (OSError, http.client.HTTPException) as exc:
        return None, 0, time.perf_counter() - started, type(exc).__name__


def dataset_info(database_url: str) -> dict:
    """What the mix needs from the data: the highest firm id and the current period's first year."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        max_id = conn.scalar(text("SELECT max(id) FROM contractors"))
        start = conn.scalar(text("SELECT max(period_start) FROM contractor_registrations"))
    engine.dispose()
    if not max_id:
        raise SystemExit("no contractors: build the database with `python -m benchmarks.dataset` first")
    year = start.year if hasattr(start, "year") else int(str(start)[:4])
    return {"max_id": max_id, "year": year}


def logged_in(port: int, count: int) -> list[Client]:
    logins = contract_logins()
    clients = []
    for i in range(count):
        client = Client(port)
        client.login(logins[i % len(logins)], BENCH_PASSWORD)
        clients.append(client)
    return clients


def run_load(port: int, info: dict, users: int, duration: float, seed: int, skip=()) -> tuple[dict, float]:
    clients = logged_in(port, users)
    recorder = Recorder()
    mix = [p for p in PAGES if p[0] not in skip]
    labels, weights, makers = [p[0] for p in mix], [p[1] for p in mix], {p[0]: p[2] for p in mix}
    deadline = time.monotonic() + duration

    def user(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        time.sleep(rng.uniform(0, 3))  # users do not all click at the same instant
        while time.monotonic() < deadline:
            label = rng.choices(labels, weights)[0]
            status, size, elapsed, error = safe_get(clients[i], makers[label](rng, info))
            recorder.add(label, status, elapsed, size, error)
            time.sleep(rng.uniform(1.0, 3.0))

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return recorder.report(), time.monotonic() - started


def run_throughput(port: int, path: str, clients: list[Client], seconds: float, warmup: float) -> dict:
    """Requests/s of ``path`` with ``len(clients)`` clients sending back to back (no think time)."""
    recorder = Recorder()
    phase = {"recording": False}
    stop_at = time.monotonic() + warmup + seconds

    def loop(client: Client) -> None:
        while time.monotonic() < stop_at:
            status, size, elapsed, error = safe_get(client, path)
            if phase["recording"] and time.monotonic() <= stop_at:
                recorder.add(path, status, elapsed, size, error)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    time.sleep(warmup)
    phase["recording"] = True
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    page = recorder.report()["pages"].get(path, {"requests": 0, "errors": 0})
    ok = page["requests"] - page["errors"] - page.get("unexpected", 0)
    return {**page, "requests_per_s": round(ok / elapsed, 2)}


def throughput_mode(app_server: Server, bare_server: Server, clients: int, seconds: float, warmup: float,
                    only=()) -> dict:
    """Each list page measured right after the bare page, so both see the same machine: the ratio compares
    neighbours even when other processes come and go."""
    bare_clients = [Client(bare_server.port) for _ in range(clients)]
    app_clients = logged_in(app_server.port, clients)
    pages = {}
    print(f"\n{clients} clients, {seconds:.0f} s per page, no think time; ratio = page / bare page measured just before")
    print(f"{'page':<26}{'req/s':>8}{'bare':>8}{'ratio':>7}{'p50 ms':>8}{'p95 ms':>8}{'errors':>7}")
    for label, path in LISTS:
        if only and label not in only:
            continue
        bare = run_throughput(bare_server.port, BARE[1], bare_clients, seconds, warmup)
        r = run_throughput(app_server.port, path, app_clients, seconds, warmup)
        ratio = round(r["requests_per_s"] / bare["requests_per_s"], 3) if bare["requests_per_s"] else None
        pages[label] = {"path": path, **r, "bare": bare, "ratio_to_bare": ratio}
        print(f"{label:<26}{r['requests_per_s']:>8.1f}{bare['requests_per_s']:>8.1f}{ratio or 0:>7.2f}"
              f"{r['p50_ms']:>8.0f}{r['p95_ms']:>8.0f}{r['errors'] + bare['errors']:>7}", flush=True)
    return {"mode": "throughput", "clients": clients, "seconds": seconds, "pages": pages}


def _print_load(report: dict) -> None:
    print(f"\n{'page':<26}{'requests':>9}{'errors':>7}{'other':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}"
          f"{'max':>8}{'KB':>7}")
    rows = [(label, report["pages"][label]) for label, *_ in PAGES if label in report["pages"]]
    for label, r in [*rows, ("overall", {**report["overall"], "mean_kb": 0})]:
        print(f"{label:<26}{r['requests']:>9}{r['errors']:>7}{r['unexpected']:>6}{r['p50_ms']:>8.0f}{r['p95_ms']:>8.0f}"
              f"{r['p99_ms']:>8.0f}{r['mean_ms']:>8.0f}{r['max_ms']:>8.0f}{r['mean_kb']:>7.0f}")


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,  # noqa: S603,S607
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--duration", type=float, default=120, help="seconds of load")
    parser.add_argument("--throughput", action="store_true", help="measure requests/s of the list pages instead")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the throughput mode")
    parser.add_argument("--seconds", type=float, default=20, help="seconds measured per page (throughput)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before measuring each page (throughput)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", action="append", default=[], choices=[p[0] for p in PAGES],
                        help="leave this page out of the load mix (repeatable), e.g. --skip 'rank review'")
    parser.add_argument("--only", action="append", default=[], choices=[label for label, _ in LISTS],
                        help="throughput of this list page only (repeatable), e.g. --only 'contractors type+rank'")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="keiyaku-load-"))
    info = dataset_info(args.database_url)
    env = app_environment(args.database_url, str(work / "storage"))
    result = {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "commit": _git_commit(),
              "engine": args.database_url.split(":", 1)[0].split("+")[0], "machine": platform.platform(),
              "cpus": os.cpu_count(), "workers": args.workers, "threads": args.threads,
              "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    app_server = Server("wsgi:app", env, work / "gunicorn-app.log", args.workers, args.threads)
    bare_server = None
    try:
        if args.throughput:
            bare_server = Server("benchmarks.bare_app:from_environment()", env, work / "gunicorn-bare.log",
                                 args.workers, args.threads)
            result |= throughput_mode(app_server, bare_server, args.clients, args.seconds, args.warmup,
                                      args.only)
        else:
            report, elapsed = run_load(app_server.port, info, args.users, args.duration, args.seed, args.skip)
            result |= {"mode": "load", "users": args.users, "duration_s": round(elapsed, 1),
                       "requests_per_s": round(report["overall"]["requests"] / elapsed, 2),
                       "weights": {label: w for label, w, _ in PAGES if label not in args.skip}, **report}
            print(f"\n{args.users} users, {elapsed:.0f} s, {result['requests_per_s']} requests/s")
            _print_load(report)
    finally:
        app_server.stop()
        if bare_server:
            bare_server.stop()
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    # one "sqlite3.OperationalError: database is locked" line per failed statement (the chained SQLAlchemy
    # error repeats the words); ERROR lines are the app's and gunicorn's error reports
    result["database_is_locked"] = app_server.log_count("OperationalError: database is locked")
    result["database_is_locked_lines"] = app_server.log_count("database is locked")
    result["error_log_lines"] = app_server.log_count("ERROR:") + app_server.log_count("[ERROR]")
    print(f"load average before {result['load_average_before']}, after {result['load_average_after']} "
          "(other processes on the machine skew the numbers)")
    print(f"'database is locked' in the gunicorn log: {result['database_is_locked']} errors "
          f"({result['database_is_locked_lines']} lines); ERROR lines: {result['error_log_lines']} "
          f"(log: {app_server.log_path})")
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
