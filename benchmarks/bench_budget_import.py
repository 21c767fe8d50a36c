"""Budget import (CM7) throughput: N budget lines in the finance system's layout (CP932), on an empty database.

Usage:
    python benchmarks/bench_budget_import.py [--lines 5000] [--database-url URL]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database.
Times the dry run, the first commit, a re-import of the same file (all unchanged), and a newer file of the same
年度 with 10 % of the amounts changed and 1 % of the lines gone (flagged 「最新の取込になし」). Target: each
commit < 5 s for 5,000 lines. Then times the list screens in-process (median of 5 requests as a contract staff
user, rendering included): the grouped list, the 目 totals, a sort by 執行残額, the Excel export.
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

HEADER = ("年度,会計,会計名,款,款名,項,項名,目,目名,事業,事業名,節,節名,細節,細節名,所管課コード,所管課名,"
          "予算現額,配当額,執行済額,執行残額")
ACCOUNTS = [("01", "一般会計"), ("02", "下水道事業特別会計"), ("03", "水道事業会計")]
SUBITEMS = [("11", "需用費"), ("12", "委託料"), ("13", "使用料及び賃借料"), ("14", "工事請負費"), ("17", "備品購入費")]
DEPARTMENTS = [(f"{100 + 10 * i}", f"部署{i:02d}課") for i in range(20)]


def make_lines(count: int) -> list[list[str]]:
    """``count`` distinct lines: 3 会計 × 款 × 項 × 目 × 事業 × 節, spread over 20 所管課."""
    lines = []
    i = 0
    while len(lines) < count:
        account, account_name = ACCOUNTS[i % 3]
        chapter, section, item = f"{1 + i // 750 % 14:02d}", f"{1 + i // 150 % 5:02d}", f"{1 + i // 25 % 6:02d}"
        project = f"P{i // 5 % 5:03d}"
        subitem, subitem_name = SUBITEMS[i % 5]
        code, name = DEPARTMENTS[i // 5 % 20]
        current = 1_000_000 + (i * 7919) % 900_000_000
        executed = current * (i % 10) // 10
        lines.append(["2025", account, account_name, chapter, f"款{chapter}", section, f"項{section}", item,
                      f"目{item}", project, f"事業{project}", subitem, subitem_name, "", "", code, name, str(current),
                      str(current), str(executed), str(current - executed)])
        i += 1
    return lines


def encode(lines: list[list[str]]) -> bytes:
    return ("\r\n".join([HEADER] + [",".join(cells) for cells in lines]) + "\r\n").encode("cp932")


def newer(lines: list[list[str]]) -> list[list[str]]:
    """10 % of the lines with more executed, 1 % gone."""
    result = []
    for n, cells in enumerate(lines):
        if n % 100 == 99:
            continue
        if n % 10 == 0:
            cells = list(cells)
            current, executed = int(cells[17]), int(cells[19]) + 1000
            cells[19], cells[20] = str(executed), str(current - executed)
        result.append(cells)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=5_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, **AUDIT_KEYS, KEIYAKU_DATABASE_URL=url,
                      KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app
    from core.auth import admin_services
    from core.db import db
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import
    from core.migrate import upgrade_database

    upgrade_database(url)
    app = create_app()
    lines = make_lines(args.lines)
    files = [("dry run", encode(lines), True), ("commit (all new)", encode(lines), False),
             ("re-import (unchanged)", encode(lines), False),
             ("newer file (10 % changed, 1 % gone)", encode(newer(lines)), False)]
    print(f"database: {url.split('@')[-1]}  {args.lines:,} lines, {len(files[0][1]) / 1e6:.1f} MB (cp932)")
    with app.app_context():
        for code, name in DEPARTMENTS:
            admin_services.create_department(db.session, None, code=code, name=name)
        db.session.commit()
        kind = get_kind("budget")
        profile, settings = profiles.get_settings(db.session, kind, None)
        for label, data, dry in files:
            t = time.perf_counter()
            report = run_import(db.session, None, kind, data=data, file_name="budget.csv", profile_name=profile,
                                settings=settings, dry_run=dry)
            db.session.commit()
            elapsed = time.perf_counter() - t
            flags = report.summary.get("「最新の取込になし」の印", {})
            print(f"{label:<38}{elapsed:>6.2f} s  {report.total / elapsed:>7,.0f} rows/s  new {report.new} "
                  f"updated {report.updated} unchanged {report.unchanged} rejected {report.rejected_rows}"
                  f"{'  flagged ' + str(flags.get('今回付けた科目')) if flags else ''}")
            db.session.expunge_all()
        _time_pages(app, db.session)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    app.extensions["keiyaku_db"]["engine"].dispose()


def _time_pages(app, session) -> None:
    from flask_login import login_user

    from bidding.budget import views
    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy
    from core.auth.roles import Role

    user, _ = admin_services.create_user(session, None, login_id="bench.budget", name="予算 計測", department_id=None,
                                         roles=(Role.CONTRACT_STAFF,), policy=PasswordPolicy(8, 1),
                                         hash_method=app.config["PASSWORD_HASH_METHOD"])
    session.commit()
    for label, query in (("list, grouped (page 1)", ""), ("list, grouped (page 40)", "page=40"),
                         ("list, 目 totals", "level=item"), ("list, sorted by 執行残額", "sort=-remaining"),
                         ("Excel export (lines + 集計)", "format=xlsx")):
        times = []
        for _ in range(6):
            with app.test_request_context(f"/bidding/budget?{query}"):
                login_user(user)
                t = time.perf_counter()
                response = views.line_list()
                body = b"".join(response.response) if hasattr(response, "response") else response.encode()
                times.append(time.perf_counter() - t)
            session.rollback()
        times = sorted(times[1:])
        print(f"{label:<38}{times[2] * 1000:>7.0f} ms  ({len(body) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
