"""The statistics' demo (``flask demo``): the sample's past grades imported once and the 主観点 fed from them, however
often the demo runs."""

from __future__ import annotations

from sqlalchemy import func, select

from core import create_app
from core.db import db


def _state() -> tuple[int, int, int, int]:
    from core.history import RecordHistory
    from core.importing.models import ImportBatch
    from grading.works.models import GradedWork
    from registry.qualifications.models import RegisteredWorkType

    return (db.session.scalar(select(func.count(GradedWork.id)).where(GradedWork.source == "import")),
            db.session.scalar(select(func.count(ImportBatch.id)).where(ImportBatch.kind == "grades")),
            db.session.scalar(select(func.count(RegisteredWorkType.id)).where(
                RegisteredWorkType.performance_points.is_not(None))),
            db.session.scalar(select(func.count(RecordHistory.id)).where(
                RecordHistory.operation == "registry.work_type.performance")))


def test_the_demo_imports_the_past_grades_and_feeds_once(tmp_path):
    app = create_app({"KEIYAKU_ENV": "development", "KEIYAKU_SECRET_KEY": "k" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "STORAGE_DIR": str(tmp_path / "files")})
    try:
        first = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert first.exit_code == 0, first.output
        assert "架空の過去の評定を取り込みました（360 行、不正 0 行）。" in first.output
        with app.app_context():
            imported, batches, fed, history = _state()
        assert (imported, batches) == (360, 1) and fed > 0 and history == fed
        again = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
        assert again.exit_code == 0 and "過去の評定を取り込みました" not in again.output
        with app.app_context():
            assert _state() == (imported, batches, fed, history)  # nothing imported or written twice
    finally:
        app.extensions["keiyaku_db"]["engine"].dispose()
