"""Inspections (SPEC CM6): 完成・中間・既済部分 inspections of a contract by an assigned 検査員 with their result;
a 手直し re-inspection links to the first.

Revision ID: 3b8e5d2a7c41
Revises: 6a1f8c3e5b92
Create Date: 2026-12-06 19:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '3b8e5d2a7c41'
down_revision = '6a1f8c3e5b92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=True),
    sa.Column('inspected_on', sa.Date(), nullable=True),
    sa.Column('result', sa.String(length=6), nullable=True),
    sa.Column('fix_deadline', sa.Date(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('recognised_amount', sa.BigInteger(), nullable=True),
    sa.Column('reinspection_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('final', 'interim', 'partial')", name=op.f('ck_inspections_kind_known')),
    sa.CheckConstraint("result <> 'fix' OR fix_deadline IS NOT NULL", name=op.f('ck_inspections_fix_has_deadline')),
    sa.CheckConstraint("result IS NULL OR result IN ('pass', 'fix', 'fail')", name=op.f('ck_inspections_result_known')),
    sa.CheckConstraint('recognised_amount IS NULL OR recognised_amount >= 0', name=op.f('ck_inspections_recognised_not_negative')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_inspections_contract_id_contracts')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['reinspection_of_id'], ['inspections.id'], name=op.f('fk_inspections_reinspection_of_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_inspector_id'), ['inspector_id'], unique=False)



def downgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_inspector_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_contract_id'))

    op.drop_table('inspections')
