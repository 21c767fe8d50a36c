"""Response times of the contractor screens (SPEC NF2) on a registry of 7,000 firms with ~3 業種 each.

Usage:
    python benchmarks/bench_registry.py [--database-url URL] [--firms 7000] [--repeat 50] [--explain]

Without --database-url a temporary SQLite file is used. A PostgreSQL URL must point at an EMPTY database (it is
migrated and filled). Data is bulk-inserted with SQLAlchemy core: firms in 市内/準市内/市外, two qualification
periods, ~3 業種 with points and ranks per firm, and ~2 % of firms under a nomination suspension. Timings are
in-process (Flask test client, no network), logged in as contract staff, after one warm-up request; target
p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import AUDIT_KEYS  # noqa: E402

PASSWORD = "Bn-" + secrets.token_urlsafe(12) + "9a"  # random per run: no fixed password anywhere
LOGIN_ID = "bench.contract"
SYLLABLES = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
KANJI = ["山田", "中村", "防府", "周南", "大和", "新光", "富士", "東洋", "西日本", "三田尻", "佐波", "牟礼", "華城", "右田"]
KINDS = ["建設", "工業", "土木", "電気", "設備", "組", "工務店", "開発", "興業", "技建"]
CONSTRUCTION = ["010", "020", "030", "080", "090", "130", "150", "170", "190", "230"]


def build_app(database_url: str):
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="b" * 48, **AUDIT_KEYS, KEIYAKU_DATABASE_URL=database_url,
                      KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app

    return create_app({"SESSION_COOKIE_SECURE": False})


def fill(app, firms: int) -> int:
    """Migrate and fill; returns the id of a firm to open in the detail benchmark."""
    from registry.models import Contractor, RegisteredWorkType, Registration, Suspension
    from sqlalchemy import insert, select

    from core.auth import admin_services
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.auth.roles import Role
    from core.db import db, utcnow
    from core.jp import search_key
    from core.migrate import upgrade_database

    upgrade_database(app.config["DATABASE_URL"])
    rng = random.Random(11)
    now = utcnow()
    with app.app_context():
        s = db.session
        user, _ = admin_services.create_user(s, None, login_id=LOGIN_ID, name="計測 契約担当", department_id=None,
                                             roles=[Role.CONTRACT_STAFF], policy=PasswordPolicy())
        user.password_hash = hash_password(PASSWORD)
        user.must_change_password = False
        s.commit()
        rows = []
        for i in range(1, firms + 1):
            name = f"{'株式会社' if i % 3 else '有限会社'}{rng.choice(KANJI)}{rng.choice(KINDS)}{i}"
            kana = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(4, 9)))
            area = rng.choices(["city", "near", "outside"], [45, 20, 35])[0]
            city = {"city": "防府市", "near": "山口市", "outside": "広島市中区"}[area]
            rows.append({
                "id": i, "number": f"{i:05d}", "name": name, "name_kana": kana, "search_key": search_key(name + kana),
                "legal_form": "corporation", "corporate_number": None, "representative_title": "代表取締役",
                "representative_name": f"{rng.choice(KANJI)} 太郎", "postal_code": "747-0000",
                "address": f"山口県{city}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番", "phone": "0835-22-0000",
                "area": area, "status": rng.choices(["active", "lapsed", "revoked"], [90, 8, 2])[0], "is_jv": False,
                "created_at": now, "updated_at": now,
            })
        s.execute(insert(Contractor), rows)
        registrations, work_types, reg_id = [], [], 0
        for i in range(1, firms + 1):
            for start in (date(2023, 4, 1), date(2025, 4, 1)):
                if start.year == 2023 and i % 4:
                    continue  # a quarter of the firms also keep their previous period
                reg_id += 1
                category = "construction" if i % 10 < 8 else ("consulting" if i % 10 == 8 else "goods")
                registrations.append({"id": reg_id, "contractor_id": i, "category": category, "period_start": start,
                                      "period_end": date(start.year + 2, 3, 31), "created_at": now})
                codes = {"construction": CONSTRUCTION, "consulting": ["510", "520", "530", "540"],
                         "goods": ["910", "920", "930", "940", "950"]}[category]
                for code in rng.sample(codes, rng.choice([2, 3, 3, 4])):
                    points = rng.randint(500, 1300) if category == "construction" else None
                    work_types.append({"registration_id": reg_id, "work_type_code": code, "objective_points": points,
                                       "subjective_points": rng.randint(0, 60) if points else None,
                                       "rank": rng.choice("ABCD") if category != "goods" else None})
        s.execute(insert(Registration), registrations)
        for k in range(0, len(work_types), 5000):
            s.execute(insert(RegisteredWorkType), work_types[k:k + 5000])
        today = date.today()
        s.execute(insert(Suspension), [
            {"contractor_id": i, "cause_code": "breach", "decided_on": today - timedelta(days=20),
             "starts_on": today - timedelta(days=18 if i % 2 else 400), "ends_on": today + timedelta(days=40 if i % 2 else -300),
             "period_text": "2か月", "facts": "契約違反", "created_at": now}
            for i in range(1, firms + 1, 50)])
        s.commit()
        if s.bind.dialect.name == "postgresql":
            from sqlalchemy import text

            s.execute(text("ANALYZE"))  # as autovacuum would after a bulk load; stale statistics give bad plans
            s.commit()
        print(f"firms {firms}, registrations {len(registrations)}, 業種 rows {len(work_types)}")
        return s.scalar(select(Contractor.id).where(Contractor.number == "00101"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def login(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"login_id": LOGIN_ID, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


def run(app, firm_id: int, repeat: int) -> list[tuple[str, float, float, int]]:
    client = app.test_client()
    login(client)
    results = []
    pages = [
        ("list (default: 有効, page 1)", "/registry/contractors"),
        ("list 業種=010 + A + 市内", "/registry/contractors?work_type=010&rank=A&area=city"),
        ("list name search '山田建設'", "/registry/contractors?q=山田建設"),
        ("list kana search 'ｱｲ'", "/registry/contractors?q=ｱｲ&status=all"),
        ("list 指名停止中", "/registry/contractors?suspended=yes&status=all"),
        ("list period 2024-01-01 + 建設工事", "/registry/contractors?period=2024-01-01&category=construction"),
        ("list sort -name page 40", "/registry/contractors?sort=-name&status=all&page=40"),
        ("detail", f"/registry/contractors/{firm_id}"),
        ("history tab", f"/registry/contractors/{firm_id}/history"),
    ]
    for label, url in pages:
        response = client.get(url)  # warm-up
        assert response.status_code == 200, (label, response.status_code)
        found = re.search(r"全 (\d+) 件", response.get_data(as_text=True))
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        results.append((label, statistics.median(samples), percentile(samples, 95), int(found.group(1)) if found else -1))
    t = time.perf_counter()
    response = client.get("/registry/contractors?status=all&format=xlsx")
    assert response.status_code == 200
    results.append(("Excel export, all firms (once)", (time.perf_counter() - t) * 1000, 0.0, -1))
    t = time.perf_counter()
    response = client.get("/registry/contractors?status=all&format=csv")
    response.get_data()
    results.append(("CSV export, all firms (once)", (time.perf_counter() - t) * 1000, 0.0, -1))
    return results


def explain(app) -> None:
    """Print the query plan of the filtered list (SQLite or PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from core.db import db
    from registry.contractors.queries import search_contractors

    with app.app_context():
        stmt = search_contractors(work_type_code="010", rank="A", area="city", status="active").limit(50)
        dialect = postgresql.dialect() if db.session.bind.dialect.name == "postgresql" else sqlite.dialect()
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN ANALYZE " if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        from sqlalchemy import text

        for row in db.session.execute(text(prefix + sql)):
            print("   ", " | ".join(str(v) for v in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--firms", type=int, default=7000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    app = build_app(url)
    t = time.perf_counter()
    firm_id = fill(app, args.firms)
    print(f"database: {url.split('@')[-1]}  (filled in {time.perf_counter() - t:.1f} s)")
    print(f"{'page':<36}{'p50 ms':>9}{'p95 ms':>9}{'rows':>8}")
    for label, p50, p95, rows in run(app, firm_id, args.repeat):
        print(f"{label:<36}{p50:>9.1f}{p95:>9.1f}{rows if rows >= 0 else '':>8}")
    if args.explain:
        explain(app)
    app.extensions["keiyaku_db"]["engine"].dispose()


if __name__ == "__main__":
    main()
