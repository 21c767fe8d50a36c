"""説明請求 (SPEC GR4): filed within the deadline counted from the notice, answered, re-requested, taken to the committee,
answered with the grade kept or corrected through the works' correction; every step's deadline from the rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.history import history_of
from grading.explanations import queries, services
from grading.notices.queries import applicant_firm
from tests.grading.notice_fixtures import NOTIFIED_ON, REQUEST_DEADLINE

FILED_ON = date(2027, 1, 12)


def _file(db_session, actor, work, filed_on=FILED_ON, **kw):
    return services.file_request(db_session, actor, work, content="施工管理の評価の理由を説明してください。", channel="paper",
                                 filed_on=filed_on, today=kw.pop("today", filed_on), **kw)


def _answered(db_session, staff, request, on=date(2027, 1, 20)):
    services.answer_request(db_session, staff, request, answer="記録の提出が遅れた回がありました。", answered_on=on, today=on)
    return request


def _in_committee(db_session, staff, request):
    _answered(db_session, staff, request)
    services.re_request(db_session, staff, request, content="再度説明を求めます。", channel="paper",
                        filed_on=date(2027, 2, 1), today=date(2027, 2, 1))
    services.refer_to_committee(db_session, staff, request, committee_on=date(2027, 2, 15))
    return request


def test_a_paper_request_within_the_deadline(db_session, notified, contract_staff):
    request = _file(db_session, contract_staff, notified, filed_on=REQUEST_DEADLINE)  # the last day still counts
    assert request.state == "received" and request.channel == "paper"
    assert request.answer_due == date(2027, 2, 2)  # 14 days from the day after 受付 (1/20 … 2/2)
    (row,) = history_of(db_session, "explanation_requests", str(request.id))
    assert row.operation == "grading.explain.file" and "回答期限 令和9年2月2日" in row.summary


def test_a_late_request_is_refused_with_the_deadline(db_session, notified, contract_staff):
    with pytest.raises(ValidationFailed) as info:
        _file(db_session, contract_staff, notified, filed_on=date(2027, 1, 20))
    assert "説明請求の期限（令和9年1月19日）を過ぎています" in info.value.errors["filed_on"][0]
    assert queries.requests_of_work(db_session, notified.id) == []


@pytest.mark.parametrize("filed_on, words", [
    (None, "受付日を入力"), (date(2027, 1, 5), "評定の通知日（令和9年1月6日）以降"), (date(2027, 1, 13), "今日"),
])
def test_bad_filing_days(db_session, notified, contract_staff, filed_on, words):
    with pytest.raises(ValidationFailed, match=words):
        _file(db_session, contract_staff, notified, filed_on=filed_on, today=FILED_ON)


def test_a_request_needs_its_content_and_a_notified_work(db_session, settled, contract_staff):
    with pytest.raises(ValidationFailed, match="通知していない"):
        _file(db_session, contract_staff, settled)
    settled.state, settled.notified_on = "notified", NOTIFIED_ON
    with pytest.raises(ValidationFailed, match="請求の内容を入力"):
        services.file_request(db_session, contract_staff, settled, content="  ", channel="paper", filed_on=FILED_ON,
                              today=FILED_ON)


def test_one_running_request_per_work(db_session, notified, contract_staff):
    first = _file(db_session, contract_staff, notified)
    with pytest.raises(ValidationFailed, match="同時に受け付ける説明請求は 1 件"):
        _file(db_session, contract_staff, notified, filed_on=date(2027, 1, 13))
    _answered(db_session, contract_staff, first)
    assert services.is_pending(first, first.re_request_due) and not services.is_pending(first, date(2027, 2, 4))


def test_the_firm_files_on_the_applicant_page(db_session, notified, applicant_of, create_contractor):
    own = applicant_of(notified.contractor, "own@example.jp")
    request = services.file_request(db_session, own, notified, content="説明を求めます。", channel="portal",
                                    firm=applicant_firm(db_session, own), filed_on=date(2027, 1, 7), today=FILED_ON)
    assert request.channel == "portal" and request.filed_on == FILED_ON  # filed today, whatever the form said
    other = applicant_of(create_contractor("他社建設"), "other@example.jp")
    with pytest.raises(PermissionDenied):
        services.file_request(db_session, other, notified, content="説明を求めます。", channel="portal",
                              firm=applicant_firm(db_session, other), today=FILED_ON)


def test_staff_of_the_works_department_neither_file_nor_answer(db_session, notified, contract_staff, chief):
    with pytest.raises(PermissionDenied):
        _file(db_session, chief, notified)
    request = _file(db_session, contract_staff, notified)
    with pytest.raises(PermissionDenied):
        services.answer_request(db_session, chief, request, answer="回答", answered_on=FILED_ON, today=FILED_ON)
    assert request.state == "received"


def test_answer_and_re_request_deadlines(db_session, notified, contract_staff, applicant_of):
    owner = applicant_of(notified.contractor, "own@example.jp")
    request = _file(db_session, contract_staff, notified)
    mails = services.answer_request(db_session, contract_staff, request, answer="回答です。", answered_on=date(2027, 1, 20),
                                    link=None, today=date(2027, 1, 21))
    assert request.state == "answered" and request.re_request_due == date(2027, 2, 2)  # 14 days, the answer day counted
    assert [m.to for m in mails] == ["own@example.jp"] and "令和9年2月2日" in mails[0].body
    with pytest.raises(ValidationFailed) as info:
        services.re_request(db_session, owner, request, content="再度", channel="portal",
                            firm=applicant_firm(db_session, owner), today=date(2027, 2, 3))
    assert "再説明請求の期限（令和9年2月2日）を過ぎています" in info.value.errors["filed_on"][0]
    assert request.state == "answered"
    services.re_request(db_session, owner, request, content="再度説明を求めます。", channel="portal",
                        firm=applicant_firm(db_session, owner), today=date(2027, 2, 2))
    assert request.state == "re_requested" and request.committee_due == date(2027, 3, 4)  # 30 days from 2/3
    with pytest.raises(InvalidTransition):
        services.answer_request(db_session, contract_staff, request, answer="再", answered_on=date(2027, 2, 2),
                                today=date(2027, 2, 2))


def test_a_late_answer_is_recorded_and_flagged(db_session, notified, contract_staff, chief):
    request = _file(db_session, contract_staff, notified)
    assert queries.queue_counts(db_session, contract_staff, date(2027, 1, 26)) == {"received": 1, "committee": 0,
                                                                                  "overdue": 0, "waiting": 0}
    assert queries.queue_counts(db_session, contract_staff, date(2027, 1, 27))["overdue"] == 1
    assert queries.queue_counts(db_session, chief, date(2027, 1, 27))["overdue"] == 1  # the works department's
    overdue = db_session.scalars(queries.request_list(contract_staff, queries.RequestFilters(overdue=True),
                                                      date(2027, 1, 27))).all()
    assert overdue == [request]
    _answered(db_session, contract_staff, request, on=date(2027, 1, 28))
    steps = {s.label: s for s in queries.timeline(request, REQUEST_DEADLINE, date(2027, 1, 28))}
    assert steps["回答（説明書）"].late and steps["説明請求の受付"].due == REQUEST_DEADLINE
    assert "期限後" in history_of(db_session, "explanation_requests", str(request.id))[-1].summary


def test_the_committee_keeps_the_grade(db_session, notified, contract_staff):
    request = _in_committee(db_session, contract_staff, _file(db_session, contract_staff, notified))
    assert request.state == "committee" and request.committee_on == date(2027, 2, 15)
    with pytest.raises(ValidationFailed, match="先に「評定の修正」"):
        services.answer_committee(db_session, contract_staff, request, answer="修正します", answered_on=date(2027, 2, 20),
                                  outcome="correct", today=date(2027, 2, 20))
    services.answer_committee(db_session, contract_staff, request, answer="評定は妥当です。", answered_on=date(2027, 2, 20),
                              outcome="keep", today=date(2027, 2, 20))
    assert request.state == "closed" and notified.final_score == Decimal(80) and not notified.revisions


def test_the_committee_corrects_the_grade_through_the_works_correction(db_session, notified, contract_staff):
    request = _in_committee(db_session, contract_staff, _file(db_session, contract_staff, notified))
    chief_sheet = notified.assignment("chief")
    with pytest.raises(ValidationFailed, match="修正の日は再説明請求の受付日"):
        services.correct_item(db_session, contract_staff, request, chief_sheet, item_key="chief_schedule", value="b",
                              reason="工程の遅れは発注者の事情", revised_on=date(2027, 1, 31), today=date(2027, 2, 15))
    with pytest.raises(ValidationFailed) as info:
        services.correct_item(db_session, contract_staff, request, chief_sheet, item_key="chief_schedule", value="z",
                              reason="工程の遅れは発注者の事情", revised_on=date(2027, 2, 15), today=date(2027, 2, 15))
    assert "chief_schedule" in info.value.errors and notified.final_score == Decimal(80)
    revision = services.correct_item(db_session, contract_staff, request, chief_sheet, item_key="chief_schedule",
                                     value="b", reason="工程の遅れは発注者の事情", revised_on=date(2027, 2, 15),
                                     today=date(2027, 2, 15))
    # 工程管理 c → b (+2.0): 主任 79 → 81, 評定点計 0.4 × 81 + 0.2 × 73 + 0.4 × 85 = 81.0
    assert (revision.final_before, revision.final_after) == (Decimal(80), Decimal(81))
    assert notified.final_score == Decimal(81) and chief_sheet.score == Decimal(81)
    assert "委員会審議" in revision.reason
    with pytest.raises(ValidationFailed, match="結果は「評定修正」"):
        services.answer_committee(db_session, contract_staff, request, answer="維持", answered_on=date(2027, 2, 20),
                                  outcome="keep", today=date(2027, 2, 20))
    services.answer_committee(db_session, contract_staff, request, answer="工程管理を b に修正しました。",
                              answered_on=date(2027, 2, 20), outcome="correct", today=date(2027, 2, 20))
    assert request.state == "corrected" and queries.corrections(request) == [revision]
    steps = queries.timeline(request, REQUEST_DEADLINE, date(2027, 2, 20))
    assert [s.label for s in steps][-2:] == ["委員会審議", "委員会審議の回答（再説明書）"]
    assert steps[-1].note == "評定修正" and not steps[-1].late


def test_a_correction_only_while_the_committee_deliberates(db_session, notified, contract_staff):
    request = _file(db_session, contract_staff, notified)
    with pytest.raises(ValidationFailed, match="委員会審議中"):
        services.correct_item(db_session, contract_staff, request, notified.assignment("chief"), item_key="chief_schedule",
                              value="b", reason="理由", revised_on=FILED_ON, today=FILED_ON)
    assert notified.final_score == Decimal(80)
