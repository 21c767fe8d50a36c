"""Widen suspensions.cause_code to 40 characters: the built-in causes include codes such as
accident_public_death (21 characters), which PostgreSQL refused in a column of 20.

Revision ID: 5b7e2c41d9a3
Revises: 3f1c2a9d7e60
Create Date: 2026-12-06 16:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '5b7e2c41d9a3'
down_revision = '3f1c2a9d7e60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.alter_column('cause_code', existing_type=sa.String(length=20), type_=sa.String(length=40),
                              existing_nullable=False)


def downgrade():
    # Refused by PostgreSQL while a stored code is longer than 20 characters: nothing is cut silently.
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.alter_column('cause_code', existing_type=sa.String(length=40), type_=sa.String(length=20),
                              existing_nullable=False)
