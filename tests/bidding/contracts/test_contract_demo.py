"""The demo data's contracts (``flask demo``): a completed one, a changed one and one with a late 前払金, so the
contract list and the 契約 tab show what they are for; run twice, nothing is duplicated (other packages' demo data
may add contracts of their own)."""

from __future__ import annotations

from core import create_app


def test_demo_contracts(tmp_path):
    from bidding.contracts.demo import CASES
    from bidding.contracts.queries import ContractFilters, contract_list, contract_rows
    from core.auth.services import find_user
    from core.db import db
    from core.timefmt import today

    app = create_app({"KEIYAKU_ENV": "development", "KEIYAKU_SECRET_KEY": "k" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "STORAGE_DIR": str(tmp_path / "files")})
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
    names = [name for name, *_ in CASES]
    with app.app_context():
        staff = find_user(db.session, "keiyaku")
        rows = [r for r in contract_rows(db.session, contract_list(staff, ContractFilters(sort="date"), today()))
                if r.case_name in names]
        assert [r.case_name for r in rows] == names
        completed, changed, late = rows
        assert completed.state == "completed" and completed.paid == completed.current_amount and not completed.overdue
        assert changed.changes == 1 and changed.change_pending and changed.current_amount > changed.amount
        assert late.approval == "drafting" and late.overdue and late.paid == 0
    app.extensions["keiyaku_db"]["engine"].dispose()
