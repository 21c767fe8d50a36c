"""総合評価 settings of a tender case: the evaluation method (除算方式 / 加算方式, checked) and B, the 加算点 a
bidder can reach at most (the 加算方式 needs it).

Revision ID: 2d7c9e4f1a63
Revises: 8f3b6d1e9a27
Create Date: 2026-12-06 19:35:00
"""

from alembic import op
import sqlalchemy as sa


revision = '2d7c9e4f1a63'
down_revision = '8f3b6d1e9a27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tender_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_method', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('evaluation_max_points', sa.Numeric(precision=9, scale=4), nullable=True))
        batch_op.create_check_constraint(
            'evaluation_method_known', "evaluation_method IS NULL OR evaluation_method IN ('division', 'addition')")



def downgrade():
    with op.batch_alter_table('tender_cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tender_cases_evaluation_method_known'), type_='check')
        batch_op.drop_column('evaluation_max_points')
        batch_op.drop_column('evaluation_method')

