"""Number sequences (DESIGN "Numbering"): a counter row per key and scope, taken under a row lock."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.db import make_engine
from core.rules.numbering import number_prefix, scope_of, sequence_of
from core.sequences import NumberSequence, current_value, next_number, next_value


def _key() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


# --- pattern helpers -----------------------------------------------------------------------------------


def test_scope_follows_the_fields_the_pattern_uses():
    assert scope_of("{seq:05d}", fiscal_year=2026) == ""
    assert scope_of("{fy}-{seq:04d}", fiscal_year=2026) == "2026"
    assert scope_of("R{era_fy}-{seq:03d}", fiscal_year=2026) == "2026"
    assert scope_of("{era}{seq:05d}", fiscal_year=2026) == "era=R"
    assert scope_of("{fy}{cat}{seq:03d}", fiscal_year=2026, cat="K") == "2026/cat=K"
    assert scope_of("{dept}-{cat}{seq}", fiscal_year=2026, cat="K", dept="D01") == "cat=K/dept=D01"


def test_sequence_of_accepts_only_what_the_pattern_writes():
    assert sequence_of("1{seq:05d}", "100060", fiscal_year=2026) == 60
    assert sequence_of("1{seq:05d}", "200001", fiscal_year=2026) is None
    assert sequence_of("1{seq:05d}", "1000060", fiscal_year=2026) is None  # 6 digits after the 1: not written
    assert sequence_of("1{seq:05d}", "1123456", fiscal_year=2026) == 123456  # past the width, as zfill writes
    assert sequence_of("{fy}-K{seq:04d}", "2026-K0012", fiscal_year=2026) == 12
    assert sequence_of("{fy}-K{seq:04d}", "2025-K0012", fiscal_year=2026) is None
    assert sequence_of("{cat}{seq:05d}", "200056", fiscal_year=2026, cat="2") == 56
    assert sequence_of("{seq:05d}", None, fiscal_year=2026) is None
    assert number_prefix("{fy}-K{seq:04d}", fiscal_year=2026) == "2026-K"
    assert number_prefix("{cat}{seq:05d}", fiscal_year=2026, cat="3") == "3"


# --- next_value (both engines, inside the test's transaction) ------------------------------------------


def test_values_count_up_per_key_and_scope(db_session):
    key = _key()
    assert current_value(db_session, key, "2026") is None
    assert [next_value(db_session, key, "2026") for _ in range(3)] == [1, 2, 3]
    assert next_value(db_session, key, "2027") == 1
    assert next_value(db_session, key + "x", "2026") == 1
    assert current_value(db_session, key, "2026") == 3


def test_floor_starts_above_existing_numbers_and_never_goes_back(db_session):
    key = _key()
    assert next_value(db_session, key, "", floor=60) == 61
    assert next_value(db_session, key, "", floor=10) == 62
    assert next_value(db_session, key, "", floor=100) == 101
    with pytest.raises(ValueError):
        next_value(db_session, key, "", floor=-1)


def test_a_rolled_back_savepoint_gives_its_value_back(db_session):
    key = _key()
    assert next_value(db_session, key, "") == 1
    savepoint = db_session.begin_nested()
    assert next_value(db_session, key, "") == 2
    savepoint.rollback()
    assert next_value(db_session, key, "") == 2
    # The row itself, when created inside the rolled-back savepoint, goes too: the next caller starts at 1.
    other = _key()
    savepoint = db_session.begin_nested()
    assert next_value(db_session, other, "") == 1
    savepoint.rollback()
    assert current_value(db_session, other, "") is None
    assert next_value(db_session, other, "") == 1


# --- next_number ---------------------------------------------------------------------------------------


def test_next_number_formats_and_restarts_each_fiscal_year(db_session):
    key = _key()
    take = lambda day: next_number(db_session, rule_key=key, pattern="{fy}-K{seq:04d}", day=day)  # noqa: E731
    assert take(date(2026, 4, 1)) == "2026-K0001"
    assert take(date(2027, 3, 31)) == "2026-K0002"
    assert take(date(2027, 4, 1)) == "2027-K0001"
    assert current_value(db_session, key, "2026") == 2


def test_next_number_per_category(db_session):
    key = _key()
    day = date(2026, 6, 1)
    assert next_number(db_session, rule_key=key, pattern="{cat}{seq:05d}", day=day, cat="1") == "100001"
    assert next_number(db_session, rule_key=key, pattern="{cat}{seq:05d}", day=day, cat="2") == "200001"
    assert next_number(db_session, rule_key=key, pattern="{cat}{seq:05d}", day=day, cat="1") == "100002"
    with pytest.raises(ValueError, match="category"):
        next_number(db_session, rule_key=key, pattern="{cat}{seq:05d}", day=day)
    with pytest.raises(ValueError, match="invalid numbering pattern"):
        next_number(db_session, rule_key=key, pattern="{fy}-0001", day=day)


def test_next_number_seeds_from_floor_once_and_skips_taken_numbers(db_session):
    key = _key()
    existing = {"100058", "100060", "200056"}
    asked = []

    def floor() -> int:
        asked.append(1)
        return max(s for n in existing if (s := sequence_of("1{seq:05d}", n, fiscal_year=2026)) is not None)

    def take() -> str:
        number = next_number(db_session, rule_key=key, pattern="1{seq:05d}", day=date(2026, 6, 1),
                             taken=existing.__contains__, floor=floor)
        existing.add(number)
        return number

    assert take() == "100061"
    existing.add("100062")  # entered by hand (or migrated later) after the counter was seeded
    assert [take(), take()] == ["100063", "100064"]
    assert len(asked) == 1  # the floor is read only while the scope has no counter


def test_a_changed_pattern_goes_on_from_the_same_counter(db_session):
    key = _key()
    day = date(2026, 6, 1)
    assert next_number(db_session, rule_key=key, pattern="{seq:05d}", day=day, floor=lambda: 41) == "00042"
    assert next_number(db_session, rule_key=key, pattern="K{seq:04d}", day=day, floor=lambda: 7) == "K0043"


def test_one_counter_shared_by_per_category_patterns(db_session):
    """The legacy 業者番号: category digit + one counter for all categories (see the integration notes)."""
    key = _key()
    day = date(2026, 6, 1)
    migrated = ["100003", "200001", "100060", "200056"]
    patterns = {"construction": "1{seq:05d}", "consulting": "2{seq:05d}", "goods": "3{seq:05d}"}

    def floor() -> int:
        return max((s for n in migrated for p in patterns.values()
                    if (s := sequence_of(p, n, fiscal_year=2026)) is not None), default=0)

    numbers = [next_number(db_session, rule_key=key, pattern=patterns[c], day=day, floor=floor)
               for c in ("consulting", "construction", "goods")]
    assert numbers == ["200061", "100062", "300063"]


# --- concurrency (PostgreSQL: two real connections) -----------------------------------------------------


@pytest.fixture
def pg_engine(app, database_url):
    """An engine of its own on the test database: its sessions commit for real, unlike the test fixture's."""
    if app.extensions["keiyaku_db"]["engine"].dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (one database-wide write lock), so there is no concurrent "
                    "increment to race; the row-lock behaviour is PostgreSQL's (set TEST_DATABASE_URL)")
    engine = make_engine(database_url, pool_size=4)
    keys: list[str] = []
    yield engine, keys
    with engine.begin() as conn:
        conn.execute(delete(NumberSequence).where(NumberSequence.key.in_(keys)))
    engine.dispose()


