"""Cases migrated from the legacy system (SPEC CM12): a flag saying the case came from the legacy export (a
re-import updates only those), and 入札者数 as the legacy system recorded it (its individual bids are not kept).

Only columns are added (ALTER TABLE ADD COLUMN on SQLite too): a CHECK constraint would make SQLite rebuild
tender_cases, which its bids, awards and contracts reference. The service checks 入札者数 ≥ 0.

Revision ID: e4b7c2a9d516
Revises: c7e2a9d4f183
Create Date: 2026-12-06 20:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'e4b7c2a9d516'
down_revision = 'c7e2a9d4f183'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tender_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('migrated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('bidder_count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('tender_cases', schema=None) as batch_op:
        batch_op.drop_column('bidder_count')
        batch_op.drop_column('migrated')
