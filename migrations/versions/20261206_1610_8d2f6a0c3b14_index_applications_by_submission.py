"""Index applications by submission time: the review list of all states (40,000 rows at the city's scale)
pages in that order without sorting the table.

Revision ID: 8d2f6a0c3b14
Revises: 5b7e2c41d9a3
Create Date: 2026-12-06 16:10:00
"""

from alembic import op


revision = '8d2f6a0c3b14'
down_revision = '5b7e2c41d9a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_applications_submitted_at_id', 'applications', ['submitted_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_applications_submitted_at_id', table_name='applications')
