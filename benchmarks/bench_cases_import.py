"""Legacy case import (CM12) time and memory: ten years of cases in the legacy layout (``legacy_cases.csv``'s columns,
CP932), through the command line the city runs (``flask import cases FILE``).

Usage:
    python benchmarks/bench_cases_import.py [--cases 18000] [--firms 1500] [--database-url URL] [--keep FILE]

Sets up an empty database (migrations, the 20 departments, the legacy firms imported by the ``contractors`` kind,
none of it timed), generates N cases over 年度 2016–2025 (dates in mixed styles — 令和/平成 in kanji, R03.12.08,
2017/03/01, full-width digits — amounts with commas, 8 % and 10 % tax by the 契約日; 5 % opened without an award,
10 % 随意契約, 15 % of the contracts changed, completed when the work has ended), then runs, each in a fresh process
so each peak is its own: the dry run, the commit, a re-import of the same file (all unchanged) and a corrected file
(the 工事場所 of every tenth case changed: updates through the ORM path). Peak RSS is the child's high-water mark
from ``os.wait4``. Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an
EMPTY database. Target: 18,000 cases under 60 s and 400 MB, dry run and commit.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import subprocess  # noqa: S404 (runs the project's own command line with fixed arguments)
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

HEADER = ("案件番号,年度,案件名称,担当課コード,担当課名,入札方式,業種コード,工事場所,設計金額,予定価格,最低制限価格,開札日,"
          "入札者数,落札業者番号,落札金額,契約番号,契約日,契約金額,工期自,工期至,変更後契約金額,完成日").split(",")
DEPARTMENTS = [(f"{100 + 10 * i}", f"部署{i:02d}課") for i in range(20)]
WORK_TYPES = ["010", "020", "080", "130", "170", "190"]
PLACES = ["大道", "田島", "江泊", "西浦", "佐波", "小野", "牟礼", "勝間", "野島", "富海"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")
TODAY = date(2026, 12, 6)  # the data's "today": no date after it (the import refuses future dates)


def _wareki(day: date, short: bool) -> str:
    era, letter, start = ("令和", "R", 2018) if day >= date(2019, 5, 1) else ("平成", "H", 1988)
    year = day.year - start
    if short:
        return f"{letter}{year:02d}.{day.month:02d}.{day.day:02d}"
    return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def written(day: date | None, n: int) -> str:
    """A date in one of the legacy system's styles, by ``n``."""
    if day is None:
        return ""
    style = n % 5
    if style == 0:
        return _wareki(day, short=False)
    if style == 1:
        return _wareki(day, short=True)
    if style == 2:
        return f"{day.year}/{day.month:02d}/{day.day:02d}"
    if style == 3:
        return _wareki(day, short=False).translate(FULL)
    return f"{day.year}-{day.month:02d}-{day.day:02d}"


def amount(value: int | None, n: int) -> str:
    if value is None:
        return ""
    return (f"{value:,}", str(value), f"{value:,}".translate(FULL))[n % 3]


def with_tax(value: int, day: date) -> int:
    return value + value * (10 if day >= date(2019, 10, 1) else 8) // 100


