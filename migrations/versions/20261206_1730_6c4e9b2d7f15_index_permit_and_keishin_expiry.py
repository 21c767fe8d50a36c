"""Index the expiry of 建設業許可 and 経審: the home page counts those expiring soon on every visit, and the
contractor list filters on them.

Revision ID: 6c4e9b2d7f15
Revises: a4c8e1f2b7d5
Create Date: 2026-12-06 17:00:00
"""

from alembic import op


revision = '6c4e9b2d7f15'
down_revision = 'a4c8e1f2b7d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_construction_permits_expires_on', 'construction_permits', ['expires_on', 'contractor_id'],
                    unique=False)
    op.create_index('ix_keishin_scores_valid_until', 'keishin_scores', ['valid_until'], unique=False)


def downgrade():
    op.drop_index('ix_keishin_scores_valid_until', table_name='keishin_scores')
    op.drop_index('ix_construction_permits_expires_on', table_name='construction_permits')