def test_two_threads_take_200_numbers_all_distinct_without_gaps(pg_engine):
    engine, keys = pg_engine
    key, plain_key = _key(), _key()
    keys += [key, plain_key]
    start = threading.Barrier(2)
    taken: list[list] = [[], []]
    errors: list[BaseException] = []

    def worker(slot: int) -> None:
        try:
            start.wait()  # both threads find no row yet: the creation race happens too
            for _ in range(100):
                with Session(engine) as session, session.begin():
                    taken[slot].append(next_number(session, rule_key=key, pattern="{fy}-{seq:04d}",
                                                   day=date(2026, 7, 1), floor=lambda: 60))
                    taken[slot].append(next_value(session, plain_key, ""))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    numbers = [n for n in taken[0] + taken[1] if isinstance(n, str)]
    values = [v for v in taken[0] + taken[1] if isinstance(v, int)]
    assert sorted(numbers) == [f"2026-{s:04d}" for s in range(61, 261)]  # 200 numbers, distinct, no gap
    assert sorted(values) == list(range(1, 201))
    assert all(len([n for n in t if isinstance(n, str)]) == 100 for t in taken)  # each thread got its share
    with Session(engine) as session:
        assert current_value(session, key, "2026") == 260 and current_value(session, plain_key, "") == 200


@pytest.mark.parametrize("row_exists", [True, False], ids=["existing-row", "new-row"])
def test_a_waiting_caller_gets_the_number_a_rolled_back_transaction_gave_back(pg_engine, row_exists):
    engine, keys = pg_engine
    key = _key()
    keys.append(key)
    if row_exists:
        with Session(engine) as session, session.begin():
            assert next_value(session, key, "") == 1
    expected = 2 if row_exists else 1
    first = Session(engine)
    first.begin()
    assert next_value(first, key, "") == expected
    got: list[int] = []

    def second() -> None:
        with Session(engine) as session, session.begin():
            got.append(next_value(session, key, ""))

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and got == []  # waits for the row lock (or the pending insert) of the first
    first.rollback()
    first.close()
    thread.join(10)
    assert got == [expected]  # the number came back: no gap
    with Session(engine) as session:
        assert current_value(session, key, "") == expected


def test_a_waiting_caller_counts_on_after_a_commit(pg_engine):
    engine, keys = pg_engine
    key = _key()
    keys.append(key)
    first = Session(engine)
    first.begin()
    assert next_value(first, key, "") == 1  # creates the row, not yet committed
    got: list[int] = []

    def second() -> None:
        with Session(engine) as session, session.begin():
            got.append(next_value(session, key, ""))

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()
    first.commit()
    first.close()
    thread.join(10)
    assert got == [2]
