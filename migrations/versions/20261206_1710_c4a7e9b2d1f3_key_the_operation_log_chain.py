"""Key the operation-log chain and take the prune gate out of the database

* ``audit_entries.chain``: 1 = plain SHA-256 (every row written before this upgrade, through the server
  default), 2 = HMAC-SHA256 with KEIYAKU_AUDIT_KEY (every row the app writes from now on). The first keyed
  row of an upgraded database records the switch ("keyed from id N"); its hash covers all older rows.
* ``audit_head.keyed_from``: where that switch row is (NULL until it is written; 1 on an empty log, which
  needs no switch row). Only a hint for the writer: verification does not trust it.
* ``audit_head.prune_allowed`` is dropped: the DELETE trigger no longer reads any flag and refuses always.
  The retention prune (a command) steps around the trigger with DDL in its own transaction instead.

Downgrading restores the old flag and triggers; keyed rows then no longer verify with the old version.

Revision ID: c4a7e9b2d1f3
Revises: a4c9e1d27b58
Create Date: 2026-12-06 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4a7e9b2d1f3"
down_revision = "a4c9e1d27b58"
branch_labels = None
depends_on = None

PG_FUNCTION_REFUSE_ALWAYS = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
PG_FUNCTION_WITH_FLAG = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (SELECT prune_allowed FROM audit_head WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_NO_UPDATE = """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (UPDATE refused)'); END"""
SQLITE_NO_DELETE = """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (DELETE refused)'); END"""
SQLITE_NO_DELETE_WITH_FLAG = """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       WHEN (SELECT prune_allowed FROM audit_head WHERE id = 1) = 0
       BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (DELETE refused)'); END"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.add_column("audit_entries", sa.Column("chain", sa.SmallInteger(), server_default=sa.text("1"), nullable=False))
    if _postgresql():
        op.execute(PG_FUNCTION_REFUSE_ALWAYS)
    else:
        # dropped before audit_head is rebuilt: SQLite checks a trigger's columns when a table is renamed
        op.execute("DROP TRIGGER audit_entries_no_delete")
        op.execute(SQLITE_NO_DELETE)
    op.add_column("audit_head", sa.Column("keyed_from", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_head SET keyed_from = 1 WHERE id = 1 AND seq = 0")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("prune_allowed")


def downgrade():
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("prune_allowed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.drop_column("keyed_from")
    if _postgresql():
        op.execute(PG_FUNCTION_WITH_FLAG)
        op.drop_column("audit_entries", "chain")
        return
    # rebuilding audit_entries on SQLite would lose its triggers: drop them first, create them again after
    op.execute("DROP TRIGGER audit_entries_no_delete")
    op.execute("DROP TRIGGER audit_entries_no_update")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("chain")
    op.execute(SQLITE_NO_UPDATE)
    op.execute(SQLITE_NO_DELETE_WITH_FLAG)