def make_cases(count: int, construction_firms: list[str], seed: int = 1) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    per_year = count // 10
    for n in range(count):
        fiscal_year = 2016 + min(n // per_year, 9)
        code, department = DEPARTMENTS[n % 20]
        serial = n // 20 % 10000 + 1
        method = ("随意契約" if n % 10 == 3 else "指名競争入札" if n % 2 else "一般競争入札")
        design = rng.randrange(3_000_000, 300_000_000, 1000)
        floor = None if method == "随意契約" else design * rng.randrange(75, 92) // 100
        opening = date(fiscal_year, 4, 10) + timedelta(days=rng.randrange(0, 340))
        opening = min(opening, TODAY)
        cells = [f"{fiscal_year}-{code}-{serial:04d}", str(fiscal_year), f"{PLACES[n % 10]}地区第{n}号工事", code,
                 department, method, WORK_TYPES[n % 6], f"防府市{PLACES[(n // 7) % 10]}地内", amount(design, n),
                 amount(design, n + 1), amount(floor, n), written(opening, n)]
        if n % 20 == 7:  # opened, no award recorded
            writer.writerow(cells + [str(rng.randrange(1, 4))] + [""] * 9)
            continue
        award = design if floor is None else rng.randrange(floor, design + 1, 1000)
        contract_day = opening + timedelta(days=rng.randrange(5, 15))
        if contract_day > TODAY:
            contract_day = opening
        total = with_tax(award, contract_day)
        work_from = contract_day + timedelta(days=1)
        work_to = work_from + timedelta(days=rng.randrange(30, 300))
        changed = total + rng.randrange(1, 3000) * 1000 if n % 5 == 2 else None
        completed = work_to - timedelta(days=rng.randrange(0, 10))
        completed = completed if completed <= TODAY else None
        bidders = 1 if method == "随意契約" else rng.randrange(2, 10)
        winner = construction_firms[rng.randrange(len(construction_firms))]
        cells += [str(bidders), winner.translate(FULL) if n % 11 == 0 else winner, amount(award, n + 2),
                  f"K{fiscal_year}-{n:06d}", written(contract_day, n + 1), amount(total, n),
                  written(work_from, n + 2), written(work_to, n + 3), amount(changed, n + 1),
                  written(completed, n + 4)]
        writer.writerow(cells)
    return out.getvalue().encode("cp932")


def corrected(data: bytes) -> bytes:
    """The same file with the 工事場所 of every tenth case corrected (a re-import updates those cases)."""
    rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
    place = HEADER.index("工事場所")
    for n, cells in enumerate(rows[1:]):
        if n % 10 == 0:
            cells[place] = cells[place].replace("地内", "一丁目地内")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("cp932")


def run_phase(env: dict, csv_path: Path, extra: list[str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code, summary line) of one ``flask import cases`` process."""
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "wsgi", "import", "cases", str(csv_path), *extra]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = [line for line in out.read().decode("utf-8", "replace").replace("\r", "\n").splitlines()
                 if line.strip()]
    summary = next((line for line in lines if " 行 / 新規" in line), lines[-1] if lines else "")
    if code:
        print("\n".join(lines[-20:]))
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code, summary


def setup(url: str, firms: int) -> list[str]:
    """Migrations, departments and the legacy firms (``contractors`` kind); returns the construction firms' numbers."""
    from bench_registry_import import make_csv

    from core import create_app
    from core.auth import admin_services
    from core.db import db
    from core.importing import profiles
    from core.importing.kinds import get_kind
    from core.importing.runner import run_import
    from core.migrate import upgrade_database

    upgrade_database(url)
    app = create_app()
    data, _ = make_csv(firms)
    with app.app_context():
        for code, name in DEPARTMENTS:
            admin_services.create_department(db.session, None, code=code, name=name)
        kind = get_kind("contractors")
        name, settings = profiles.get_settings(db.session, kind, None)
        report = run_import(db.session, None, kind, data=data, file_name="firms.csv", profile_name=name,
                            settings=settings, dry_run=False)
        db.session.commit()
        assert report.committed, report.rejected[:3]
    app.extensions["keiyaku_db"]["engine"].dispose()
    return [f"1{i:05d}" for i in range(firms) if i % 4 != 0]


def prepare(url: str, firms: int, cases: int, workdir: Path) -> None:
    """In its own process (``--prepare``), so the measured processes do not start from this one's memory: the
    database, the firms and the two files."""
    construction_firms = setup(url, firms)
    data = make_cases(cases, construction_firms)
    (workdir / "legacy_cases.csv").write_bytes(data)
    (workdir / "legacy_cases_fixed.csv").write_bytes(corrected(data))


def main() -> None:
    from benchmarks._common import AUDIT_KEYS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=18_000)
    parser.add_argument("--firms", type=int, default=1_500)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path, help="copy the generated file here too")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)  # the setup process (see ``prepare``)
    args = parser.parse_args()
    if args.prepare:
        prepare(os.environ["KEIYAKU_DATABASE_URL"], args.firms, args.cases, args.prepare)
        return
    workdir = Path(tempfile.mkdtemp(prefix="keiyaku-cases-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEIYAKU_")}
    env.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, KEIYAKU_DATABASE_URL=url, **AUDIT_KEYS,
               KEIYAKU_STORAGE_DIR=str(workdir / "storage"), KEIYAKU_PUBLIC_URL="http://localhost",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--prepare", str(workdir), "--cases", str(args.cases),  # noqa: S603
                    "--firms", str(args.firms)], env=env, check=True)
    csv_path, fixed_path = workdir / "legacy_cases.csv", workdir / "legacy_cases_fixed.csv"
    if args.keep:
        args.keep.write_bytes(csv_path.read_bytes())
    print(f"database: {url.split('@')[-1]}  setup {time.perf_counter() - started:.0f} s  file: "
          f"{csv_path.stat().st_size / 1e6:.1f} MB, {args.cases:,} cases (cp932)", flush=True)
    for label, path, extra in (("dry run", csv_path, ["--dry-run"]), ("commit", csv_path, []),
                               ("re-import (unchanged)", csv_path, []),
                               ("corrected file (10 % updated)", fixed_path, [])):
        seconds, cpu, peak, code, summary = run_phase(env, path, extra)
        print(f"{label:<30}{seconds:>7.1f} s (CPU {cpu:.1f} s)  peak RSS {peak:>6.0f} MB  exit {code}  {summary}",
              flush=True)
    resource_note = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this driver process: {resource_note:.0f} MB; each figure above is its own process's peak)")


if __name__ == "__main__":
    main()
