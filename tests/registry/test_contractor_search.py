"""The contractor list's indexed filters (業種/等級, name search): same results as the plain predicates, on
both engines, and the plans use the indexes of migration 3f1c2a9d7e60."""

from datetime import date

import pytest
from sqlalchemy import func, or_, select, text

from core.jp import normalize_code, search_key
from registry.contractors import queries
from registry.contractors.models import Contractor
from registry.contractors.services import update_contractor

NAMES = [
    ("株式会社山田建設", "ヤマダケンセツ", "10001"),
    ("有限会社 中村工業", "ナカムラコウギョウ", "10002"),
    ("山田組", None, "K-0101"),
    ("(株)防府テクノ", "ホウフテクノ", "k-0102"),
    ("ＡＢＣ設備", "エービーシーセツビ", "20001"),
    ("100%電気", None, "20002"),
    ('"引用"工務店', None, "20003"),
    ("牟礼_開発", "ムレカイハツ", "A_001"),
]
QUERIES = ["山", "山田", "山田建", "やまだけん", "ﾔﾏﾀﾞ", "ケンセツ", "中村 工業", "株", "(株)防府", "防府テ", "abc", "ＡＢＣ設",
           "100%", "%", "_", '"引用"', "引用", "10", "1000", "10001", "k-01", "K-010", "k-0102", "a_0", "a_00", "ｴｰﾋﾞｰ",
           "存在しない名前", "ー"]


def _plain(session, q: str) -> set[int]:
    """The name search without any index: LIKE on every firm (what the list did before the indexes)."""
    key, code = search_key(q), normalize_code(q)
    return set(session.scalars(select(Contractor.id).where(or_(
        Contractor.search_key.contains(key, autoescape=True),
        Contractor.number.startswith(code, autoescape=True) if code else False))))


def _ids(session, **filters) -> set[int]:
    return {c.id for c in session.scalars(queries.search_contractors(eager=False, **filters))}


@pytest.fixture
def firms(create_contractor):
    made = []
    for name, kana, number in NAMES:
        firm = create_contractor(name, number=number, name_kana=kana)
        firm.search_key = search_key(name + (kana or ""))
        made.append(firm)
    return made


def test_name_search_finds_what_the_plain_like_finds(db_session, firms):
    db_session.flush()
    ours = {f.id for f in firms}
    for q in QUERIES:
        assert _ids(db_session, q=q) & ours == _plain(db_session, q) & ours, q
    assert _ids(db_session, q="山田") & ours == {firms[0].id, firms[2].id}
    assert _ids(db_session, q="やまだけん") & ours == {firms[0].id}
    assert _ids(db_session, q="ＡＢＣ設") & ours == {firms[4].id}
    assert _ids(db_session, q="100%") & ours == {firms[5].id}


def test_name_search_is_anded_with_the_other_filters(db_session, create_contractor):
    active = create_contractor("周南ハイテク建設", number="30001")
    lapsed = create_contractor("周南ハイテク工業", number="30002", status="lapsed")
    city = create_contractor("周南電設", number="30003", area="near")
    assert _ids(db_session, q="周南ハイ", status="active") & {active.id, lapsed.id} == {active.id}
    assert _ids(db_session, q="3000", status="lapsed") & {active.id, lapsed.id, city.id} == {lapsed.id}
    assert _ids(db_session, q="周南", area="city") & {active.id, lapsed.id, city.id} == {active.id, lapsed.id}
    stmt = queries.search_contractors(q="周南ハイ", status="active", eager=False)
    assert db_session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) == 1


