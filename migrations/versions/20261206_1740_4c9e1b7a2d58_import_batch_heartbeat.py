"""Import batches get a heartbeat: the worker running a job stamps it every few seconds, so a status read can
tell a job whose server process died (shown as 中断) from one still writing.

Revision ID: 4c9e1b7a2d58
Revises: 6c4e9b2d7f15
Create Date: 2026-12-06 17:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '4c9e1b7a2d58'
down_revision = '6c4e9b2d7f15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches') as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_batches') as batch_op:
        batch_op.drop_column('heartbeat_at')
