"""The options chosen for one import (e.g. 「未登録の案件を作成する」 of the e-bid results, SPEC CM8), kept on the
batch so the commit after a dry run runs with the same choices.

Revision ID: c7e2a9d4f183
Revises: 3b8e5d2a7c41
Create Date: 2026-12-06 19:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'c7e2a9d4f183'
down_revision = '3b8e5d2a7c41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('options')
