"""Applications keep the notes per section of the latest return and the content of the returned revision

The applicant sees staff's notes under each section; on resubmission the checks of unchanged sections are
kept and staff see what changed since the returned revision.

Revision ID: a4c8e1f2b7d5
Revises: c4a7e9b2d1f3
Create Date: 2026-12-06 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c8e1f2b7d5"
down_revision = "c4a7e9b2d1f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("section_notes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("previous_data", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("previous_data")
        batch.drop_column("section_notes")
