"""Notification of a settled grade and the publication list (SPEC GR4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import PermissionDenied, ValidationFailed
from core.history import history_of
from grading.notices import queries, services
from grading.works import queries as work_queries
from tests.grading.notice_fixtures import NOTIFIED_ON, REQUEST_DEADLINE


def test_notify_a_settled_work(db_session, settled, contract_staff, applicant_of):
    applicant_of(settled.contractor, "genba@example.jp")
    mails = services.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, link="https://portal.example.jp/x",
                                 today=date(2027, 1, 7))
    assert settled.state == "notified" and settled.notified_on == NOTIFIED_ON
    assert queries.request_deadline(db_session, settled) == REQUEST_DEADLINE  # 14 days, the notice day counted
    (mail,) = mails
    assert mail.to == "genba@example.jp" and settled.contract_number in mail.subject
    assert "令和9年1月19日" in mail.body and "https://portal.example.jp/x" in mail.body and "申請者ページ" in mail.body
    (row,) = [h for h in history_of(db_session, "graded_works", str(settled.id)) if h.operation == "grading.notify"]
    assert "説明請求の期限 令和9年1月19日" in row.summary and row.change_map["state"] == ["settled", "notified"]


def test_mails_go_to_the_registered_address_without_an_applicant_login(db_session, settled, contract_staff):
    settled.contractor.email = "info@keiyaku-kensetsu.example.jp"
    mails = services.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, today=NOTIFIED_ON)
    assert [m.to for m in mails] == ["info@keiyaku-kensetsu.example.jp"]


def test_no_address_means_no_mail(db_session, settled, contract_staff, applicant_of, create_contractor):
    applicant_of(create_contractor("他社建設"), "other@example.jp")  # another firm's login gets nothing
    assert services.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, today=NOTIFIED_ON) == []


@pytest.mark.parametrize("day, words", [
    (None, "通知日を入力"),
    (date(2027, 1, 8), "今日（令和9年1月7日）以前"),
    (date(2027, 1, 4), "評定の確定日（令和9年1月5日）以降"),
])
def test_bad_notice_days_change_nothing(db_session, settled, contract_staff, day, words):
    with pytest.raises(ValidationFailed, match=words) as info:
        services.notify_work(db_session, contract_staff, settled, day, today=date(2027, 1, 7))
    assert "notified_on" in info.value.errors
    assert settled.state == "settled" and settled.notified_on is None


def test_only_the_contract_section_notifies_a_settled_work_once(db_session, work, settled, contract_staff, chief,
                                                                general):
    with pytest.raises(PermissionDenied):
        services.notify_work(db_session, general, settled, NOTIFIED_ON, today=NOTIFIED_ON)
    services.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, today=NOTIFIED_ON)
    with pytest.raises(ValidationFailed, match="通知済み"):
        services.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, today=NOTIFIED_ON)


def test_a_work_not_settled_cannot_be_notified(db_session, work, contract_staff):
    with pytest.raises(ValidationFailed, match="確定していない"):
        services.notify_work(db_session, contract_staff, work, NOTIFIED_ON, today=NOTIFIED_ON)
    assert work.state == "pending"


def test_the_breakdown_is_the_settled_grade(db_session, settled):
    breakdown = work_queries.work_breakdown(db_session, settled)
    assert Decimal(str(breakdown["final"])) == settled.final_score == Decimal(80)
    assert Decimal(str(breakdown["weighted"])) == settled.weighted
    chief = breakdown["graders"]["chief"]
    assert chief["score"] == 79 and breakdown["graders"]["final_inspector"]["score"] == 85
    assert {i["key"]: i["value"] for i in chief["items"]}["chief_schedule"] == "c"
    assert breakdown["weights"] == {"chief": 0.4, "general": 0.2, "final_inspector": 0.4}


# --- publication ----------------------------------------------------------------------------------------------

def _published(db_session, user, as_of, **filters):
    return queries.publication_rows(db_session, user, queries.PublicationFilters(**filters), as_of)


def test_publication_never_shows_a_work_before_its_notice(db_session, notified, settled, contract_staff):
    assert _published(db_session, contract_staff, NOTIFIED_ON - date.resolution) == []
    (row,) = _published(db_session, contract_staff, NOTIFIED_ON)
    assert (row.name, row.contractor_name, row.amount, row.score_text, row.department) == \
           ("市道中央線道路改良工事", "契約建設", 30_250_000, "80", "土木課")


def test_publication_of_a_quarter_and_of_a_range(db_session, notified, contract_staff):
    later = date(2027, 4, 30)
    assert queries.quarter_range(2026, 4) == (date(2027, 1, 1), date(2027, 3, 31))
    assert queries.quarter_range(2026, 3) == (date(2026, 10, 1), date(2026, 12, 31))
    assert len(_published(db_session, contract_staff, later, fiscal_year=2026, quarter=4)) == 1
    assert _published(db_session, contract_staff, later, fiscal_year=2026, quarter=3) == []
    assert _published(db_session, contract_staff, later, fiscal_year=2027) == []
    assert len(_published(db_session, contract_staff, later, notified_from=NOTIFIED_ON, notified_to=NOTIFIED_ON)) == 1
    assert _published(db_session, contract_staff, later, fiscal_year=2026, notified_from=date(2027, 1, 7)) == []
    totals = queries.publication_totals(db_session, contract_staff, queries.PublicationFilters(fiscal_year=2026), later)
    assert totals == {"count": 1, "average": Decimal("80.00")}


def test_a_settled_work_is_not_published(db_session, settled, contract_staff):
    assert _published(db_session, contract_staff, date(2027, 4, 30)) == []


def test_department_staff_see_their_own_department_only(db_session, notified, chief, kenchiku_staff):
    assert len(_published(db_session, chief, date(2027, 4, 30))) == 1
    assert _published(db_session, kenchiku_staff, date(2027, 4, 30)) == []


def test_the_notice_list_and_the_queue(db_session, settled, contract_staff, kenchiku_staff):
    waiting = db_session.scalars(queries.notice_list(contract_staff, queries.NoticeFilters(state="waiting"))).all()
    assert [w.id for w in waiting] == [settled.id]
    assert queries.waiting_count(db_session, contract_staff) == 1 and queries.waiting_count(db_session, kenchiku_staff) == 0
    services.notify_work(db_session, contract_staff, settled, NOTIFIED_ON, today=NOTIFIED_ON)
    assert queries.waiting_count(db_session, contract_staff) == 0
    done = db_session.scalars(queries.notice_list(contract_staff, queries.NoticeFilters(state="notified", q="中央線")))
    assert [w.id for w in done] == [settled.id]


def test_the_applicant_sees_their_firms_notified_works(db_session, notified, applicant_of, create_contractor):
    own = applicant_of(notified.contractor, "own@example.jp")
    other = applicant_of(create_contractor("他社建設"), "other@example.jp")
    assert queries.applicant_firm(db_session, own).id == notified.contractor_id
    assert [w.id for w in queries.firm_notices(db_session, queries.applicant_firm(db_session, own))] == [notified.id]
    assert queries.firm_notice(db_session, queries.applicant_firm(db_session, other), notified.id) is None
