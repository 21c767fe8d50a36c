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


def test_rules_cli_looks_up_by_date(app, db_session):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["rules", "list", "--on", "R1.5.1"])
    assert listing.exit_code == 0 and "min_price.works" in listing.output
    shown = runner.invoke(args=["rules", "show", "min_price.works", "--on", "2019-05-01"])
    import json

    data = json.loads(shown.output)
    assert data["effective_from"] == "2017-10-01" and data["on"] == "2019-05-01"
    later = json.loads(runner.invoke(args=["rules", "show", "min_price.works", "--on", "令和5年4月1日"]).output)
    assert later["effective_from"] == "2022-04-01"
    assert runner.invoke(args=["rules", "show", "no.such.rule"]).exit_code == 2
    bad = runner.invoke(args=["rules", "show", "min_price.works", "--on", "平成31年5月1日"])
    assert bad.exit_code == 2 and "平成31年5月1日" in bad.output
    assert "2016-04-01" in runner.invoke(args=["rules", "show", "min_price.works", "--history"]).output
