"""Rules that tighten environment settings: password policy and operation-log retention."""

from datetime import timedelta

from core.db import utcnow
from core.rules.services import add_rule_version
from core.timefmt import to_jst
from tests.helpers import TEST_PASSWORD, page_text


def _today():
    return to_jst(utcnow()).date()


def test_password_rule_tightens_the_change_form(db_session, admin, create_user, login_as):
    add_rule_version(db_session, admin, "password_policy", _today(), {"min_length": 20, "min_classes": 3},
                     "情報セキュリティポリシー改定")
    db_session.commit()
    client = login_as(create_user(must_change_password=True))
    html = page_text(client.post("/password", data={"current_password": TEST_PASSWORD,
                                                    "new_password": "Sixteen-chars-01",
                                                    "confirm_password": "Sixteen-chars-01"}))
    assert "20 文字以上" in html


def test_retention_rule_moves_the_prune_boundary(app, db_session, admin):
    add_rule_version(db_session, admin, "audit_retention_days", _today(), {"days": 3650}, "文書管理規程改定")
    db_session.commit()
    before = (utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 30)).strftime("%Y-%m-%d")
    result = app.test_cli_runner().invoke(args=["audit", "prune", "--dry-run", "--before", before])
    assert result.exit_code == 1 and "3650 日" in result.output
