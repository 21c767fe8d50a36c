"""Contracts (SPEC CM5, CM14): the contract made from an award, its change contracts (before/after) and the
請求・支払 of 前払金, 部分払 and 完成払 with their deadlines.

Revision ID: 6a1f8c3e5b92
Revises: 2d7c9e4f1a63
Create Date: 2026-12-06 19:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '6a1f8c3e5b92'
down_revision = '2d7c9e4f1a63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('contract_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('tax_amount', sa.BigInteger(), nullable=False),
    sa.Column('work_from', sa.Date(), nullable=False),
    sa.Column('work_to', sa.Date(), nullable=False),
    sa.Column('guarantee_method', sa.String(length=12), nullable=False),
    sa.Column('guarantee_amount', sa.BigInteger(), nullable=True),
    sa.Column('guarantee_exempt_reason', sa.String(length=500), nullable=True),
    sa.Column('advance_amount', sa.BigInteger(), nullable=True),
    sa.Column('intermediate_allowed', sa.Boolean(), nullable=False),
    sa.Column('advance_guarantee', sa.String(length=200), nullable=True),
    sa.Column('partial_payments', sa.Integer(), nullable=False),
    sa.Column('document_kind', sa.String(length=12), nullable=False),
    sa.Column('special_terms', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('completion_reported_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('approval', sa.String(length=10), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("approval IN ('drafting', 'approved')", name=op.f('ck_contracts_approval_known')),
    sa.CheckConstraint("document_kind IN ('contract', 'acceptance')", name=op.f('ck_contracts_document_kind_known')),
    sa.CheckConstraint("guarantee_method <> 'exempt' OR guarantee_exempt_reason IS NOT NULL", name=op.f('ck_contracts_exemption_has_reason')),
    sa.CheckConstraint("guarantee_method IN ('cash', 'securities', 'bond', 'insurance', 'exempt')", name=op.f('ck_contracts_guarantee_method_known')),
    sa.CheckConstraint("state IN ('active', 'completed', 'cancelled')", name=op.f('ck_contracts_state_known')),
    sa.CheckConstraint('amount > 0 AND tax_amount >= 0 AND tax_amount < amount', name=op.f('ck_contracts_amounts_sane')),
    sa.CheckConstraint('work_to >= work_from', name=op.f('ck_contracts_work_period_ordered')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_contracts_approved_by_id_users')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_contracts_award_id_awards')),
    sa.ForeignKeyConstraint(['case_id'], ['tender_cases.id'], name=op.f('fk_contracts_case_id_tender_cases')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_contracts_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('case_id', name=op.f('uq_contracts_case_id')),
    sa.UniqueConstraint('number', name=op.f('uq_contracts_number'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_contract_date'), ['contract_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('contract_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('amount_before', sa.BigInteger(), nullable=False),
    sa.Column('amount_after', sa.BigInteger(), nullable=False),
    sa.Column('tax_after', sa.BigInteger(), nullable=False),
    sa.Column('work_to_before', sa.Date(), nullable=False),
    sa.Column('work_to_after', sa.Date(), nullable=False),
    sa.Column('guideline_reason', sa.String(length=1000), nullable=True),
    sa.Column('approval', sa.String(length=10), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("approval IN ('drafting', 'approved')", name=op.f('ck_contract_changes_approval_known')),
    sa.CheckConstraint('amount_after > 0', name=op.f('ck_contract_changes_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_changes_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_changes')),
    sa.UniqueConstraint('contract_id', 'seq', name=op.f('uq_contract_changes_contract_id_seq'))
    )
    op.create_table('contract_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('claimed_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('advance', 'intermediate', 'partial', 'final')", name=op.f('ck_contract_payments_kind_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_contract_payments_amount_positive')),
    sa.CheckConstraint('paid_on IS NULL OR paid_on >= claimed_on', name=op.f('ck_contract_payments_paid_after_claim')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_payments_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_payments'))
    )
    with op.batch_alter_table('contract_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_payments_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_payments_due_on'), ['due_on'], unique=False)



def downgrade():
    with op.batch_alter_table('contract_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_payments_due_on'))
        batch_op.drop_index(batch_op.f('ix_contract_payments_contract_id'))

    op.drop_table('contract_payments')
    op.drop_table('contract_changes')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_contractor_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_contract_date'))

    op.drop_table('contracts')
