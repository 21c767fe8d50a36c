"""Add versioned rule settings (append-only) and the holiday calendar, seeded with 2026 and 2027

Revision ID: 7d8e9f0a1b2c
Revises: 5b7c1d2e3f40
Create Date: 2026-11-20 23:20:00

The holiday rows are Japan's national holidays under the 国民の祝日に関する法律, incl. 振替休日 (第3条第2項)
and 国民の休日 (第3条第3項). Equinox days per the 暦要項 of the National Astronomical Observatory:
2026 春分 3/20, 秋分 9/23 (官報 2025-02-03; 9/22 is a 国民の休日 between 敬老の日 and 秋分の日);
2027 春分 3/21 (a Sunday, so 3/22 is a 振替休日), 秋分 9/23 (官報 2026-02-02, Cabinet Office list).
Built-in rule versions are not inserted here: they live in code (core/rules/builtin.py).
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "7d8e9f0a1b2c"
down_revision = "5b7c1d2e3f40"
branch_labels = None
depends_on = None

HOLIDAYS = [
    ("2026-01-01", "元日"),
    ("2026-01-12", "成人の日"),
    ("2026-02-11", "建国記念の日"),
    ("2026-02-23", "天皇誕生日"),
    ("2026-03-20", "春分の日"),
    ("2026-04-29", "昭和の日"),
    ("2026-05-03", "憲法記念日"),
    ("2026-05-04", "みどりの日"),
    ("2026-05-05", "こどもの日"),
    ("2026-05-06", "振替休日"),
    ("2026-07-20", "海の日"),
    ("2026-08-11", "山の日"),
    ("2026-09-21", "敬老の日"),
    ("2026-09-22", "国民の休日"),
    ("2026-09-23", "秋分の日"),
    ("2026-10-12", "スポーツの日"),
    ("2026-11-03", "文化の日"),
    ("2026-11-23", "勤労感謝の日"),
    ("2027-01-01", "元日"),
    ("2027-01-11", "成人の日"),
    ("2027-02-11", "建国記念の日"),
    ("2027-02-23", "天皇誕生日"),
    ("2027-03-21", "春分の日"),
    ("2027-03-22", "振替休日"),
    ("2027-04-29", "昭和の日"),
    ("2027-05-03", "憲法記念日"),
    ("2027-05-04", "みどりの日"),
    ("2027-05-05", "こどもの日"),
    ("2027-07-19", "海の日"),
    ("2027-08-11", "山の日"),
    ("2027-09-20", "敬老の日"),
    ("2027-09-23", "秋分の日"),
    ("2027-10-11", "スポーツの日"),
    ("2027-11-03", "文化の日"),
    ("2027-11-23", "勤労感謝の日"),
]

# rule_versions is append-only: a change is a new version, a mistake a correction (higher revision).
PG_TRIGGER_SQL = """
CREATE FUNCTION rule_versions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rule_versions is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rule_versions_no_update BEFORE UPDATE ON rule_versions
    FOR EACH ROW EXECUTE FUNCTION rule_versions_append_only();
CREATE TRIGGER rule_versions_no_delete BEFORE DELETE ON rule_versions
    FOR EACH ROW EXECUTE FUNCTION rule_versions_append_only();
CREATE TRIGGER rule_versions_no_truncate BEFORE TRUNCATE ON rule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION rule_versions_append_only();
"""
SQLITE_TRIGGERS = [
    """CREATE TRIGGER rule_versions_no_update BEFORE UPDATE ON rule_versions
       BEGIN SELECT RAISE(ABORT, 'rule_versions is append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER rule_versions_no_delete BEFORE DELETE ON rule_versions
       BEGIN SELECT RAISE(ABORT, 'rule_versions is append-only (DELETE refused)'); END""",
]


def upgrade():
    op.create_table(
        "rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("login_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_rule_versions_revision_positive")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_rule_versions_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_versions")),
        sa.UniqueConstraint("key", "effective_from", "revision",
                            name=op.f("uq_rule_versions_key_effective_from_revision")),
    )
    holidays = op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("day", name=op.f("uq_holidays_day")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_TRIGGER_SQL)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(holidays, [
        {"day": date.fromisoformat(day), "name": name, "is_active": True, "created_at": now, "updated_at": now}
        for day, name in HOLIDAYS
    ])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER rule_versions_no_truncate ON rule_versions")
        op.execute("DROP TRIGGER rule_versions_no_delete ON rule_versions")
        op.execute("DROP TRIGGER rule_versions_no_update ON rule_versions")
        op.execute("DROP FUNCTION rule_versions_append_only()")
    else:
        op.execute("DROP TRIGGER rule_versions_no_delete")
        op.execute("DROP TRIGGER rule_versions_no_update")
    op.drop_table("holidays")
    op.drop_table("rule_versions")
