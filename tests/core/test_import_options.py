"""What an import kind may add to the framework: options chosen per import (given to ``configure`` in each pass,
kept on the batch), settings of its own in a profile (defaults filled, checked by the kind), and keys of its own in
the report (merged at the top level, never replacing the framework's)."""

import pytest

from core.auth.importers import UsersImport
from core.errors import ValidationFailed
from core.importing import profiles
from core.importing.kinds import ImportOption
from core.importing.models import ImportBatch
from core.importing.runner import run_import

GOOD = ("ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態\r\n"
        "option.a,指定 一郎,0100,総務部 契約課,契約担当,,有効\r\n")


class OptionedUsers(UsersImport):
    options = (ImportOption("shout_names", "氏名を大きな声で読む"),)
    extra_settings = {"greeting": "こんにちは"}

    def __init__(self, hash_method):
        super().__init__(hash_method)
        self.configured = []

    def check_settings(self, settings):
        return [] if isinstance(settings["greeting"], str) else ["greeting は文字列です。"]

    def configure(self, ctx, settings, options):
        self.configured.append((settings["greeting"], dict(options)))

    def report_extra(self, ctx):
        return {"greeted": 1, "total": -1, "warnings": [{"row": 2, "message": "確認してください"}]}


@pytest.fixture
def kind(app):
    return OptionedUsers(app.config["PASSWORD_HASH_METHOD"])


def _run(session, kind, options, dry_run=False):
    name, settings = profiles.get_settings(session, kind, "標準")
    return run_import(session, None, kind, data=GOOD.encode("utf-8"), file_name="staff.csv", profile_name=name,
                      settings=settings, dry_run=dry_run, options=options)


def test_options_reach_both_passes_and_the_batch(db_session, kind):
    report = _run(db_session, kind, ["shout_names"])
    assert kind.configured == [("こんにちは", {"shout_names": True})] * 2  # the check pass and the write pass
    assert report.options == {"shout_names": True}
    assert db_session.get(ImportBatch, report.batch_id).option_values == {"shout_names": True}


def test_no_option_chosen_keeps_none_on_the_batch(db_session, kind):
    report = _run(db_session, kind, None, dry_run=True)
    assert report.options == {"shout_names": False}
    assert db_session.get(ImportBatch, report.batch_id).options is None


def test_an_option_of_no_kind_is_refused(db_session, kind):
    with pytest.raises(ValidationFailed, match="「create_everything」の指定はありません"):
        _run(db_session, kind, {"create_everything": True})


def test_the_kinds_settings_get_defaults_and_are_checked(kind):
    settings, problems = profiles.validate_settings(kind, {"columns": {"login_id": "ログインID", "name": "氏名",
                                                                       "roles": "役割"}})
    assert settings["greeting"] == "こんにちは" and problems == []
    _, problems = profiles.validate_settings(kind, {**settings, "greeting": 3})
    assert problems == ["greeting は文字列です。"]
    _, problems = profiles.validate_settings(UsersImport("scrypt"), {**settings})
    assert "設定項目「greeting」は使えません。" in problems


def test_report_keys_of_the_kind_merge_without_replacing_the_frameworks(db_session, kind):
    data = _run(db_session, kind, None, dry_run=True).as_dict()
    assert data["greeted"] == 1 and data["total"] == 1
    assert data["warnings"] == [{"row": 2, "message": "確認してください"}]
    assert "extra" not in data
