"""The view transaction helper: one commit on success, rollback with the errors kept on failure."""

import pytest
from sqlalchemy import select
from wtforms import StringField

from core.auth.models import Department
from core.db import db
from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.formtools import JapaneseForm
from core.transaction import general_errors, transaction


class _Form(JapaneseForm):
    class Meta:
        csrf = False

    code = StringField("コード")


def _department(code: str) -> Department:
    department = Department(code=code, name=f"部署{code}")
    db.session.add(department)
    db.session.flush()
    return department


def _exists(code: str) -> bool:
    return db.session.scalar(select(Department).where(Department.code == code)) is not None


def test_success_commits_once(app):
    with app.test_request_context("/"):
        with transaction() as tx:
            _department("TX1")
        assert tx.ok and tx.general == []
        db.session.rollback()  # nothing left to roll back: the block committed
        assert _exists("TX1")


def test_validation_failure_rolls_back_and_sets_field_errors(app):
    with app.test_request_context("/", method="POST", data={"code": "x"}):
        form = _Form()
        with transaction(form) as tx:
            _department("TX2")
            raise ValidationFailed({"code": ["コードが重複しています。"], "": ["全体の誤り"]})
        assert not tx.ok
        assert form.code.errors == ["コードが重複しています。"]
        assert tx.general == ["全体の誤り"] == general_errors()
        assert not _exists("TX2")


def test_domain_error_is_flashed_when_asked(app):
    from flask import get_flashed_messages

    with app.test_request_context("/"):
        with transaction(flash_errors=True) as tx:
            _department("TX3")
            raise InvalidTransition("この状態からは受け付けできません。")
        assert not tx.ok and tx.general == ["この状態からは受け付けできません。"]
        assert get_flashed_messages(with_categories=True) == [("error", "この状態からは受け付けできません。")]
        assert not _exists("TX3")


@pytest.mark.parametrize("error", [PermissionDenied(), NotFound("ない"), RuntimeError("boom")])
def test_other_errors_roll_back_and_propagate(app, error):
    with app.test_request_context("/"):
        with pytest.raises(type(error)):
            with transaction():
                _department("TX4")
                raise error
        assert not _exists("TX4")


def test_dry_run_rolls_back_a_success(app):
    with app.test_request_context("/"):
        with transaction(dry_run=True) as tx:
            _department("TX5")
        assert tx.ok
        assert not _exists("TX5")
