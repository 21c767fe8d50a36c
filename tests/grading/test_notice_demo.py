"""The demo's grading notices (``flask demo``): two works graded through the services and settled, one notified with a
説明請求, and a login of the notified firm — made once, however often the demo runs."""

from __future__ import annotations

from sqlalchemy import func, select

from core import create_app
from core.db import db


def test_the_demo_grades_notifies_and_files_a_request_once(tmp_path):
    app = create_app({"KEIYAKU_ENV": "development", "KEIYAKU_SECRET_KEY": "k" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "STORAGE_DIR": str(tmp_path / "files")})
    try:
        first = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert first.exit_code == 0, first.output
        assert "ID: soukatsu" in first.output and "ID: seiseki@example.jp" in first.output
        again = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert again.exit_code == 0, again.output
        with app.app_context():
            from core.auth.services import find_user
            from grading.explanations.models import ExplanationRequest
            from grading.notices.demo import WORKS
            from grading.notices.queries import applicant_firm
            from grading.works.models import GradedWork

            names = [name for name, *_rest in WORKS]
            works = {w.name: w for w in db.session.scalars(select(GradedWork).where(GradedWork.name.in_(names)))}
            assert {w.state for w in works.values()} == {"settled", "notified"} and len(works) == 2
            notified = next(w for w in works.values() if w.state == "notified")
            assert notified.final_score is not None and len(notified.assignments) == 3
            assert db.session.scalar(select(func.count(ExplanationRequest.id))) == 1
            assert applicant_firm(db.session, find_user(db.session, "seiseki@example.jp")).id == notified.contractor_id
    finally:
        app.extensions["keiyaku_db"]["engine"].dispose()
