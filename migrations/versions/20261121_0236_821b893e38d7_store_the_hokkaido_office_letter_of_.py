"""Store the 振興局 letter of Hokkaido permits (北海道知事許可（般-3）石第12345号 kept as printed)

Revision ID: 821b893e38d7
Revises: ccc3421795c4
Create Date: 2026-11-21 02:36:34.341621
"""

import sqlalchemy as sa
from alembic import op


revision = '821b893e38d7'
down_revision = 'ccc3421795c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('construction_permits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office', sa.String(length=4), nullable=True))



def downgrade():
    with op.batch_alter_table('construction_permits', schema=None) as batch_op:
        batch_op.drop_column('office')

