"""Add record history, import profiles and import batches

Revision ID: 5b7c1d2e3f40
Revises: 2e24c1b7594a
Create Date: 2026-11-20 23:10:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "5b7c1d2e3f40"
down_revision = "2e24c1b7594a"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
