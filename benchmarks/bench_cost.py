"""Cost of one request of a page, measured in ways a shared machine does not blur much.

    # instructions per request (valgrind's callgrind: the difference between 40 and 10 requests of the Flask
    # test client, so start-up, login and the first request's template compilation cancel out)
    PYTHONPATH=$PWD python -m benchmarks.bench_cost instructions --database-url URL PATH [PATH ...] [--bare]

    # where the time goes: cProfile of N requests (after a warm-up), the top functions by own and total time
    PYTHONPATH=$PWD python -m benchmarks.bench_cost profile --database-url URL PATH [--requests 200] [--top 40]

    # serial latency over HTTP: gunicorn -w 1 --threads 1, one client, median of N requests (after a warm-up)
    PYTHONPATH=$PWD python -m benchmarks.bench_cost serial --database-url URL PATH [PATH ...] [--requests 300]

PATH ``bare`` means the bare reference page (``benchmarks/bare_app.py``, ``/bare``); any other path is a page of
the app, requested as ``--login`` (default ``bench.contract01``, a contract-staff user of
``benchmarks/dataset.py``) with production settings (CSRF on, a random secret key, real login).
Instruction counts depend on the code and the data, not on what else runs on the machine (to a few per mille).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import statistics
import subprocess  # noqa: S404 (valgrind and gunicorn with fixed argument lists)
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402
    AUDIT_KEYS,
    BENCH_PASSWORD,
    CSRF_RE,
    PROJECT_ROOT,
    Client,
    Server,
    app_environment,
)

BARE = "bare"
LOW, HIGH = 10, 40
TOTALS_RE = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def test_client(database_url: str, path: str, login: str):
    """A Flask test client of the app (logged in) or of the bare page, and the path to request."""
    if path == BARE:
        from benchmarks.bare_app import create_app as bare_app

        return bare_app(database_url).test_client(), "/bare"
    from core import create_app

    app = create_app({"KEIYAKU_ENV": "production", "KEIYAKU_SECRET_KEY": secrets.token_urlsafe(48), **AUDIT_KEYS,
                      "KEIYAKU_DATABASE_URL": database_url, "KEIYAKU_PUBLIC_URL": "http://localhost",
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login_id": login, "password": BENCH_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"login of {login} failed (HTTP {response.status_code}); is this a benchmark database?")
    return client, path


def request_n(client, path: str, n: int) -> None:
    for _ in range(n):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        response.get_data()


def run(args) -> None:
    """The process valgrind measures: build, warm up with one request, then ``--requests`` more."""
    client, path = test_client(args.database_url, args.path, args.login)
    request_n(client, path, 1 + args.requests)


def _callgrind_total(args, path: str, n: int, work: Path) -> int:
    out = work / f"callgrind.{n}.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-m",
               "benchmarks.bench_cost", "run", "--database-url", args.database_url, "--login", args.login,
               "--requests", str(n), path]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True)  # noqa: S603
    match = TOTALS_RE.search(out.read_text(errors="replace"))
    if match is None:
        raise SystemExit(f"no total in {out}")
    return int(match.group(1))


def instructions(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="keiyaku-cost-"))
    print(f"instructions per request = (run of {HIGH} requests - run of {LOW}) / {HIGH - LOW}")
    for path in args.paths:
        low, high = _callgrind_total(args, path, LOW, work), _callgrind_total(args, path, HIGH, work)
        print(f"{path:<50} {(high - low) / (HIGH - LOW) / 1e6:>8.2f} M", flush=True)


def profile(args) -> None:
    client, path = test_client(args.database_url, args.paths[0], args.login)
    request_n(client, path, 5)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    request_n(client, path, args.requests)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{path}: {args.requests} requests, {elapsed / args.requests * 1000:.2f} ms each under the profiler")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


def serial(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="keiyaku-serial-"))
    env = app_environment(args.database_url, str(work / "storage"))
    servers = {}
    try:
        for path in args.paths:
            target = "benchmarks.bare_app:from_environment()" if path == BARE else "wsgi:app"
            if target not in servers:
                servers[target] = Server(target, env, work / f"gunicorn-{len(servers)}.log", 1, 1)
            client = Client(servers[target].port)
            url = "/bare" if path == BARE else path
            if path != BARE:
                client.login(args.login, BENCH_PASSWORD)
            latencies = []
            for i in range(args.warmup + args.requests):
                status, _, elapsed = client.get(url)
                if status != 200:
                    raise SystemExit(f"{url}: HTTP {status}")
                if i >= args.warmup:
                    latencies.append(elapsed * 1000)
            print(f"{path:<50} median {statistics.median(latencies):6.2f} ms  "
                  f"(p10 {statistics.quantiles(latencies, n=10)[0]:.2f}, p90 {statistics.quantiles(latencies, n=10)[-1]:.2f})",
                  flush=True)
    finally:
        for server in servers.values():
            server.stop()
    print(f"load average after: {[round(x, 2) for x in os.getloadavg()]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    for name in ("instructions", "profile", "serial", "run"):
        p = sub.add_parser(name)
        p.add_argument("--database-url", required=True)
        p.add_argument("--login", default="bench.contract01")
        p.add_argument("--requests", type=int, default={"profile": 200, "serial": 300}.get(name, HIGH))
        if name == "run":
            p.add_argument("path")
        else:
            p.add_argument("paths", nargs="+")
        p.add_argument("--top", type=int, default=40)
        p.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    {"instructions": instructions, "profile": profile, "serial": serial, "run": run}[args.mode](args)


if __name__ == "__main__":
    main()
