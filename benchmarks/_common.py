"""Helpers shared by the benchmark scripts: the benchmark logins, statistics, a small HTTP client with its own
cookie jar, and starting/stopping gunicorn. Standard library only (plus the project itself)."""

from __future__ import annotations

import http.client
import math
import os
import re
import secrets
import signal
import socket
import subprocess  # noqa: S404 (starts gunicorn with a fixed argument list)
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Password of every staff login of a benchmark database (set by ``benchmarks/dataset.py``, never by the app).
BENCH_PASSWORD = "Keiyaku-Bench-2026"  # noqa: S105 (benchmark data only)
#: (login id or prefix, how many, role) of the staff users the dataset makes.
STAFF = (("bench.admin", 1, "system_admin"), ("bench.contract", 30, "contract_staff"),
         ("bench.dept", 20, "department_staff"), ("bench.inspector", 5, "inspector"), ("bench.viewer", 3, "viewer"))
STAFF_LOGINS = [prefix if n == 1 else f"{prefix}01〜{n:02d} ({role})" for prefix, n, role in STAFF]
#: Operation-log keys of benchmark runs (production settings need them; fixed, so every run's rows verify).
AUDIT_KEYS = {"KEIYAKU_AUDIT_KEY": "bench-audit-key-" + "c" * 32,  # noqa: S105 (benchmark data only)
              "KEIYAKU_AUDIT_CHECKPOINT_KEY": "bench-audit-checkpoint-key-" + "d" * 32}  # noqa: S105
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def contract_logins() -> list[str]:
    prefix, count, _ = STAFF[1]
    return [f"{prefix}{i:02d}" for i in range(1, count + 1)]


# --- statistics ------------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def summarize(latencies_ms: list[float]) -> dict:
    return {"p50_ms": round(percentile(latencies_ms, 50), 1), "p95_ms": round(percentile(latencies_ms, 95), 1),
            "p99_ms": round(percentile(latencies_ms, 99), 1),
            "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 1) if latencies_ms else 0.0,
            "max_ms": round(max(latencies_ms), 1) if latencies_ms else 0.0}


# --- HTTP client -----------------------------------------------------------------------------------------------

class Client:
    """One browser: its own cookies, a fresh connection per request (as after a keep-alive timeout), no redirects
    followed. Cookies are kept whatever their ``Secure`` flag: the benchmark talks plain HTTP to gunicorn."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 120.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float]:
        """(status, body, seconds); raises OSError / http.client.HTTPException on connection problems."""
        headers = {"User-Agent": "keiyaku-bench", "Accept-Language": "ja"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, quote(path, safe="/?&=%:+,;@"), body=data, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, content, elapsed

    def get(self, path: str) -> tuple[int, bytes, float]:
        return self.request("GET", path)

    def login(self, login_id: str, password: str) -> None:
        status, html, _ = self.get("/login")
        match = CSRF_RE.search(html.decode("utf-8", "replace"))
        if status != 200 or match is None:
            raise RuntimeError(f"login form: HTTP {status}")
        status, _, _ = self.request("POST", "/login", {"login_id": login_id, "password": password,
                                                       "csrf_token": match.group(1)})
        if status != 302:
            raise RuntimeError(f"login of {login_id} failed: HTTP {status}")


# --- gunicorn --------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_environment(database_url: str, storage_dir: str) -> dict[str, str]:
    """Production settings for a benchmark server: a fresh random secret key, no SMTP (mail to the outbox)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEIYAKU_")}
    env.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY=secrets.token_urlsafe(48), **AUDIT_KEYS,
               KEIYAKU_DATABASE_URL=database_url, KEIYAKU_STORAGE_DIR=storage_dir,
               KEIYAKU_PUBLIC_URL="http://127.0.0.1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    return env


class Server:
    """``gunicorn -w W --threads T`` serving ``target`` (``wsgi:app``) on a free port, its log in a file."""

    def __init__(self, target: str, env: dict[str, str], log_path: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.log_path = log_path
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.command = [gunicorn, "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{self.port}",
                        "--timeout", "120", "--error-logfile", "-", target]
        # gunicorn's log and the app's (logging to stderr) in one file, to count errors such as "database is locked"
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=env,  # noqa: S603 (fixed arguments)
                                            stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, path: str = "/healthz", seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                status, _, _ = Client(self.port, timeout=5).get(path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer {path} within {seconds} s; see {self.log_path}")

    def log_count(self, text: str) -> int:
        return self.log_path.read_text(errors="replace").count(text) if self.log_path.exists() else 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
