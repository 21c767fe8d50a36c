"""Import throughput and memory: N staff rows (CP932 CSV) through the users import, dry run then commit.

Usage:
    python benchmarks/bench_import.py [--rows 20000] [--database-url URL]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database.
Reports rows/s for the dry run, the commit and a re-import of the same file (all unchanged), and the
process's peak RSS (target: below 300 MB for 20,000 rows).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import AUDIT_KEYS  # noqa: E402


def make_csv(rows: int) -> bytes:
    lines = ["ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態"]
    roles = ["契約担当", "工事担当課職員", "検査員", "閲覧者", "工事担当課職員・閲覧者"]
    for i in range(rows):
        dept = i % 40
        lines.append(f"staff{i:06d},職員 髙﨑{i:06d},{dept:04d},第{dept}部 第{dept}課,{roles[i % 5]},"
                     f"staff{i:06d}@example.jp,有効")
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, **AUDIT_KEYS, KEIYAKU_DATABASE_URL=url,
                      KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app
    from core.db import db
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import
    from core.migrate import upgrade_database

    upgrade_database(url)
    app = create_app()
    data = make_csv(args.rows)
    print(f"database: {url.split('@')[-1]}  file: {len(data) / 1e6:.1f} MB, {args.rows:,} rows (cp932)")
    with app.app_context():
        kind = get_kind("users")
        name, settings = profiles.get_settings(db.session, kind, None)
        for label, dry in (("dry run", True), ("commit", False), ("re-import (unchanged)", False)):
            t = time.perf_counter()
            report = run_import(db.session, None, kind, data=data, file_name="staff.csv", profile_name=name,
                                settings=settings, dry_run=dry)
            db.session.commit()
            elapsed = time.perf_counter() - t
            print(f"{label:<24}{elapsed:>7.1f} s  {args.rows / elapsed:>8,.0f} rows/s  "
                  f"new {report.new} updated {report.updated} unchanged {report.unchanged} rejected {report.rejected_rows}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