def test_the_index_follows_inserts_updates_and_a_rollback(db_session, create_contractor):
    firm = create_contractor("旧商号テスト建設", number="40001")
    assert firm.id in _ids(db_session, q="旧商号テ")
    update_contractor(db_session, None, firm, name="新商号テスト建設")
    db_session.flush()
    assert firm.id not in _ids(db_session, q="旧商号テ") and firm.id in _ids(db_session, q="新商号テ")
    nested = db_session.begin_nested()
    other = create_contractor("取消予定工務店", number="40002")
    assert other.id in _ids(db_session, q="取消予定")
    nested.rollback()
    assert _ids(db_session, q="取消予定") == set()
    if db_session.get_bind().dialect.name == "sqlite":
        stale = db_session.execute(text(
            "SELECT count(*) FROM contractors c LEFT JOIN contractor_search s ON s.rowid = c.id "
            "WHERE s.search_key IS NOT c.search_key")).scalar_one()
        extra = db_session.execute(text(
            "SELECT count(*) FROM contractor_search WHERE rowid NOT IN (SELECT id FROM contractors)")).scalar_one()
        assert (stale, extra) == (0, 0)


def test_sqlite_search_triggers_exist(db_session):
    """A batch migration that rebuilds ``contractors`` on SQLite drops its triggers: it must make them again."""
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite keeps the trigram table by triggers; PostgreSQL indexes the column itself")
    names = set(db_session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'contractors'")))
    assert {"contractor_search_insert", "contractor_search_update", "contractor_search_delete"} <= names


def test_work_type_filter_finds_firms_by_one_registration(db_session, create_contractor):
    a = create_contractor("甲建設", work_types={"010": "A", "020": "B"})
    b = create_contractor("乙建設", work_types={"010": "B"})
    c = create_contractor("丙建設", category="consulting", work_types={"510": None})
    every = {a.id, b.id, c.id}
    assert _ids(db_session, work_type_code="010", rank="A") & every == {a.id}
    assert _ids(db_session, work_type_code="020", rank="A") & every == set()
    assert _ids(db_session, rank="B") & every == {a.id, b.id}
    assert _ids(db_session, work_type_code="010", category="consulting") & every == set()
    assert _ids(db_session, work_type_code="010", rank="A", period=date(2026, 4, 1)) & every == {a.id}
    assert _ids(db_session, work_type_code="010", rank="A", period=date(2027, 4, 1)) & every == set()
    assert _ids(db_session, category="consulting", period=date(2026, 4, 1)) & every == {c.id}
    # a firm with two matching registrations is listed and counted once
    a.registrations[0].work_types[0].rank = "B"
    db_session.flush()
    stmt = queries.search_contractors(work_type_code="010", rank="B", eager=False)
    assert db_session.scalar(select(func.count()).select_from(
        stmt.where(Contractor.id.in_(every)).order_by(None).subquery())) == 2


def _plan(session, stmt) -> str:
    """The engine's plan of ``stmt``; on PostgreSQL with sequential and plain index scans disabled, so that on a
    tiny test table only bitmap scans remain, which need an index that CAN serve the predicate."""
    compiled = stmt.compile(dialect=session.get_bind().dialect)
    params = compiled.params
    if session.get_bind().dialect.name == "sqlite":
        rows = session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + compiled.string, tuple(params[name] for name in compiled.positiontup))
        return "\n".join(row[3] for row in rows)
    switches = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
    for switch in switches:
        session.execute(text(f"SET LOCAL {switch} = off"))
    try:
        rows = session.connection().exec_driver_sql("EXPLAIN " + compiled.string, params)
        return "\n".join(row[0] for row in rows)
    finally:
        for switch in switches:
            session.execute(text(f"SET LOCAL {switch} = on"))


def test_plans_use_the_indexes(db_session, create_contractor):
    create_contractor("計画確認建設", number="50001")
    plan = _plan(db_session, select(Contractor.id).where(queries.registration_filter(work_type_code="010", rank="A")))
    assert "ix_registered_work_types_code_rank_registration" in plan, plan
    plan = _plan(db_session, select(Contractor.id).where(queries.name_matches("計画確認")))
    if db_session.get_bind().dialect.name == "sqlite":
        assert "contractor_search VIRTUAL TABLE" in plan and "SCAN contractors\n" not in plan + "\n", plan
    else:
        assert "ix_contractors_search_key_trgm" in plan and "ix_contractors_number_prefix" in plan, plan
