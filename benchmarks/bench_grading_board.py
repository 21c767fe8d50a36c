"""Response times of the grading progress board (SPEC GR3; issue 13: p95 < 100 ms with 2,000 graded works over ten
years), the grader's 評定の入力 page and the home page with its grading queues.

Usage:
    python benchmarks/bench_grading_board.py [--database-url URL] [--repeat 50]

Without --database-url a temporary SQLite file is used; a PostgreSQL URL must point at an EMPTY database (it is
migrated and filled). Data: 2,000 works over 2016-2025 in 10 departments, each with its 主任監督員, 総括監督員 and
検査員 (a tenth of them still open, half of those past their deadline). Times are in-process (Flask test client):
p50/p95 per page, production settings.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import AUDIT_KEYS, percentile  # noqa: E402

PASSWORD = "Grading-Bench-2026"  # noqa: S105 (benchmark data only)
WORKS = 2_000


def build_app(database_url: str):
    os.environ.update(KEIYAKU_ENV="production", KEIYAKU_SECRET_KEY="g" * 48, **AUDIT_KEYS,
                      KEIYAKU_DATABASE_URL=database_url, KEIYAKU_PUBLIC_URL="http://localhost")
    from core import create_app

    return create_app({"SESSION_COOKIE_SECURE": False})


def fill(app) -> dict[str, str]:
    from sqlalchemy import func, insert, select

    from core.auth.models import Department, User, UserRole
    from core.auth.passwords import hash_password
    from core.auth.roles import Role
    from core.db import db, utcnow
    from core.migrate import upgrade_database
    from grading.works.models import GradedWork, GraderAssignment
    from registry.contractors.models import Contractor

    upgrade_database(app.config["DATABASE_URL"])
    rng = random.Random(13)
    hashed = hash_password(PASSWORD, "scrypt:1024:8:1")  # the logins of the run, cheap to verify
    with app.app_context():
        s = db.session
        departments = [Department(code=f"{i:03d}", name=f"第{i}課") for i in range(1, 11)]
        s.add_all(departments)
        s.flush()

        def user(login: str, role: Role, department=None) -> User:
            u = User(login_id=login, name=login, department=department, password_hash=hashed,
                     must_change_password=False, password_changed_at=utcnow(), role_rows=[UserRole(role=role.value)])
            s.add(u)
            return u

        contract = user("bench.contract", Role.CONTRACT_STAFF)
        chiefs = [user(f"bench.chief{i:02d}", Role.DEPARTMENT_STAFF, departments[i % 10]) for i in range(20)]
        generals = [user(f"bench.general{i:02d}", Role.DEPARTMENT_STAFF, departments[i % 10]) for i in range(10)]
        inspectors = [user(f"bench.inspector{i}", Role.INSPECTOR) for i in range(5)]
        firms = [Contractor(number=f"9{i:05d}", name=f"計測建設{i:03d}", search_key=f"計測建設{i:03d}",
                            legal_form="corporation") for i in range(300)]
        s.add_all(firms)
        s.flush()
        today = date.today()
        works, assignments = [], []
        for n in range(WORKS):
            open_work = n % 10 == 0
            completed = today - timedelta(days=rng.randint(1, 40)) if open_work else \
                date(2016, 4, 1) + timedelta(days=rng.randint(0, 3650))
            department = departments[n % 10]
            works.append({"id": n + 1, "contract_number": f"B{n:06d}", "name": f"計測用の工事 {n:04d}",
                          "contractor_id": firms[rng.randrange(300)].id, "department_id": department.id,
                          "work_type_code": "010", "contract_amount": rng.randint(5, 300) * 1_000_000,
                          "completed_on": completed, "fiscal_year": completed.year - (completed.month < 4),
                          "grading_table": "standard", "state": "entering" if open_work else "notified",
                          "source": "system", "due_on": completed + timedelta(days=14),
                          "weighted": None if open_work else Decimal(rng.randint(6000, 9000)) / 100,
                          "final_score": None if open_work else Decimal(rng.randint(60, 90)),
                          "notified_on": None if open_work else completed + timedelta(days=30)})
            graders = (("chief", chiefs[(n % 10) + 10 * (n % 2)]), ("general", generals[n % 10]),
                       ("final_inspector", inspectors[n % 5]))
            for role, who in graders:
                state = ("draft" if role == "chief" else "assigned") if open_work else "submitted"
                assignments.append({"work_id": n + 1, "role": role, "seq": 1, "user_id": who.id, "state": state,
                                    "score": None if open_work else Decimal(rng.randint(60, 90))})
        s.execute(insert(GradedWork), works)
        s.execute(insert(GraderAssignment), assignments)
        s.commit()
        assert s.scalar(select(func.count()).select_from(GradedWork)) == WORKS
        return {"contract": contract.login_id, "chief": chiefs[0].login_id, "inspector": inspectors[0].login_id}


def _login(app, login_id: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"login_id": login_id, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def measure(app, logins: dict[str, str], repeat: int) -> list[tuple[str, float, float]]:
    pages = [("contract", "/grading/board"), ("contract", "/grading/board?fiscal_year=2020&sort=-score"),
             ("contract", "/grading/board?late=y"), ("contract", "/grading/board?q=計測建設012&state=notified"),
             ("contract", "/grading/board?page=20"), ("contract", "/grading/board?format=csv"),
             ("chief", "/grading/board"), ("chief", "/grading/"), ("chief", "/"),
             ("inspector", "/grading/board"), ("inspector", "/grading/")]
    clients = {who: _login(app, login) for who, login in logins.items()}
    results = []
    for who, url in pages:
        client = clients[who]
        response = client.get(url)  # warm-up
        assert response.status_code == 200, url
        response.close()
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            response.get_data()  # a download streams: read it all
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
            response.close()
        results.append((f"{who:9s} GET {url}", statistics.median(samples), percentile(samples, 95)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'grading_bench.sqlite3'}"
    app = build_app(url)
    logins = fill(app)
    print(f"{WORKS:,} graded works, {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; ms (p50 / p95)")
    for label, p50, p95 in measure(app, logins, args.repeat):
        print(f"  {label:70s} {p50:7.1f} / {p95:7.1f}")


if __name__ == "__main__":
    main()
