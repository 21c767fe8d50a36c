"""Page response times for the foundation screens (SPEC NF2), on a production-like dataset.

Usage:
    python benchmarks/bench_pages.py [--database-url URL] [--repeat 50] [--concurrency 30]

Without --database-url a temporary SQLite file is used. A PostgreSQL URL must point at an EMPTY database
(it is migrated and filled). Data: 200 users in 20 departments, 50,000 operation-log entries (a valid hash
chain) and 30,000 login-history rows. Production settings are used (real scrypt cost for logins).

Two measurements:
1. in-process (Flask test client): p50/p95 per page, no network;
2. a threaded HTTP server with N concurrent clients hitting the user list and the operation log.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import AUDIT_KEYS  # noqa: E402

ADMIN_PASSWORD = "Bn-" + secrets.token_urlsafe(12) + "9a"  # random per run: no fixed password anywhere


def build_app(database_url: str):
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, **AUDIT_KEYS, KEIYAKU_DATABASE_URL=database_url,
                      KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app

    app = create_app({"SESSION_COOKIE_SECURE": False})
    return app


def fill(app) -> None:
    from sqlalchemy import insert

    from core.audit.chain import audit_key, entry_hash
    from core.audit.models import AuditEntry, AuditHead
    from core.auth import admin_services
    from core.auth.models import LoginHistory, User
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.auth.roles import Role
    from core.db import db, utcnow
    from core.migrate import upgrade_database

    upgrade_database(app.config["DATABASE_URL"])
    rng = random.Random(7)
    policy = PasswordPolicy()
    with app.app_context():
        s = db.session
        departments = [admin_services.create_department(s, None, code=f"{i:04d}", name=f"第{i}部 第{i}課")
                       for i in range(1, 21)]
        roles = [Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER]
        cheap = hash_password("unused-Password-1", "scrypt:1024:8:1")  # only the admin logs in
        for i in range(199):
            s.add(User(login_id=f"staff{i:03d}", name=f"職員 {i:03d}", department=rng.choice(departments),
                       password_hash=cheap, must_change_password=False, is_active=i % 17 != 0,
                       failed_login_count=0, last_login_at=utcnow() - timedelta(hours=rng.randint(1, 5000)),
                       role_rows=[]))
        s.flush()
        for user in s.query(User).all():
            user.set_roles([rng.choice(roles)])
        admin, _ = admin_services.create_user(s, None, login_id="bench.admin", name="計測 管理者", department_id=None,
                                              roles=[Role.SYSTEM_ADMIN], policy=policy)
        admin.password_hash = hash_password(ADMIN_PASSWORD)
        admin.must_change_password = False
        s.commit()

        head = s.get(AuditHead, 1)
        prev, seq, start = head.last_hash, head.seq, utcnow() - timedelta(days=700)
        rows = []
        for n in range(50_000):
            seq += 1
            e = AuditEntry(id=seq, at=start + timedelta(minutes=20 * n), user_id=admin.id, login_id="bench.admin",
                           ip="10.0.0.1", endpoint="admin.user_edit", operation=rng.choice(
                               ["user.update", "auth.login", "department.update", "auth.logout"]),
                           target_type="users", target_id=str(rng.randint(1, 200)), summary=f"計測用の操作 {n}",
                           details=None, prev_hash=prev)
            e.chain = 2
            e.hash = entry_hash(e, audit_key(s))
            prev = e.hash
            rows.append({c: getattr(e, c) for c in ("id", "at", "user_id", "login_id", "ip", "endpoint", "operation",
                                                     "target_type", "target_id", "summary", "details", "prev_hash",
                                                     "hash", "chain")})
        for i in range(0, len(rows), 5000):
            s.execute(insert(AuditEntry), rows[i:i + 5000])
        head.seq, head.last_hash = seq, prev
        s.execute(insert(LoginHistory), [
            {"at": start + timedelta(minutes=30 * n), "login_id": f"staff{n % 199:03d}", "user_id": None,
             "result": "success" if n % 9 else "failure", "ip": f"10.0.{n % 250}.{n % 200}", "user_agent": "Edge"}
            for n in range(30_000)])
        s.commit()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client) -> None:
    response = client.post("/login", data={"login_id": "bench.admin", "password": ADMIN_PASSWORD,
                                           "csrf_token": _csrf(client)})
    assert response.status_code == 302


def time_in_process(app, repeat: int) -> list[tuple[str, float, float]]:
    client = app.test_client()
    results = []

    def measure(label, call):
        call()  # warm-up
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code in (200, 302), (label, response.status_code)
        results.append((label, statistics.median(samples), percentile(samples, 95)))

    measure("GET /login", lambda: client.get("/login"))
    samples = []
    for _ in range(max(5, repeat // 5)):  # each login costs one real scrypt (~90 ms) by design
        fresh = app.test_client()
        token = _csrf(fresh)
        t = time.perf_counter()
        response = fresh.post("/login", data={"login_id": "bench.admin", "password": ADMIN_PASSWORD,
                                              "csrf_token": token})
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 302, response.status_code
    results.append(("POST /login (scrypt)", statistics.median(samples), percentile(samples, 95)))
    _login(client)
    for label, url in [
        ("GET /admin/users", "/admin/users"),
        ("GET /admin/users (filter+sort)", "/admin/users?q=職員&status=all&sort=-last_login"),
        ("GET /admin/users page 4", "/admin/users?status=all&page=4"),
        ("GET /admin/audit/ (50k rows)", "/admin/audit/"),
        ("GET /admin/audit/ filtered", "/admin/audit/?operation=user.update&date_from=2026-01-01"),
        ("GET /admin/login-history (30k)", "/admin/login-history"),
        ("GET / (home)", "/"),
    ]:
        measure(label, lambda url=url: client.get(url))
    return results


def _http_login(port: int) -> dict:
    """Log in over real HTTP; returns the headers (cookie, user agent) later requests must carry."""
    from urllib.parse import urlencode

    agent = {"User-Agent": "keiyaku-bench"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login", headers=agent)
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urlencode({"login_id": "bench.admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={**agent, "Cookie": cookie,
                                                       "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookie = response.getheader("Set-Cookie").split(";")[0]
    conn.close()
    return {**agent, "Cookie": cookie}


def time_concurrent(app, concurrency: int, per_client: int) -> tuple[float, float, float, float]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    header = _http_login(port)
    samples: list[float] = []
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(per_client):
            url = "/admin/users" if i % 2 else "/admin/audit/"
            t = time.perf_counter()
            conn.request("GET", url, headers=header)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - t) * 1000
            assert response.status == 200, response.status
            with lock:
                samples.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server.shutdown()
    return statistics.median(samples), percentile(samples, 95), max(samples), len(samples) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--per-client", type=int, default=10)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    app = build_app(url)
    t = time.perf_counter()
    fill(app)
    print(f"database: {url.split('@')[-1]}  (filled in {time.perf_counter() - t:.1f} s)")
    print(f"{'page':<34}{'p50 ms':>9}{'p95 ms':>9}")
    for label, p50, p95 in time_in_process(app, args.repeat):
        print(f"{label:<34}{p50:>9.1f}{p95:>9.1f}")
    p50, p95, worst, rps = time_concurrent(app, args.concurrency, args.per_client)
    print(f"{args.concurrency} concurrent clients x {args.per_client} requests (user list / operation log, "
          f"one threaded process): p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {worst:.0f} ms, {rps:.1f} req/s")
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
