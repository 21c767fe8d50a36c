"""Legacy contractor import (CM12) throughput and memory: N firms × ~3 業種 in the legacy layout (CP932).

Usage:
    python benchmarks/bench_registry_import.py [--firms 7000] [--database-url URL]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database.
Times the dry run, the commit and a re-import of the same file (all unchanged); target: commit < 30 s for
7,000 firms (~20,000 rows). Prints the process's peak RSS.
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

HEADER = ("業者番号,区分,商号又は名称,法人番号,代表者役職,代表者氏名,郵便番号,所在地,電話番号,地域区分,"
          "建設業許可番号,業種コード,業種名,格付,総合評定値")
CONSTRUCTION = [("010", "土木一式工事"), ("020", "建築一式工事"), ("030", "大工工事"), ("080", "電気工事"),
                ("090", "管工事"), ("130", "舗装工事"), ("150", "塗装工事"), ("170", "造園工事"), ("190", "水道施設工事"),
                ("230", "解体工事")]
CONSULTING = [("510", "測量"), ("520", "建築関係建設コンサルタント業務"), ("530", "土木関係建設コンサルタント業務"),
              ("540", "地質調査業務")]


def corporate_number(base: int) -> str:
    from core.jp import corporate_check_digit

    digits = f"{base:012d}"
    return f"{corporate_check_digit(digits)}{digits}"


def make_csv(firms: int) -> tuple[bytes, int]:
    lines = [HEADER]
    for i in range(firms):
        construction = i % 4 != 0
        number = f"{1 if construction else 2}{i:05d}"
        trades = CONSTRUCTION if construction else CONSULTING
        picked = [trades[(i + k * 3) % len(trades)] for k in range(2 + i % 3)]  # 2-4 業種, ~3 on average
        area = ("市内", "準市内", "市外")[i % 3]
        firm = (f"{number},{'建設工事' if construction else '測量・建設コンサルタント'},株式会社髙﨑建設{i:05d},"
                f"{corporate_number(100000000000 + i)},代表取締役,髙橋 太郎,747-{i % 10000:04d},"
                f"山口県防府市寿町{i % 30 + 1}番{i % 20 + 1}号,0835-{20 + i % 70:02d}-{i % 10000:04d},{area}")
        permit = f"山口県知事許可（{'特' if i % 5 == 0 else '般'}-{i % 7 + 1}）第{10000 + i}号" if construction else ""
        for k, (code, title) in enumerate(picked):
            points = str(600 + (i * 7 + k * 31) % 600) if construction else ""
            lines.append(f"{firm},{permit},{code},{title},{'ABCD'[(i + k) % 4]},{points}")
    return ("\r\n".join(lines) + "\r\n").encode("cp932"), len(lines) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=7_000)
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
    data, rows = make_csv(args.firms)
    print(f"database: {url.split('@')[-1]}  file: {len(data) / 1e6:.1f} MB, {args.firms:,} firms, {rows:,} rows (cp932)")
    with app.app_context():
        kind = get_kind("contractors")
        name, settings = profiles.get_settings(db.session, kind, None)
        for label, dry in (("dry run", True), ("commit", False), ("re-import (unchanged)", False)):
            t = time.perf_counter()
            report = run_import(db.session, None, kind, data=data, file_name="legacy.csv", profile_name=name,
                                settings=settings, dry_run=dry)
            db.session.commit()
            elapsed = time.perf_counter() - t
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{label:<24}{elapsed:>7.1f} s  {rows / elapsed:>8,.0f} rows/s  new {report.new} "
                  f"updated {report.updated} unchanged {report.unchanged} rejected {report.rejected_rows}  "
                  f"peak RSS so far {peak:.0f} MB")
            db.session.expunge_all()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
