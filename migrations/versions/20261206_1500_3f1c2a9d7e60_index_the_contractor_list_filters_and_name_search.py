"""Index the contractor list: 業種/等級 filter driven by its index, name search by trigrams

Revision ID: 3f1c2a9d7e60
Revises: 1e606c97ca71
Create Date: 2026-12-06 15:00:00

- registered_work_types (work_type_code, rank, registration_id) replaces (work_type_code, rank): the list's
  filter reads the registrations of one 業種 and 等級 from the index alone. On PostgreSQL, statistics on the
  pair (rank depends on the 業種): without them the planner overestimates a pair like 010/A about 3 times,
  and at 70,000 firms it scans every registration (and walks the firms by 業者番号 probing each one)
  instead of looking up the few registrations it needs. Also on PostgreSQL, the key of contractor_registrations
  with the columns the filter reads (INCLUDE), so that each registration found is read from the index alone
  (on SQLite the table itself is ordered by id).
- PostgreSQL: registered_work_types (registration_id) INCLUDE (code, points, rank), so that the 業種 of the 50
  firms on a list page (and of a firm's registrations) are read from the index: with the default
  random_page_cost the planner otherwise hashes all 69,000 業種 rows for every page (5-11 ms at 7,000 firms).
- contractors (status, number): the default list (有効, by 業者番号) reads its page in index order instead
  of sorting every active firm.
- Name search (a substring of ``search_key``, see registry/contractors/queries.py):
  PostgreSQL: pg_trgm GIN index on search_key, and a varchar_pattern_ops index on number for the 業者番号
  prefix (so that the OR of both can use indexes). pg_trgm is a trusted extension (PostgreSQL 13+): the
  database owner may create it. The database's LC_CTYPE must be a UTF-8 locale (C.UTF-8, ja_JP.UTF-8, ...):
  under plain "C" Japanese letters make no trigrams, and searches still work but scan.
  SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), a copy of search_key by contractor id,
  kept by triggers. A later batch migration that rebuilds ``contractors`` on SQLite drops these triggers and
  must create them again (tests/registry/test_contractor_search.py checks that they exist).
These objects are engine-specific and unknown to the models; migrations/env.py leaves them out of
``db check``.
"""

import sqlite3
import warnings

import sqlalchemy as sa
from alembic import op

revision = "3f1c2a9d7e60"
down_revision = "1e606c97ca71"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER contractor_search_insert AFTER INSERT ON contractors BEGIN
        INSERT INTO contractor_search (rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    """CREATE TRIGGER contractor_search_update AFTER UPDATE OF id, search_key ON contractors BEGIN
        DELETE FROM contractor_search WHERE rowid = old.id;
        INSERT INTO contractor_search (rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    """CREATE TRIGGER contractor_search_delete AFTER DELETE ON contractors BEGIN
        DELETE FROM contractor_search WHERE rowid = old.id;
    END""",
]


def upgrade():
    op.drop_index("ix_registered_work_types_code_rank", table_name="registered_work_types")
    op.create_index("ix_registered_work_types_code_rank_registration", "registered_work_types",
                    ["work_type_code", "rank", "registration_id"])
    op.create_index("ix_contractors_status_number", "contractors", ["status", "number"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE STATISTICS st_registered_work_types_code_rank (mcv) ON work_type_code, rank "
                   "FROM registered_work_types")
        op.execute("ANALYZE registered_work_types")
        op.execute("CREATE INDEX ix_contractor_registrations_id_filter ON contractor_registrations (id) "
                   "INCLUDE (contractor_id, category, period_start, period_end)")
        op.execute("CREATE INDEX ix_registered_work_types_registration_rows ON registered_work_types (registration_id) "
                   "INCLUDE (work_type_code, objective_points, subjective_points, rank)")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_contractors_search_key_trgm ON contractors USING gin (search_key gin_trgm_ops)")
        op.execute("CREATE INDEX ix_contractors_number_prefix ON contractors (number varchar_pattern_ops)")
        if op.get_bind().execute(sa.text("SELECT show_trgm('山田建設') = '{}'")).scalar():
            warnings.warn(  # alembic's own logger has no handler when the app runs the migration
                "LC_CTYPE of this database is not a UTF-8 locale: Japanese names make no trigrams, so the "
                "contractor name search reads every firm. Create the database with e.g. --locale=C.UTF-8.", stacklevel=1)
        return
    if sqlite3.sqlite_version_info < (3, 34):
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} has no trigram tokenizer for the contractor name "
                           "search: use Python with SQLite 3.34 or later (or PostgreSQL).")
    # A table of its own (not external content): a row can always be deleted by rowid, whatever it holds.
    op.execute("CREATE VIRTUAL TABLE contractor_search USING fts5(search_key, tokenize = 'trigram')")
    op.execute("INSERT INTO contractor_search (rowid, search_key) SELECT id, search_key FROM contractors")
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The pg_trgm extension stays: other objects (or the DBA) may use it.
        op.execute("DROP INDEX ix_contractors_number_prefix")
        op.execute("DROP INDEX ix_contractors_search_key_trgm")
        op.execute("DROP INDEX ix_registered_work_types_registration_rows")
        op.execute("DROP INDEX ix_contractor_registrations_id_filter")
        op.execute("DROP STATISTICS st_registered_work_types_code_rank")
    else:
        for name in ("contractor_search_delete", "contractor_search_update", "contractor_search_insert"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE contractor_search")
    op.drop_index("ix_contractors_status_number", table_name="contractors")
    op.drop_index("ix_registered_work_types_code_rank_registration", table_name="registered_work_types")
    op.create_index("ix_registered_work_types_code_rank", "registered_work_types", ["work_type_code", "rank"])
