"""The benchmark dataset generator (``benchmarks/dataset.py``): a 30-firm build on SQLite that the app reads, and
the same data again for the same seed. Later packages add steps to the generator; this keeps them honest."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import create_engine, func, select

from benchmarks._common import BENCH_PASSWORD, CSRF_RE
from benchmarks.dataset import build
from core import create_app
from core.factory import import_models

AS_OF = date(2026, 12, 6)
GENERATED = ("contractors", "contractor_registrations", "registered_work_types", "construction_permits",
             "keishin_scores", "technicians", "jv_members", "suspensions", "applications", "application_events",
             "applicant_accounts", "bench_bare_rows", "bid_rounds", "bids", "lot_draws", "awards", "contracts",
             "contract_changes", "contract_payments", "inspections", "graded_works", "grader_assignments")


def _fingerprints(url: str) -> dict[str, str]:
    from benchmarks.datagen.bare import bare_rows

    tables = dict(import_models().tables) | {"bench_bare_rows": bare_rows}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: hashlib.sha256(repr(conn.execute(select(tables[name]).order_by(*tables[name].primary_key))
                                              .all()).encode()).hexdigest() for name in GENERATED}
    finally:
        engine.dispose()


def test_small_dataset_is_readable_by_the_app_and_deterministic(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    ctx = build(url, firms=30, seed=1, as_of=AS_OF, verbose=False)
    ctx.engine.dispose()
    counts = ctx.counts
    assert counts["contractors"] == 30
    assert counts["jv_members"] in (2, 3)  # one joint venture of 2–3 members
    assert counts["contractor_registrations"] > 30 and counts["registered_work_types"] >= counts["contractor_registrations"]
    assert counts["applications"] > counts["contractor_registrations"] / 2
    assert counts["bench_bare_rows"] == 18_000
    assert counts["bids"] > counts["bid_rounds"] > 0 and 0 < counts["awards"] < counts["tender_cases"]

    t = import_models().tables
    engine = create_engine(url)
    with engine.connect() as conn:
        per_registration = conn.execute(select(func.count()).select_from(t["registered_work_types"])
                                        .group_by(t["registered_work_types"].c.registration_id)).scalars().all()
        assert min(per_registration) >= 1 and max(per_registration) <= 6
        ranks = set(conn.scalars(select(t["registered_work_types"].c.rank).distinct()))
        assert ranks <= {"A", "B", "C", "D", "E", None} and "A" in ranks
        s = t["suspensions"].c
        in_force = conn.scalar(select(func.count()).where(s.starts_on <= AS_OF, s.ends_on >= AS_OF, s.lifted_on.is_(None)))
        assert in_force >= 1 and conn.scalar(select(func.count()).where(s.starts_on > AS_OF)) >= 1
        assert set(conn.scalars(select(t["applications"].c.kind).distinct())) == {"new", "change"}
        # Every case awarded, contracted or completed has its decided award; a 不調 case has none.
        c, a = t["tender_cases"].c, t["awards"].c
        with_bids = select(t["bids"].c.case_id).distinct()
        awarded = conn.scalar(select(func.count()).select_from(t["tender_cases"]).where(
            c.state.in_(("awarded", "contracted", "completed")), c.id.in_(with_bids)))
        assert conn.scalar(select(func.count()).select_from(t["awards"])) == awarded
        assert conn.scalar(select(func.count()).select_from(t["awards"]).where(
            a.case_id.in_(select(c.id).where(c.state == "failed")))) == 0
        # Every 契約済 or 完成 case with an award has its contract, made after the award; completed ones passed
        # their 完成検査; no claim exceeds what the contract came to be.
        k, ch, p, i = (t[name].c for name in ("contracts", "contract_changes", "contract_payments", "inspections"))
        contracted = conn.scalar(select(func.count()).select_from(t["awards"]).join(t["tender_cases"], c.id == a.case_id)
                                 .where(c.state.in_(("contracted", "completed"))))
        assert conn.scalar(select(func.count()).select_from(t["contracts"])) == contracted > 0
        assert conn.scalar(select(func.count()).select_from(t["contracts"]).join(t["awards"], a.id == k.award_id)
                           .where(k.contract_date < a.decided_on)) == 0
        completed = select(k.id).where(k.state == "completed")
        assert conn.scalar(select(func.count(func.distinct(i.contract_id))).where(
            i.kind == "final", i.result == "pass", i.contract_id.in_(completed))) == conn.scalar(
            select(func.count()).select_from(completed.subquery()))
        current = func.coalesce(select(ch.amount_after).where(ch.contract_id == k.id).order_by(ch.seq.desc()).limit(1)
                                .scalar_subquery(), k.amount)
        claimed = select(p.contract_id, func.sum(p.amount).label("total")).group_by(p.contract_id).subquery()
        assert conn.scalar(select(func.count()).select_from(t["contracts"]).join(claimed, claimed.c.contract_id == k.id)
                           .where(claimed.c.total > current)) == 0
        # Graded works come from completed construction cases, scored once settled; the system's have graders.
        w = t["graded_works"].c
        scored = conn.scalar(select(func.count()).where(w.final_score.is_not(None)))
        assert scored >= 5 and scored == conn.scalar(select(func.count()).where(w.state.in_(("settled", "notified"))))
        assert conn.scalar(select(func.count()).select_from(t["graded_works"]).where(
            w.contract_number.not_in(select("K" + c.number).where(c.state == "completed", c.category == "construction")))) == 0
        assert set(conn.scalars(select(w.source).distinct())) == {"system", "import"}
        assert conn.scalar(select(func.count()).select_from(t["grader_assignments"])) > 0
    engine.dispose()

    app = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": url, "STORAGE_DIR": str(tmp_path / "storage"),
                      "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login_id": "bench.contract01", "password": BENCH_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    listing = client.get("/registry/contractors?status=all").get_data(as_text=True)
    assert "全 30 件" in listing
    review = client.get(f"/registry/ranks/review?category=construction&start_year={ctx.periods()[-1][0]}")
    assert review.status_code == 200 and "土木一式工事" in review.get_data(as_text=True)
    results = client.get("/bidding/results?fiscal_year=0&result=awarded").get_data(as_text=True)
    assert "落札" in results and "全 0 件" not in results
    contracts = client.get("/bidding/contracts?sort=-amount").get_data(as_text=True)
    assert "契約一覧" in contracts and "全 0 件" not in contracts
    statistics = client.get("/grading/statistics").get_data(as_text=True)
    assert f"集計（{scored} 件）" in statistics
    assert client.get(f"/grading/statistics/contractors/{ctx.shared['graded_firm']}").status_code == 200
    app.extensions["keiyaku_db"]["engine"].dispose()

    again = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    build(again, firms=30, seed=1, as_of=AS_OF, verbose=False).engine.dispose()
    assert _fingerprints(again) == _fingerprints(url)
