"""Staff review of applications: start, checks per section, return and resubmission, rejection, the comparison
with the registry, and acceptance into the registry (new firm, matching firm, 変更届)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from core.db import utcnow
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.history import history_of
from core.mail import Mail
from registry.applications import checks, review, services
from registry.applications.models import ApplicationCheck, ApplicationEvent
from registry.contractors.models import Contractor
from registry.qualifications.ranks.periods import qualification_period
from tests.registry.applications_support import (
    KEISHIN_FIGURES,
    company,
    corporate_number,
    current_period_year,
    fill_complete,
    keishin_row,
    make_account,
    permit_row,
    submitted_application,
    technician_row,
)


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF, name="審査 花子")


@pytest.fixture
def submitted(app, db_session):
    """(account, application): a complete 新規申請 for 010 and 020, submitted."""
    account = make_account(db_session, app, firm_name="株式会社山口土木", email="yamaguchi@example.co.jp")
    return submitted_application(db_session, app, account, codes=("010", "020"),
                                 company_values=company(name="株式会社山口土木", email="yamaguchi@example.co.jp",
                                                        corporate_number=corporate_number("123456789012")))


@pytest.fixture
def under_review(db_session, staff, submitted):
    account, application = submitted
    review.start_review(db_session, staff, application, utcnow())
    return account, application


def _actions(session, application) -> list[str]:
    return list(session.scalars(select(ApplicationEvent.action).where(
        ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id)))


def _contractor_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Contractor))


# --- review steps ------------------------------------------------------------------------------------------------


def test_start_review(db_session, staff, submitted):
    _, application = submitted
    review.start_review(db_session, staff, application, utcnow())
    assert application.status == "under_review"
    assert _actions(db_session, application) == ["create", "submit", "review"]
    last = db_session.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id,
                                                            ApplicationEvent.action == "review"))
    assert last.actor_id == staff.id and last.actor_label == "審査 花子" and last.status_after == "under_review"
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "application.review")) is not None
    with pytest.raises(InvalidTransition):
        review.start_review(db_session, staff, application, utcnow())


def test_save_checks_of_the_whole_page(db_session, staff, under_review):
    _, application = under_review
    changed = checks.save_checks(db_session, staff, application, {
        "company": (True, "  "), "attachments": (False, "納税証明書が古いものです。"), "works": (False, "")}, utcnow())
    assert changed == ["会社情報", "添付書類"]  # an untouched section gets no row
    row = next(c for c in application.checks if c.section == "company")
    assert row.ok and row.note is None and row.checked_by_id == staff.id
    checks.save_checks(db_session, staff, application, {"company": (False, "代表者名を確認")}, utcnow())
    assert [(c.section, c.ok, c.note) for c in application.checks] == [
        ("attachments", False, "納税証明書が古いものです。"), ("company", False, "代表者名を確認")]
    assert next(c for c in application.checks if c.section == "company").id == row.id  # one row per section
    assert checks.section_notes(application) == {"company": "代表者名を確認", "attachments": "納税証明書が古いものです。"}
    # All or nothing: one bad note refuses the page, the message on that section's note field.
    with pytest.raises(ValidationFailed) as info:
        checks.save_checks(db_session, staff, application, {"permits": (True, None), "company": (True, "指摘")},
                           utcnow())
    assert list(info.value.errors) == ["company_note"]
    with pytest.raises(ValidationFailed) as info:
        checks.save_checks(db_session, staff, application, {"change": (True, None)}, utcnow())
    assert "section" in info.value.errors  # no 変更の内容 in a 新規申請
    with pytest.raises(ValidationFailed) as info:
        checks.save_checks(db_session, staff, application, {"works": (False, "x" * (checks.COMMENT_MAX + 1))},
                           utcnow())
    assert list(info.value.errors) == ["works_note"]
    assert db_session.scalar(select(func.count()).select_from(ApplicationCheck)) == 2


def test_save_check_needs_the_review_started(db_session, staff, submitted):
    _, application = submitted
    with pytest.raises(InvalidTransition):
        checks.save_checks(db_session, staff, application, {"company": (True, None)}, utcnow())
    assert application.checks == []


def test_return_with_comment_and_resubmit(db_session, staff, under_review):
    account, application = under_review
    checks.save_checks(db_session, staff, application, {"company": (True, None)}, utcnow())
    checks.save_checks(db_session, staff, application, {"technicians": (False, "資格者証の写しを添付してください。")}, utcnow())
    mail = review.return_application(db_session, staff, application, " 次の点を修正してください。 ", utcnow())
    assert application.status == "returned" and application.is_editable
    # The general comment and the notes per section are kept apart: the applicant sees each note under its section.
    assert application.decision_comment == "次の点を修正してください。"
    assert application.section_notes == {"technicians": "資格者証の写しを添付してください。"}
    assert application.decided_by_id == staff.id and application.decided_at is not None
    assert {c.section for c in application.checks} == {"company", "technicians"}  # kept over the return
    event = db_session.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id,
                                                             ApplicationEvent.action == "return"))
    assert event.comment == "次の点を修正してください。\n【技術者】資格者証の写しを添付してください。"
    assert event.status_after == "returned"
    assert isinstance(mail, Mail) and mail.to == "yamaguchi@example.co.jp"
    assert application.reference in mail.subject and "差し戻しました" in mail.subject
    assert "【技術者】資格者証の写しを添付してください。" in mail.body
    # The applicant corrects and resubmits: revision 2.
    services.save_row(db_session, account, application, "technicians", technician_row(name="佐藤 次郎"))
    resubmitted = services.submit(db_session, account, application, utcnow())
    assert (application.status, application.revision) == ("submitted", 2)
    assert "再提出" in resubmitted.body
    assert _actions(db_session, application) == ["create", "submit", "review", "return", "resubmit"]
    revisions = db_session.scalars(select(ApplicationEvent.revision).where(
        ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id)).all()
    assert revisions == [0, 1, 1, 1, 2]
    # Only the changed section lost its check; staff see what changed in it since revision 1.
    assert [(c.section, c.ok) for c in application.checks] == [("company", True)]
    assert checks.changed_sections(application) == {"technicians"}
    assert checks.section_changes(db_session, application) == {"technicians": ["追加: 佐藤 次郎"]}
    review.start_review(db_session, staff, application, utcnow())
    assert application.status == "under_review"


def test_return_needs_a_comment_or_notes(db_session, staff, under_review):
    _, application = under_review
    with pytest.raises(ValidationFailed) as info:
        review.return_application(db_session, staff, application, "  ", utcnow())
    assert "comment" in info.value.errors
    assert application.status == "under_review"
    with pytest.raises(ValidationFailed):
        review.return_application(db_session, staff, application, "x" * (review.COMMENT_MAX + 1), utcnow())
    checks.save_checks(db_session, staff, application, {"works": (False, "実績の完成日を確認してください。")}, utcnow())
    review.return_application(db_session, staff, application, None, utcnow())
    assert application.decision_comment is None
    assert application.section_notes == {"works": "実績の完成日を確認してください。"}


def test_submitted_application_can_be_returned_without_review(db_session, staff, submitted):
    _, application = submitted
    review.return_application(db_session, staff, application, "添付書類が読めません。", utcnow())
    assert application.status == "returned"


def test_reject_requires_comment(db_session, app, staff, under_review):
    account, application = under_review
    with pytest.raises(ValidationFailed) as info:
        review.reject_application(db_session, staff, application, " ", utcnow())
    assert "comment" in info.value.errors and application.status == "under_review"
    with pytest.raises(ValidationFailed):
        review.reject_application(db_session, staff, application, "x" * (review.COMMENT_MAX + 1), utcnow())
    mail = review.reject_application(db_session, staff, application, "市税の滞納があります。", utcnow())
    assert application.status == "rejected" and application.decision_comment == "市税の滞納があります。"
    assert "受理できませんでした" in mail.subject and "市税の滞納があります。" in mail.body
    assert _actions(db_session, application)[-1] == "reject"
    assert not application.is_editable
    # A rejected application is closed: the firm may start a new one.
    again = services.start_application(db_session, account, "new", utcnow())
    assert again.id != application.id and again.status == "draft"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DEPARTMENT_STAFF, Role.INSPECTOR])
def test_staff_without_registry_rights_are_refused(db_session, create_user, staff, submitted, role):
    _, application = submitted
    user = create_user(role)
    with pytest.raises(PermissionDenied):
        review.start_review(db_session, user, application, utcnow())
    review.start_review(db_session, staff, application, utcnow())
    for call in (
        lambda: checks.save_checks(db_session, user, application, {"company": (True, None)}, utcnow()),
        lambda: review.return_application(db_session, user, application, "戻します", utcnow()),
        lambda: review.reject_application(db_session, user, application, "不受理", utcnow()),
        lambda: review.accept_application(db_session, user, application, None, utcnow()),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert application.status == "under_review" and application.checks == []
    assert not review.can_review_applications(user) and review.can_review_applications(staff)


def test_applicant_and_inactive_staff_are_refused(db_session, create_user, submitted):
    account, application = submitted
    with pytest.raises(PermissionDenied):
        review.start_review(db_session, account.user, application, utcnow())
    inactive = create_user(Role.CONTRACT_STAFF)
    inactive.is_active = False
    with pytest.raises(PermissionDenied):
        review.start_review(db_session, inactive, application, utcnow())
    with pytest.raises(PermissionDenied):
        review.start_review(db_session, None, application, utcnow())
    assert application.status == "submitted"


def test_wrong_state_transitions(db_session, app, staff, submitted):
    account, application = submitted
    with pytest.raises(InvalidTransition):
        review.accept_application(db_session, staff, application, None, utcnow())  # not under review yet
    draft_account = make_account(db_session, app)
    draft = services.start_application(db_session, draft_account, "new", utcnow())
    for call in (
        lambda: review.start_review(db_session, staff, draft, utcnow()),
        lambda: review.return_application(db_session, staff, draft, "x", utcnow()),
        lambda: review.reject_application(db_session, staff, draft, "x", utcnow()),
        lambda: review.accept_application(db_session, staff, draft, None, utcnow()),
        lambda: checks.save_checks(db_session, staff, draft, {"company": (True, None)}, utcnow()),
    ):
        with pytest.raises(InvalidTransition):
            call()
    assert draft.status == "draft"
    review.start_review(db_session, staff, application, utcnow())
    review.accept_application(db_session, staff, application, None, utcnow())
    for call in (
        lambda: review.start_review(db_session, staff, application, utcnow()),
        lambda: review.return_application(db_session, staff, application, "x", utcnow()),
        lambda: review.reject_application(db_session, staff, application, "x", utcnow()),
        lambda: review.accept_application(db_session, staff, application, None, utcnow()),
    ):
        with pytest.raises(InvalidTransition):
            call()
    assert application.status == "accepted"
    assert _actions(db_session, application).count("accept") == 1


# --- comparison and acceptance ----------------------------------------------------------------------------------


def test_registry_diff_for_a_new_firm(db_session, under_review):
    _, application = under_review
    diff = review.registry_diff(db_session, application)
    assert diff.contractor is None and "新しく登録します" in diff.match
    company_lines = {line.label: line for line in diff.company}
    assert company_lines["商号又は名称"].current == "—" and company_lines["商号又は名称"].applied == "株式会社山口土木"
    assert company_lines["法人・個人の別"].applied == "法人"
    assert len(diff.company) == 16  # every field is shown for a new firm
    assert [(line.current, line.applied) for line in diff.registrations] == [
        ("—", "010 土木一式工事"), ("—", "020 建築一式工事")]
    assert diff.registrations[0].label.startswith("建設工事 ")
    assert [line.label for line in diff.permits] == ["010 土木一式工事", "020 建築一式工事"]
    assert all(line.current == "—" and "山口県知事許可（般-5）第12345号" in line.applied for line in diff.permits)
    assert all("P=1169" in line.applied for line in diff.keishin)
    assert [(line.label, line.current) for line in diff.technicians] == [("山田 太郎", "—")]
    assert [label for label, _ in diff.sections] == ["会社情報", "資格・業種", "建設業許可", "経営事項審査", "技術者"]
    assert diff.change_count > 16


def test_accept_creates_the_firm_with_its_qualification(db_session, staff, under_review):
    account, application = under_review
    before = _contractor_count(db_session)
    contractor, mail = review.accept_application(db_session, staff, application, " 登録しました。 ", utcnow())
    assert _contractor_count(db_session) == before + 1
    assert contractor.name == "株式会社山口土木" and contractor.number
    assert contractor.corporate_number == application.data["company"]["corporate_number"]
    assert contractor.status == "active" and contractor.address == "山口県山口市中央1-1-1"
    assert contractor.postal_code == "753-0001" and contractor.email == "yamaguchi@example.co.jp"
    # Registration for the period applied for, with the 業種.
    start, end = qualification_period(db_session, current_period_year(db_session))
    [registration] = contractor.registrations
    assert (registration.category, registration.period_start, registration.period_end) == ("construction", start, end)
    assert [w.work_type_code for w in registration.work_types] == ["010", "020"]
    assert all(w.objective_points == 1169 for w in registration.work_types)  # from the 経審
    # Permits, 経審, technicians.
    assert sorted((p.work_type_code, p.authority, p.prefecture, p.grade, p.permit_year, p.permit_number)
                  for p in contractor.permits) == [("010", "governor", "山口県", "general", 5, 12345),
                                                   ("020", "governor", "山口県", "general", 5, 12345)]
    assert all(p.granted_on == date.fromisoformat(permit_row()["granted_on"]) for p in contractor.permits)
    assert sorted((k.work_type_code, k.p_entered, k.p_computed, k.w) for k in contractor.keishin) == [
        ("010", 1169, 1169, KEISHIN_FIGURES["w"]), ("020", 1169, 1169, KEISHIN_FIGURES["w"])]
    assert [(t.name, t.qualifications, t.employed_since) for t in contractor.technicians] == [
        ("山田 太郎", "1級土木施工管理技士・監理技術者", date(2010, 4, 1))]
    # The application and the account.
    assert application.status == "accepted" and application.contractor_number == contractor.number
    assert application.decision_comment == "登録しました。" and application.decided_by_id == staff.id
    assert account.contractor_number == contractor.number
    assert _actions(db_session, application)[-1] == "accept"
    # Mail with the 業者番号.
    assert mail.to == "yamaguchi@example.co.jp" and contractor.number in mail.body and "登録しました。" in mail.body
    # History and audit.
    history = history_of(db_session, "contractors", contractor.id)
    assert [h.operation for h in history] == ["contractor.create"] and history[0].user_id == staff.id
    assert history_of(db_session, "construction_permits", contractor.permits[0].id)
    assert history_of(db_session, "technicians", contractor.technicians[0].id)
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "application.accept"))
    assert entry is not None and contractor.number in entry.summary and entry.user_id == staff.id


def test_a_p_mismatch_blocks_saving_and_submission_with_the_field_named(app, db_session, staff):
    account = make_account(db_session, app)
    application = services.start_application(db_session, account, "new", utcnow())
    fill_complete(db_session, account, application, app.config["STORAGE_DIR"])
    with pytest.raises(ValidationFailed) as info:
        services.save_row(db_session, account, application, "keishin", keishin_row(p="1170"), index=0)
    assert list(info.value.errors) == ["p"] and "1169" in info.value.errors["p"][0]
    assert application.data["keishin"][0]["p"] == 1169  # nothing changed
    # A row stored before the rule (or brought in a bundle) still blocks the submission, naming the row and P.
    rows = [dict(application.data["keishin"][0], p=1170)]
    application.data = dict(application.data, keishin=rows)
    with pytest.raises(ValidationFailed) as info:
        services.submit(db_session, account, application, utcnow())
    assert info.value.errors == {"keishin": ["1 行目: P（総合評定値）1170 は X1〜W から計算した値 1169 と一致しません。"
                                             "通知書の値を確認して入力し直してください。"]}
    assert application.status == "draft"


def test_new_application_matching_an_active_firm_updates_it(db_session, staff, create_contractor, under_review):
    _, application = under_review
    number = application.data["company"]["corporate_number"]
    firm = create_contractor("株式会社山口土木（旧）", corporate_number=number, address="山口県山口市旧町1",
                             work_types={"010": "B"})
    diff = review.registry_diff(db_session, application)
    assert diff.contractor is firm and f"業者番号 {firm.number}" in diff.match
    changed = {line.label for line in diff.company}
    assert {"商号又は名称", "所在地"} <= changed
    assert "法人番号" not in changed and "法人・個人の別" not in changed  # unchanged lines are left out
    before = _contractor_count(db_session)
    contractor, _ = review.accept_application(db_session, staff, application, None, utcnow())
    assert contractor.id == firm.id and _contractor_count(db_session) == before
    assert firm.name == "株式会社山口土木" and firm.address == "山口県山口市中央1-1-1"
    assert application.contractor_number == firm.number
    operations = [h.operation for h in history_of(db_session, "contractors", firm.id)]
    assert operations == ["contractor.update"]
    start, _ = qualification_period(db_session, current_period_year(db_session))
    registration = next(r for r in firm.registrations if r.period_start == start)
    assert {w.work_type_code for w in registration.work_types} == {"010", "020"}
    assert len({(r.category, r.period_start) for r in firm.registrations}) == len(firm.registrations)


def test_lapsed_firm_with_the_same_corporate_number_is_not_matched(db_session, staff, create_contractor,
                                                                     under_review):
    _, application = under_review
    lapsed = create_contractor(corporate_number=application.data["company"]["corporate_number"], status="lapsed")
    assert review.registry_diff(db_session, application).contractor is None
    contractor, _ = review.accept_application(db_session, staff, application, None, utcnow())
    assert contractor.id != lapsed.id and lapsed.status == "lapsed"


def test_change_notice_acceptance_updates_the_firm(db_session, staff, under_review):
    account, application = under_review
    contractor, _ = review.accept_application(db_session, staff, application, None, utcnow())
    permits_before = {p.id for p in contractor.permits}
    change = services.start_application(db_session, account, "change", utcnow())
    new_company = dict(change.data["company"], address="山口県山口市亀山町2-1", postal_code="753-8650")
    services.save_company(db_session, account, change, new_company)
    services.save_change_note(db_session, account, change, "本店を移転しました。")
    services.submit(db_session, account, change, utcnow())
    review.start_review(db_session, staff, change, utcnow())
    diff = review.registry_diff(db_session, change)
    assert diff.contractor.id == contractor.id and contractor.number in diff.match
    assert [(line.label, line.current, line.applied) for line in diff.company] == [
        ("郵便番号", "753-0001", "753-8650"), ("所在地", "山口県山口市中央1-1-1", "山口県山口市亀山町2-1")]
    assert diff.registrations == []  # a 変更届 does not touch the qualification
    assert not any(line.changed for line in diff.permits + diff.keishin + diff.technicians)
    before = _contractor_count(db_session)
    updated, mail = review.accept_application(db_session, staff, change, None, utcnow())
    assert updated.id == contractor.id and _contractor_count(db_session) == before
    assert contractor.address == "山口県山口市亀山町2-1" and contractor.postal_code == "753-8650"
    assert {p.id for p in contractor.permits} == permits_before
    # Unchanged permits, 経審 and technicians are not rewritten.
    for permit in contractor.permits:
        assert [h.operation for h in history_of(db_session, "construction_permits", permit.id)] == [
            "registry.permit.save"]
    assert len(contractor.keishin) == 2 and len(contractor.technicians) == 1
    assert len(history_of(db_session, "technicians", contractor.technicians[0].id)) == 1
    assert len(contractor.registrations) == 1
    last = history_of(db_session, "contractors", contractor.id)[-1]
    assert last.operation == "contractor.update" and set(last.change_map) >= {"address", "postal_code"}
    assert change.status == "accepted" and "変更届" in mail.body


def test_change_notice_for_a_firm_missing_from_the_registry(db_session, staff, under_review):
    account, application = under_review
    review.accept_application(db_session, staff, application, None, utcnow())
    change = services.start_application(db_session, account, "change", utcnow())
    services.save_change_note(db_session, account, change, "代表者の変更")
    services.submit(db_session, account, change, utcnow())
    review.start_review(db_session, staff, change, utcnow())
    change.contractor_number = "NO-SUCH"
    assert review.registry_diff(db_session, change).contractor is None
    with pytest.raises(ValidationFailed) as info:
        review.accept_application(db_session, staff, change, None, utcnow())
    assert "NO-SUCH" in info.value.errors[""][0]
    assert change.status == "under_review"


def test_change_notice_lists_technicians_as_they_are_now(db_session, staff, under_review):
    """A technician left out of a 変更届 has left the firm: kept in the registry, but inactive; a new one is added."""
    account, application = under_review
    contractor, _ = review.accept_application(db_session, staff, application, None, utcnow())
    leaving = contractor.technicians[0]
    change = services.start_application(db_session, account, "change", utcnow())
    services.remove_row(db_session, account, change, "technicians", 0)
    services.save_row(db_session, account, change, "technicians", technician_row(name="佐藤 花子", name_kana="サトウ ハナコ"))
    services.save_change_note(db_session, account, change, "技術者の退職と採用")
    services.submit(db_session, account, change, utcnow())
    review.start_review(db_session, staff, change, utcnow())
    lines = {line.label: line for line in review.registry_diff(db_session, change).technicians}
    assert lines[leaving.name].applied == "（在籍しなくなった）" and lines["佐藤 花子"].current == "—"
    review.accept_application(db_session, staff, change, None, utcnow())
    db_session.refresh(contractor)
    assert leaving.is_active is False
    assert {t.name for t in contractor.technicians if t.is_active} == {"佐藤 花子"}
    assert history_of(db_session, "technicians", leaving.id)[-1].operation == "registry.technician.deactivate"
