"""Peak memory of a large legacy contractor import through the command line (``flask import contractors``).

Usage:
    python benchmarks/bench_import_large.py [--firms 95000] [--database-url URL] [--keep FILE]

Generates the legacy layout (CP932, the columns of ``legacy_contractors.csv``; ``bench_registry_import.make_csv``)
at ~50 MB / 285,000 rows for 95,000 firms, then runs, each in a fresh process so each peak is its own: the dry
run, the commit and a re-import of the same file (all unchanged). The peak RSS of every process is read from
``os.wait4`` (the kernel's high-water mark of that child). Without --database-url a temporary SQLite file is
used; a PostgreSQL URL must point at an EMPTY database. Target: every run under 400 MB.

The command line refuses files larger than the web upload limit (``KEIYAKU_MAX_UPLOAD_MB``); the benchmark
raises it to 64 MB for its file.
"""

from __future__ import annotations

import argparse
import os
import subprocess  # noqa: S404 (runs the project's own command line with fixed arguments)
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def run_phase(env: dict, csv_path: Path, extra: list[str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code, summary line) of one ``flask import`` process."""
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "wsgi", "import", "contractors", str(csv_path), *extra]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = [line for line in out.read().decode("utf-8", "replace").replace("\r", "\n").splitlines()
                 if line.strip()]
    summary = next((line for line in lines if " 行 / 新規" in line), lines[-1] if lines else "")
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, usage.ru_maxrss / 1024, process.returncode, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=95_000)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path, help="write the generated file here (and reuse it when it exists)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="keiyaku-import-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEIYAKU_")}
    env.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, KEIYAKU_DATABASE_URL=url,
               KEIYAKU_STORAGE_DIR=str(workdir / "storage"), KEIYAKU_MAX_UPLOAD_MB="64",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    csv_path = args.keep or workdir / "legacy_large.csv"
    if not csv_path.exists():
        from bench_registry_import import make_csv

        data, _ = make_csv(args.firms)
        csv_path.write_bytes(data)
        del data
    os.environ.update({k: env[k] for k in ("KEIYAKU_ENV", "KEIYAKU_SECRET_KEY", "KEIYAKU_DATABASE_URL")})
    from core.migrate import upgrade_database

    upgrade_database(url)
    print(f"database: {url.split('@')[-1]}  file: {csv_path.stat().st_size / 1e6:.1f} MB ({args.firms:,} firms)")
    for label, extra in (("dry run", ["--dry-run"]), ("commit", []), ("re-import (unchanged)", [])):
        seconds, cpu, peak, code, summary = run_phase(env, csv_path, extra)
        print(f"{label:<24}{seconds:>7.1f} s (CPU {cpu:.1f} s)  peak RSS {peak:>6.0f} MB  exit {code}  {summary}",
              flush=True)


if __name__ == "__main__":
    main()
