"""予算の充当 (SPEC CM7): the amount a tender case charges to each budget line, so a line shows what its cases
commit before the finance system's next export.

Revision ID: 5e8a2c7d4b19
Revises: b1a22ed0bf84
Create Date: 2026-12-06 19:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = '5e8a2c7d4b19'
down_revision = 'b1a22ed0bf84'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_budget_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_case_budget_charges_amount_positive')),
    sa.ForeignKeyConstraint(['budget_line_id'], ['budget_lines.id'], name=op.f('fk_case_budget_charges_budget_line_id_budget_lines')),
    sa.ForeignKeyConstraint(['case_id'], ['tender_cases.id'], name=op.f('fk_case_budget_charges_case_id_tender_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_budget_charges')),
    sa.UniqueConstraint('case_id', 'budget_line_id', name=op.f('uq_case_budget_charges_case_id_budget_line_id'))
    )
    with op.batch_alter_table('case_budget_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_budget_charges_budget_line_id'), ['budget_line_id'], unique=False)



def downgrade():
    with op.batch_alter_table('case_budget_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_budget_charges_budget_line_id'))

    op.drop_table('case_budget_charges')
