"""The optional ``finish`` step of an import kind: once per committed import (also when every row was unchanged and
nothing else was written), with the context whose ``compare`` saw every row and the batch; never after a dry run
or a blocked import; its history rows count with the batch's."""

import pytest

from core.auth.importers import UsersImport
from core.importing import profiles
from core.importing.models import ImportBatch
from core.importing.runner import run_import

GOOD = ("ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態\r\n"
        "finish.a,終了 一郎,0100,総務部 契約課,契約担当,,有効\r\n"
        "finish.b,終了 二郎,0100,,閲覧者,,有効\r\n")


class FinishingUsers(UsersImport):
    """The users kind with a finish step that notes what it was given."""

    def __init__(self, hash_method):
        super().__init__(hash_method)
        self.calls = []

    def compare(self, ctx, values):
        ctx.__dict__.setdefault("seen", []).append(values["login_id"])
        return super().compare(ctx, values)

    def finish(self, session, actor, ctx, batch, report):
        self.calls.append((list(ctx.seen), batch.id, report.committed, report.batch_id))
        report.summary["終了"] = {"行": len(ctx.seen)}


@pytest.fixture
def kind(app):
    return FinishingUsers(app.config["PASSWORD_HASH_METHOD"])


def _run(session, kind, text, dry_run=False):
    name, settings = profiles.get_settings(session, kind, "標準")
    return run_import(session, None, kind, data=text.encode("utf-8"), file_name="staff.csv", profile_name=name,
                      settings=settings, dry_run=dry_run)


def test_the_base_kind_has_no_finish_step(app):
    assert not UsersImport(app.config["PASSWORD_HASH_METHOD"]).finishes


def test_finish_runs_once_after_a_commit_with_the_batch(db_session, kind):
    assert kind.finishes
    report = _run(db_session, kind, GOOD)
    [(seen, batch_id, committed, reported_id)] = kind.calls
    assert seen == ["finish.a", "finish.b"] and committed and batch_id == report.batch_id
    assert reported_id is None  # called before the batch's report is stored, so it may add to the summary
    assert db_session.get(ImportBatch, batch_id).report_data["summary"]["終了"] == {"行": 2}


def test_finish_runs_when_every_row_is_unchanged(db_session, kind):
    _run(db_session, kind, GOOD)
    report = _run(db_session, kind, GOOD)
    assert report.unchanged == 2 and len(kind.calls) == 2 and kind.calls[1][0] == ["finish.a", "finish.b"]


def test_no_finish_after_a_dry_run_or_a_blocked_import(db_session, kind):
    _run(db_session, kind, GOOD, dry_run=True)
    report = _run(db_session, kind, GOOD + "x,,0100,,契約担当,,\r\n")
    assert not report.committed and kind.calls == []
