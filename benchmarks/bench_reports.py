"""Form (帳票) output times (SPEC CM11): a one-page form and a ~20-page list, as PDF and as Excel.

Usage:
    python benchmarks/bench_reports.py [--database-url URL] [--repeat 15]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database (it is
migrated and filled). Data: 760 users in 30 departments and 540 operation-log entries on one day, so that
one department is one A4 page and the full lists are about 20 pages.

Each case runs the real form definition end to end, as the download view does: parse the parameters, read the
data through the queries, build the document, render the file. The first call in the process also registers
the embedded fonts (reported as "cold"); the p50/p95 figures are over ``--repeat`` calls after a warm-up.
Targets: one page < 100 ms, 20 pages < 1 s.

Memory of long forms (no database):
    python benchmarks/bench_reports.py --memory-rows 20000 [--source DIR]

renders a synthetic 有資格者名簿 (8 columns, A4 landscape, one address in four long enough to wrap) as PDF and as
Excel, each in a fresh subprocess, and reports the peak RSS (``ru_maxrss``), wall and CPU time. ``list`` hands the
renderer a list of rows (what the forms built before), ``generator`` a generator (spooled by the form);
``baseline`` is the process with the imports only. ``--source`` imports ``exports`` from another checkout, e.g.
the previous commit unpacked with ``git archive <commit> | tar -x -C DIR``, to measure "before" (it renders
lists only, and its forms refused more than 10,000 rows, so the renderer is called directly).
``--registry-firms 7000`` adds the real 有資格者名簿 form (query, document, file) on ``bench_registry.py``'s
registry: 7,000 firms give ~15,000 construction registrations in force.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

#: The checkout whose code is measured (``--source`` sets it for the subprocesses).
sys.path.insert(0, os.environ.get("BENCH_FORMS_SOURCE") or str(Path(__file__).resolve().parent.parent))
#: The operation-log keys production settings need (not imported: the source above may be an older tree).
AUDIT_KEYS = {"KEIYAKU_AUDIT_KEY": "bench-audit-key-" + "c" * 32, "KEIYAKU_AUDIT_CHECKPOINT_KEY": "bench-cp-key-" + "d" * 32}

USERS = 760
DEPARTMENTS = 30
AUDIT_ENTRIES = 540


def build_app(database_url: str):
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, **AUDIT_KEYS, KEIYAKU_DATABASE_URL=database_url,
                      KEIYAKU_ORG_NAME="架空市 総務部契約課",
                      KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app

    return create_app()


def fill(app) -> None:
    from sqlalchemy import insert

    from core.audit.chain import audit_key, entry_hash
    from core.audit.models import AuditEntry, AuditHead
    from core.auth import admin_services
    from core.auth.models import User
    from core.auth.passwords import hash_password
    from core.auth.roles import Role
    from core.db import db, utcnow
    from core.migrate import upgrade_database

    upgrade_database(app.config["DATABASE_URL"])
    with app.app_context():
        s = db.session
        departments = [admin_services.create_department(s, None, code=f"{i:04d}", name=f"建設部 第{i}課")
                       for i in range(1, DEPARTMENTS + 1)]
        roles = [Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER]
        unused = hash_password("unused-Password-1", "scrypt:1024:8:1")
        now = utcnow()
        for i in range(USERS):
            user = User(login_id=f"staff{i:04d}", name=("髙﨑 " if i % 7 == 0 else "山田 ") + f"職員{i:04d}",
                        department=departments[i % DEPARTMENTS], password_hash=unused, must_change_password=False,
                        is_active=i % 17 != 0, failed_login_count=0,
                        last_login_at=now - timedelta(hours=i % 500) if i % 3 else None, role_rows=[])
            user.set_roles([roles[i % 4]] + ([Role.VIEWER] if i % 5 == 0 else []))
            s.add(user)
        s.commit()

        head = s.get(AuditHead, 1)
        prev, seq = head.last_hash, head.seq
        start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
        rows = []
        for n in range(AUDIT_ENTRIES):
            seq += 1
            entry = AuditEntry(id=seq, at=start + timedelta(minutes=n), user_id=None, login_id=f"staff{n % USERS:04d}",
                               ip="10.0.0.1", endpoint="admin.user_edit", operation="user.update", target_type="users",
                               target_id=str(n % USERS + 1),
                               summary=f"利用者を変更: staff{n % USERS:04d}（髙﨑 職員{n % USERS:04d}）",
                               details=None, prev_hash=prev)
            entry.chain = 2
            entry.hash = entry_hash(entry, audit_key(s))
            prev = entry.hash
            rows.append({c: getattr(entry, c) for c in ("id", "at", "user_id", "login_id", "ip", "endpoint", "operation",
                                                         "target_type", "target_id", "summary", "details", "prev_hash",
                                                         "hash", "chain")})
        s.execute(insert(AuditEntry), rows)
        head.seq, head.last_hash = seq, prev
        s.commit()


def output(app, form: str, fmt: str, args: dict[str, str]) -> tuple[bytes, int, float]:
    """One output as the download view makes it (without HTTP and the audit entry); also the build time."""
    from core.db import db
    from exports import reports
    from exports.render import FORMATS
    from exports.reports.base import today

    definition = reports.get(form)
    with app.app_context():
        start = time.perf_counter()
        values = definition.parse(args, db.session)
        document = definition.produce(db.session, values, None)
        built = time.perf_counter() - start
        renderer = FORMATS[fmt][0]
        data = renderer(document, app.config["ORG_NAME"], today(), date_style=app.config["DATE_STYLE"])
    return data, len(document.rows), built * 1000


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))


def qualified_rows(count: int):
    """Rows shaped like the 有資格者名簿: 8 columns, every fourth address long enough to wrap."""
    for i in range(count):
        address = f"山口県防府市寿町{i % 50}番{i % 7}号"
        if i % 4 == 0:
            address += f" 防府駅前第{i % 9}ビルディング {i % 12 + 1}階 南側テナント"
        yield [f"{250000 + i}", f"株式会社防府テスト建設工業{i}", "代表取締役 山田 太郎", address, "市内",
               f"{i % 29 * 10 + 10:03d} 土木一式工事", "ABCD"[i % 4], 600 + i % 900]


def memory_case(kind: str, fmt: str, rows: int) -> dict:
    """One rendering in this (fresh) process: peak RSS and times."""
    from exports.render import FORMATS
    from exports.reports.base import Column, Document

    columns = [Column("業者番号", width=0.9), Column("商号又は名称", width=2.4), Column("代表者", width=1.6),
               Column("所在地", width=2.6), Column("地域区分", width=0.8), Column("業種", width=1.8),
               Column("等級", width=0.6), Column("総合点", "int", width=0.8)]
    start, cpu = time.perf_counter(), time.process_time()
    data = b""
    if kind == "registry":  # the real 有資格者名簿 of every construction registration, from the database
        data, rows = registry_form(fmt)
    elif kind != "baseline":
        source = list(qualified_rows(rows)) if kind == "list" else qualified_rows(rows)
        document = Document("有資格者名簿", columns, source, landscape=True)
        data = FORMATS[fmt][0](document, "架空市 総務部契約課", date(2026, 7, 1))
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "rows": rows,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pages": pdf_pages(data) if fmt == "pdf" else 0, "kb": len(data) / 1024}


def registry_form(fmt: str) -> tuple[bytes, int]:
    from core.db import db
    from exports import reports
    from exports.render import FORMATS

    app = build_app(os.environ["BENCH_FORMS_DB"])
    definition = reports.get("qualified_contractors")
    object.__setattr__(definition, "max_rows", 10**6)  # code before the streaming renderers refused > 10,000
    with app.app_context():
        values = definition.parse({"category": "construction", "on_date": "2026-07-01"}, db.session)
        document = definition.produce(db.session, values, None)
        data = FORMATS[fmt][0](document, app.config["ORG_NAME"], date(2026, 7, 1))
        return data, len(document.rows)


def memory_report(rows: int, source: str | None, registry_firms: int | None) -> None:
    root = source or str(Path(__file__).resolve().parent.parent)
    streaming = "def spool(" in (Path(root) / "exports" / "forms" / "base.py").read_text(encoding="utf-8")
    cases = [("baseline", "pdf")] + [(kind, fmt) for fmt in ("pdf", "xlsx")
                                     for kind in (("list", "generator") if streaming else ("list",))]
    env = dict(os.environ, PYTHONPATH=root, BENCH_FORMS_SOURCE=root)
    print(f"exports from {root}; {rows:,} rows, 8 columns, A4 landscape")
    if registry_firms:
        env["BENCH_FORMS_DB"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_registry.sqlite3'}"
        # In a subprocess too: Linux carries a process's peak RSS over into the programs it starts (execve keeps
        # ru_maxrss), so this process must stay small for the children's figures to be their own.
        filled = subprocess.run([sys.executable, __file__, "--fill-registry", str(registry_firms)],  # noqa: S603
                                capture_output=True, text=True, env=env, check=True)
        print(filled.stdout.strip().splitlines()[-1])  # the numbers of firms and 業種 rows
        cases += [("registry", "pdf"), ("registry", "xlsx")]
    print(f"{'rows given as':<14} {'fmt':<5} {'rows':>7} {'peak RSS MB':>11} {'wall s':>7} {'cpu s':>6} {'pages':>6} "
          f"{'KB':>7}")
    for kind, fmt in cases:
        out = subprocess.run([sys.executable, __file__, "--memory-case", kind, fmt, str(rows)],  # noqa: S603
                             capture_output=True, text=True, env=env, cwd=root, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{kind:<14} {fmt if kind != 'baseline' else '-':<5} {r['rows'] if kind != 'baseline' else 0:>7,} "
              f"{r['peak_mb']:>11.0f} {r['seconds']:>7.1f} {r['cpu']:>6.1f} {r['pages'] or '-':>6} {r['kb']:>7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--memory-rows", type=int, help="measure the memory of a long form instead (no database)")
    parser.add_argument("--source", help="with --memory-rows: a checkout whose exports package is measured")
    parser.add_argument("--registry-firms", type=int, help="with --memory-rows: also the real 有資格者名簿 of a "
                        "registry of this many firms (bench_registry.py's data, temporary SQLite)")
    parser.add_argument("--memory-case", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--fill-registry", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.fill_registry:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_registry import build_app as registry_app
        from bench_registry import fill as fill_registry

        fill_registry(registry_app(os.environ["BENCH_FORMS_DB"]), options.fill_registry)
        return
    if options.memory_case:
        kind, fmt, rows = options.memory_case
        print(json.dumps(memory_case(kind, fmt, int(rows))))
        return
    if options.memory_rows:
        memory_report(options.memory_rows, options.source, options.registry_firms)
        return
    url = options.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_reports.sqlite3'}"
    app = build_app(url)
    fill(app)

    from exports.reports.base import today

    today = today()
    period = {"date_from": str(today - timedelta(days=3)), "date_to": str(today)}
    cases = [
        ("利用者一覧 1 部署 (1 page)", "users", {"department": "0001", "status": "all"}),
        ("利用者一覧 全員 (portrait)", "users", {"status": "all"}),
        ("操作ログ一覧 全件 (landscape)", "audit_log", period),
    ]
    print(f"database: {url.split('@')[-1]}  repeat: {options.repeat}")
    print(f"{'case':<30} {'fmt':<5} {'rows':>5} {'pages':>5} {'cold':>6} {'p50':>6} {'p95':>6} {'cpu50':>6} "
          f"{'build':>6} {'KB':>5}")
    for label, form, args in cases:
        for fmt in ("pdf", "xlsx"):
            t = time.perf_counter()
            output(app, form, fmt, args)
            cold = (time.perf_counter() - t) * 1000
            output(app, form, fmt, args)  # warm-up
            samples, cpu, builds = [], [], []
            for _ in range(options.repeat):
                t, c = time.perf_counter(), time.process_time()
                data, rows, built = output(app, form, fmt, args)
                samples.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                builds.append(built)
            samples.sort()
            p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
            pages = str(pdf_pages(data)) if fmt == "pdf" else "-"
            print(f"{label:<30} {fmt:<5} {rows:>5} {pages:>5} {cold:>6.0f} {statistics.median(samples):>6.0f} "
                  f"{p95:>6.0f} {statistics.median(cpu):>6.0f} {statistics.median(builds):>6.0f} {len(data) / 1024:>5.0f}")
    print("ms: cold = first call in the process (font registration included); p50/p95 = wall clock after a warm-up;\n"
          "cpu50 = this process's CPU time (p50), steadier than wall clock on a busy host; build = query + document.")


if __name__ == "__main__":
    main()
