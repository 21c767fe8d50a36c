"""Legacy case import (CM12): what a re-import must not do — take away a stored award, contract, change or
completion, or touch a case made or taken further in this system — and who may import."""

from __future__ import annotations

import pytest

from bidding.bids.award import declare_failed
from core.auth.roles import Role
from core.errors import PermissionDenied
from tests.bidding.cases.conftest import LINES, SAMPLE, case_of, edit, encode, row, run
from tests.bidding.conftest import case_values

GOOD = row("2021-130-0001")


def _rejection(session, line: str):
    report = run(session, encode([LINES[0], line]), dry_run=True)
    assert report.rejected_rows == 1, report.rejected
    return report.rejected[0]


@pytest.mark.parametrize("cells, column, what", [
    ({"契約番号": "", "契約日": "", "契約金額": "", "変更後契約金額": "", "完成日": ""}, "契約番号", "契約"),
    ({"変更後契約金額": ""}, "変更後契約金額", "変更契約"),
    ({"完成日": ""}, "完成日", "完成"),
])
def test_a_row_never_takes_away_what_is_stored(db_session, imported, cells, column, what):
    rejection = _rejection(db_session, edit(GOOD, **cells))
    assert rejection.column == column
    assert rejection.reason.startswith(f"登録済みの{what}がこの行にありません。")


NO_CONTRACT = {"契約番号": "", "契約日": "", "契約金額": "", "工期自": "", "工期至": "", "変更後契約金額": "", "完成日": ""}


def test_an_award_or_opening_is_not_taken_away(db_session, legacy_registry):
    awarded = edit(GOOD, **NO_CONTRACT)
    assert run(db_session, encode([LINES[0], awarded])).new == 1
    assert case_of(db_session, "2021-130-0001").state == "awarded"
    rejection = _rejection(db_session, edit(awarded, 落札業者番号="", 落札金額=""))
    assert rejection.column == "落札業者番号" and rejection.reason.startswith("登録済みの落札決定がこの行にありません。")
    rejection = _rejection(db_session, edit(awarded, 落札業者番号="", 落札金額="", 開札日=""))
    assert rejection.column == "開札日" and rejection.reason.startswith("登録済みの開札日がこの行にありません。")


def test_a_case_made_in_this_system_is_not_overwritten(db_session, legacy_registry, contract_staff):
    from bidding.cases.services import create_case

    case = create_case(db_session, contract_staff, case_values(legacy_registry["110"]))
    rejection = _rejection(db_session, edit(GOOD, 案件番号=case.number))
    assert rejection.column == "案件番号" and "本システムで起案した案件です" in rejection.reason


def test_a_case_taken_further_here_is_not_overwritten(db_session, imported, contract_staff):
    case = case_of(db_session, "2024-310-0002")  # opened, no valid bid recorded
    declare_failed(db_session, contract_staff, case)
    rejection = _rejection(db_session, row("2024-310-0002"))
    assert rejection.column == "案件番号" and "本システムで手続が進んでいます（状態: 不調）" in rejection.reason
    report = run(db_session, SAMPLE.read_bytes(), dry_run=True)
    assert (report.unchanged, report.rejected_rows) == (59, 1)


def test_who_may_import(db_session, legacy_registry, create_user, contract_staff):
    staff = create_user(Role.DEPARTMENT_STAFF, department=legacy_registry["110"])
    with pytest.raises(PermissionDenied):
        run(db_session, SAMPLE.read_bytes(), actor=staff, dry_run=True)
    report = run(db_session, SAMPLE.read_bytes(), actor=contract_staff)
    assert report.committed and case_of(db_session, "2021-130-0001").approved_by == contract_staff
