"""Add number sequences: one counter row per numbering key and scope (fiscal year, category), taken under a
row lock so two app servers never hand out the same 業者番号・案件番号・契約番号

Revision ID: 1e606c97ca71
Revises: 821b893e38d7
Create Date: 2026-11-21 03:00:00

Existing numbers are not copied into counters: the first number of a scope is seeded by the caller from
the numbers already stored (``next_number(..., floor=...)``).
"""

import sqlalchemy as sa
from alembic import op


revision = '1e606c97ca71'
down_revision = '821b893e38d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('number_sequences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('last_value >= 0', name=op.f('ck_number_sequences_last_value_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_sequences')),
    sa.UniqueConstraint('key', 'scope', name=op.f('uq_number_sequences_key_scope'))
    )


def downgrade():
    op.drop_table('number_sequences')
