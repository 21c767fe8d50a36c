"""Add 予算科目 (budget lines) imported from the finance system (SPEC CM7) and each import's effect on a line.

The key (年度・会計・款・項・目・事業・節・細節・所管課) is unique, with '' for a line without 事業 or 細節; 執行残額
must equal 予算現額 − 執行済額.

Revision ID: b1a22ed0bf84
Revises: 9c1e4a7b3d62
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'b1a22ed0bf84'
down_revision = '9c1e4a7b3d62'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('account_code', sa.String(length=20), nullable=False),
    sa.Column('account_name', sa.String(length=100), nullable=True),
    sa.Column('chapter_code', sa.String(length=20), nullable=False),
    sa.Column('chapter_name', sa.String(length=100), nullable=True),
    sa.Column('section_code', sa.String(length=20), nullable=False),
    sa.Column('section_name', sa.String(length=100), nullable=True),
    sa.Column('item_code', sa.String(length=20), nullable=False),
    sa.Column('item_name', sa.String(length=100), nullable=True),
    sa.Column('project_code', sa.String(length=20), nullable=False),
    sa.Column('project_name', sa.String(length=100), nullable=True),
    sa.Column('subitem_code', sa.String(length=20), nullable=False),
    sa.Column('subitem_name', sa.String(length=100), nullable=True),
    sa.Column('detail_code', sa.String(length=20), nullable=False),
    sa.Column('detail_name', sa.String(length=100), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('current_amount', sa.BigInteger(), nullable=False),
    sa.Column('allotted_amount', sa.BigInteger(), nullable=True),
    sa.Column('executed_amount', sa.BigInteger(), nullable=False),
    sa.Column('remaining_amount', sa.BigInteger(), nullable=False),
    sa.Column('absent_since', sa.Date(), nullable=True),
    sa.Column('absent_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('remaining_amount = current_amount - executed_amount', name=op.f('ck_budget_lines_remaining_agrees')),
    sa.ForeignKeyConstraint(['absent_batch_id'], ['import_batches.id'], name=op.f('fk_budget_lines_absent_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_budget_lines_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines')),
    sa.UniqueConstraint('fiscal_year', 'account_code', 'chapter_code', 'section_code', 'item_code', 'project_code', 'subitem_code', 'detail_code', 'department_id', name='uq_budget_lines_key')
    )
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_lines_department_id'), ['department_id'], unique=False)

    op.create_table('budget_line_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('current_amount', sa.BigInteger(), nullable=False),
    sa.Column('allotted_amount', sa.BigInteger(), nullable=True),
    sa.Column('executed_amount', sa.BigInteger(), nullable=False),
    sa.Column('remaining_amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("event IN ('new', 'updated', 'absent')", name=op.f('ck_budget_line_imports_event_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_budget_line_imports_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['line_id'], ['budget_lines.id'], name=op.f('fk_budget_line_imports_line_id_budget_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line_imports'))
    )
    with op.batch_alter_table('budget_line_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_imports_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_budget_line_imports_line_id_batch_id', ['line_id', 'batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('budget_line_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_line_imports_line_id_batch_id')
        batch_op.drop_index(batch_op.f('ix_budget_line_imports_batch_id'))

    op.drop_table('budget_line_imports')
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_lines_department_id'))

    op.drop_table('budget_lines')
