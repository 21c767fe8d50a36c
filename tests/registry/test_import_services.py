"""The bulk import services of the firm, registration, 業種 and permit aggregates (used by the legacy contractor
import, CM12): create, unchanged update (no history), changed update (history with before and after), and the
shared ``BulkWriter`` letting written records go and loading them again by id."""

from datetime import date

import pytest
from sqlalchemy import select

from core.history import BulkWriter, RecordHistory, bulk_changes
from registry.contractors.models import Contractor
from registry.contractors.services import import_contractor
from registry.qualifications.models import Permit, RegisteredWorkType, Registration
from registry.qualifications.permits.services import import_permit
from registry.qualifications.ranks.services import import_registration, import_work_type

NUMBER = "990001"
PERIOD = (date(2025, 4, 1), date(2027, 3, 31))
PERMIT = {"authority": "governor", "prefecture": "山口県", "grade": "general", "permit_year": 5,
          "permit_number": 12345, "office": None}


def _target(**changed) -> dict:
    target = {"name": "株式会社取込建設", "corporate_number": None, "representative_title": "代表取締役",
              "representative_name": "取込 太郎", "postal_code": "747-0001", "address": "山口県防府市寿町1番1号",
              "phone": "0835-20-0001", "area": "city", "area_override_reason": None, "legal_form": "individual"}
    return {**target, **changed}


def _history(session, target_type: str, target_id) -> list[RecordHistory]:
    return list(session.scalars(select(RecordHistory).where(
        RecordHistory.target_type == target_type, RecordHistory.target_id == str(target_id)).order_by(RecordHistory.id)))


def _import_firm(session, target: dict) -> Contractor:
    """One import pass over the firm as the import kind does it: load what is stored, call the services, write."""
    writer = BulkWriter(session, None)
    stored = session.scalar(select(Contractor).where(Contractor.number == NUMBER))
    writer.load(Contractor, {NUMBER: stored} if stored else {})
    with bulk_changes():
        contractor = import_contractor(writer, NUMBER, target)
        writer.write()
    return session.get(Contractor, contractor.id)  # written and let go by the writer: loaded again


@pytest.fixture
def firm(app, db_session):
    return _import_firm(db_session, _target())


def test_create_records_the_firm_and_its_history(db_session, firm):
    assert (firm.number, firm.status, firm.is_jv, firm.area) == (NUMBER, "active", False, "city")
    assert firm.search_key  # kept for the list's search, as the screens' services do
    [created] = _history(db_session, "contractors", firm.id)
    assert (created.operation, created.summary) == ("contractor.create", f"業者を登録（取込）: {NUMBER} 株式会社取込建設")
    assert created.change_map["name"] == [None, "株式会社取込建設"]
    assert created.change_map["phone"] == [None, "0835-20-0001"]


def test_update_with_the_same_values_records_nothing(db_session, firm):
    _import_firm(db_session, _target())
    assert [h.operation for h in _history(db_session, "contractors", firm.id)] == ["contractor.create"]


def test_update_with_changed_values_records_before_and_after(db_session, firm):
    before_key = firm.search_key
    updated = _import_firm(db_session, _target(phone="0835-20-9999", name="株式会社取込工業"))
    assert (updated.id, updated.phone) == (firm.id, "0835-20-9999")
    assert updated.search_key != before_key
    created, changed = _history(db_session, "contractors", firm.id)
    assert (changed.operation, changed.summary) == ("contractor.update", f"業者を変更（取込）: {NUMBER} 株式会社取込工業")
    assert changed.change_map == {"name": ["株式会社取込建設", "株式会社取込工業"], "phone": ["0835-20-0001", "0835-20-9999"]}


def _import_qualification(session, *, rank: str, points: int | None, permit: dict) -> tuple:
    """Registration, 業種 and permit of the firm in one pass, loading what is stored by the writer's keys."""
    writer = BulkWriter(session, None)
    contractor = session.scalar(select(Contractor).where(Contractor.number == NUMBER))
    registration = session.scalar(select(Registration).where(Registration.contractor_id == contractor.id))
    row = session.scalar(select(RegisteredWorkType)) if registration else None
    stored_permit = session.scalar(select(Permit).where(Permit.contractor_id == contractor.id))
    writer.load(Contractor, {NUMBER: contractor})
    writer.load(Registration, {(NUMBER, "construction"): registration} if registration else {})
    writer.load(RegisteredWorkType, {(NUMBER, "construction", "010"): row} if row else {})
    writer.load(Permit, {(NUMBER, "010"): stored_permit} if stored_permit else {})
    with bulk_changes():
        registration = import_registration(writer, contractor, category="construction", period=PERIOD)
        row = import_work_type(writer, registration, number=NUMBER, work_type_code="010", rank=rank,
                               objective_points=points)
        permit = import_permit(writer, contractor, work_type_code="010", fields=permit)
        writer.write()
    # Written records (the 業種 is always queued) were let go: the writer keeps their ids and loads them again.
    key = (NUMBER, "construction", "010")
    assert writer.records[RegisteredWorkType][key] == row.id and row not in session
    assert writer.get(RegisteredWorkType, key).id == row.id
    return registration.id, row.id, permit.id


def test_registration_work_type_and_permit_created_with_history(db_session, firm):
    registration_id, row_id, permit_id = _import_qualification(db_session, rank="A", points=900, permit=PERMIT)
    registration = db_session.get(Registration, registration_id)
    assert (registration.contractor_id, registration.period_start, registration.period_end) == (firm.id, *PERIOD)
    [registered] = _history(db_session, "contractor_registrations", registration_id)
    assert (registered.operation, registered.summary) == ("contractor.import_registration",
                                                          f"資格の登録（取込）: {NUMBER} 建設工事")
    row = db_session.get(RegisteredWorkType, row_id)
    assert (row.registration_id, row.rank, row.objective_points) == (registration_id, "A", 900)
    [added] = _history(db_session, "registered_work_types", row_id)
    assert (added.operation, added.summary) == ("contractor.import_work_type", f"業種の登録（取込）: {NUMBER} 010")
    assert added.change_map["rank"] == [None, "A"]
    permit = db_session.get(Permit, permit_id)
    assert (permit.contractor_id, permit.permit_number, permit.prefecture) == (firm.id, 12345, "山口県")
    [saved] = _history(db_session, "construction_permits", permit_id)
    assert (saved.operation, saved.summary) == ("contractor.import_permit", f"建設業許可（取込）: {NUMBER} 010")


def test_unchanged_qualification_records_nothing_and_a_change_records_before_and_after(db_session, firm):
    first = _import_qualification(db_session, rank="A", points=900, permit=PERMIT)
    count = len(db_session.scalars(select(RecordHistory)).all())
    assert _import_qualification(db_session, rank="A", points=900, permit=PERMIT) == first
    assert len(db_session.scalars(select(RecordHistory)).all()) == count
    assert _import_qualification(db_session, rank="B", points=900, permit={**PERMIT, "permit_number": 54321}) == first
    registration_id, row_id, permit_id = first
    assert len(_history(db_session, "contractor_registrations", registration_id)) == 1  # created once, never re-registered
    assert _history(db_session, "registered_work_types", row_id)[-1].change_map == {"rank": ["A", "B"]}
    assert _history(db_session, "construction_permits", permit_id)[-1].change_map == {"permit_number": [12345, 54321]}
