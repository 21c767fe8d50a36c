"""The budget line a change contract's 増減 is charged to (SPEC CM5, CM7), so the line's committed amount follows
the change until the finance system's next export holds it. Nullable: earlier changes and migrated cases have none.

Revision ID: a5d3f8c1e722
Revises: e4b7c2a9d516
Create Date: 2026-12-06 20:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'a5d3f8c1e722'
down_revision = 'e4b7c2a9d516'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_line_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contract_changes_budget_line_id'), ['budget_line_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contract_changes_budget_line_id_budget_lines'), 'budget_lines',
                                    ['budget_line_id'], ['id'])


def downgrade():
    with op.batch_alter_table('contract_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contract_changes_budget_line_id_budget_lines'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contract_changes_budget_line_id'))
        batch_op.drop_column('budget_line_id')
