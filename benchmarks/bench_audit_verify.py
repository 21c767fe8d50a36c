"""How long ``flask audit verify`` takes on a long operation log, and how much memory it needs.

Usage:
    python benchmarks/bench_audit_verify.py [--rows 500000] [--database-url URL]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database
(it is migrated and filled). The rows form a valid keyed chain; one signed checkpoint per 1,370 rows stands
for a daily checkpoint (10 years ≈ 3,650 checkpoints at 5 million rows). The verification runs in a fresh
process, so its peak memory (max RSS) is its own and not the filling's.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess  # noqa: S404 (re-runs this script with a fixed argument list)
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS_PER_CHECKPOINT = 1370


def _app(url: str, checkpoint_dir: str):
    from core import create_app

    return create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": url, "STORAGE_DIR": checkpoint_dir,
                       "AUDIT_CHECKPOINT_DIR": checkpoint_dir})


def fill(url: str, rows: int, checkpoint_dir: str) -> None:
    from sqlalchemy import insert, update

    from core.audit import checkpoints as cp
    from core.audit.chain import audit_key, entry_hash
    from core.audit.models import AuditEntry, AuditHead
    from core.db import db, utcnow
    from core.migrate import upgrade_database

    upgrade_database(url)
    app = _app(url, checkpoint_dir)
    lines = []
    with app.app_context():
        session = db.session
        key = audit_key(session)
        prev, start, batch = "0" * 64, utcnow() - timedelta(days=3650), []
        for n in range(1, rows + 1):
            entry = AuditEntry(id=n, at=start + timedelta(seconds=63 * n), user_id=None, login_id=f"staff{n % 300:03d}",
                               ip="10.0.0.1", endpoint="admin.user_edit", operation="user.update", target_type="users",
                               target_id=str(n % 300), summary=f"利用者を変更: staff{n % 300:03d}",
                               details='{"changes":{"name":["旧","新"]}}', prev_hash=prev, chain=2)
            entry.hash = prev = entry_hash(entry, key)
            batch.append({c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns})
            if n % ROWS_PER_CHECKPOINT == 0:
                lines.append(cp.format_line(app.config["AUDIT_CHECKPOINT_KEY"], n, prev, utcnow()))
            if len(batch) == 10_000:
                session.execute(insert(AuditEntry), batch)
                batch = []
        if batch:
            session.execute(insert(AuditEntry), batch)
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=rows, last_hash=prev, keyed_from=1))
        session.commit()
    (Path(checkpoint_dir) / cp.FILE_NAME).write_text("\n".join(lines) + "\n")
    app.extensions["keiyaku_db"]["engine"].dispose()


def verify(url: str, checkpoint_dir: str) -> None:
    from core.audit.verify import verify_configured
    from core.db import db

    app = _app(url, checkpoint_dir)
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        result = verify_configured(db.session, app.config)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ok={result.ok} rows={result.checked} checkpoints={result.checkpoints} seconds={elapsed:.1f} cpu_seconds={cpu:.1f} "
          f"rows_per_second={result.checked / elapsed:,.0f} peak_rss_mb={peak_mb:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--database-url")
    parser.add_argument("--phase", choices=("fill", "verify"))
    parser.add_argument("--checkpoint-dir")
    args = parser.parse_args()
    if args.phase == "fill":
        fill(args.database_url, args.rows, args.checkpoint_dir)
        return
    if args.phase == "verify":
        verify(args.database_url, args.checkpoint_dir)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/verify.sqlite3"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        common = [sys.executable, __file__, "--database-url", url, "--checkpoint-dir", folder]
        started = time.perf_counter()
        subprocess.run([*common, "--phase", "fill", "--rows", str(args.rows)], check=True, env=env)  # noqa: S603
        print(f"filled {args.rows:,} rows in {time.perf_counter() - started:.0f} s")
        subprocess.run([*common, "--phase", "verify"], check=True, env=env)  # noqa: S603


if __name__ == "__main__":
    main()
