"""Seconds from killing the server process that runs a web import to the status showing 中断 (interrupted).

Usage:
    python benchmarks/bench_import_interrupt.py [--firms 20000] [--database-url URL] [--phase check|write]

Two gunicorn servers share the database and the storage folder, as the workers of one installation do: A takes
the upload (its thread runs the job), B answers the status. Once B reports the job in the chosen phase
(``check``: the dry run's checking; ``write``: the commit's writing), A's worker and master are killed with
SIGKILL, then B's ``status.json`` is read every 2 s, as the page's script does, until it says ``interrupted``.
Expected: HEARTBEAT_SECONDS (10) after the last stamp at most, plus KEIYAKU_IMPORT_STALE_SECONDS (60), plus one
poll (2). Without --database-url a temporary SQLite file is used; a PostgreSQL URL must be an EMPTY database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess  # noqa: S404 (pgrep with fixed arguments)
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_PASSWORD, CSRF_RE, Client, Server, app_environment  # noqa: E402


def prepare(url: str) -> None:
    """Migrate and add one system administrator with the benchmark password."""
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, KEIYAKU_DATABASE_URL=url)
    from core import create_app
    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.db import db
    from core.migrate import upgrade_database

    upgrade_database(url)
    app = create_app()
    with app.app_context():
        user, _ = admin_services.create_user(db.session, None, login_id="bench.admin", name="計測 管理者",
                                             department_id=None, roles=["system_admin"], policy=PasswordPolicy(),
                                             issue_password=False)
        user.password_hash, user.must_change_password = hash_password(BENCH_PASSWORD), False
        db.session.commit()
    app.extensions["keiyaku_db"]["engine"].dispose()


def post_multipart(client: Client, path: str, fields: dict, file_name: str, data: bytes) -> tuple[int, str]:
    """POST a form with one file; returns (status, Location)."""
    import http.client

    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection(client.host, client.port, timeout=600)
    conn.request("POST", path, body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept-Language": "ja", "User-Agent": "keiyaku-bench",
        "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 302:
        raise RuntimeError(f"upload: HTTP {response.status}: {body.decode('utf-8', 'replace')[-1500:]}")
    return response.status, response.getheader("Location", "")


def status(client: Client, batch_id: int) -> dict:
    code, body, _ = client.get(f"/admin/imports/{batch_id}/status.json")
    if code != 200:
        raise RuntimeError(f"status: HTTP {code}")
    return json.loads(body)


def csrf(client: Client, path: str) -> str:
    _, html, _ = client.get(path)
    return CSRF_RE.search(html.decode("utf-8", "replace")).group(1)


def wait_for(client: Client, batch_id: int, wanted: str, seconds: float = 900) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = status(client, batch_id)
        if state["status"] == wanted or (wanted != "done" and state["status"] in ("done", "failed")):
            return state
        time.sleep(0.5)
    raise RuntimeError(f"batch {batch_id} never reached {wanted}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--phase", choices=("check", "write"), default="check")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="keiyaku-interrupt-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    prepare(url)
    from bench_registry_import import make_csv

    data, rows = make_csv(args.firms)
    env = app_environment(url, str(workdir / "storage"))
    env["KEIYAKU_MAX_UPLOAD_MB"] = "64"
    a = Server("wsgi:app", env, workdir / "a.log", workers=1, threads=4)
    b = Server("wsgi:app", env, workdir / "b.log", workers=1, threads=4)
    try:
        client_a, client_b = Client(a.port, timeout=600), Client(b.port)
        client_a.login("bench.admin", BENCH_PASSWORD)
        client_b.login("bench.admin", BENCH_PASSWORD)
        code, location = post_multipart(client_a, "/admin/imports/", {
            "csrf_token": csrf(client_a, "/admin/imports/"), "kind": "contractors", "profile": "旧システム"},
            "legacy.csv", data)
        match = re.search(r"/admin/imports/(\d+)", location)
        if match is None:
            raise RuntimeError(f"upload went to {location!r}")
        batch_id = int(match.group(1))
        print(f"database: {url.split('@')[-1]}  file: {len(data) / 1e6:.1f} MB, {rows:,} rows; dry run #{batch_id}")
        if args.phase == "write":
            wait_for(client_b, batch_id, "done")
            token = csrf(client_a, f"/admin/imports/{batch_id}")
            _, _, _ = client_a.request("POST", f"/admin/imports/{batch_id}/commit", {"csrf_token": token})
            batch_id += 1
        state = wait_for(client_b, batch_id, "checking" if args.phase == "check" else "writing")
        time.sleep(3)  # well inside the phase
        state = status(client_b, batch_id)
        workers = subprocess.run(["pgrep", "-P", str(a.process.pid)], capture_output=True, text=True,  # noqa: S603,S607
                                 check=False).stdout.split()
        a.process.send_signal(signal.SIGKILL)
        for pid in workers:
            os.kill(int(pid), signal.SIGKILL)
        killed = time.monotonic()
        a.process.wait()
        print(f"killed server A in phase {state['status']} at {state['processed']:,} / {state['total']:,} rows")
        while True:
            state = status(client_b, batch_id)
            if state["status"] == "interrupted":
                break
            time.sleep(2)
        print(f"interrupted shown after {time.monotonic() - killed:.1f} s")
    finally:
        for server in (a, b):
            server.stop()


if __name__ == "__main__":
    main()
