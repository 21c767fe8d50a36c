"""Tender cases (入札案件, SPEC CM2): one table with the case's fields, its state and its 決裁.

The state, method, category, floor kind and disclosure are checked against their code lists; a floor above
the 予定価格 is refused by the database too.

Revision ID: 7b3d5f9a1c20
Revises: 4c9e1b7a2d58
Create Date: 2026-12-06 18:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '7b3d5f9a1c20'
down_revision = '4c9e1b7a2d58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tender_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('work_type_code', sa.String(length=10), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('design_amount', sa.BigInteger(), nullable=True),
    sa.Column('planned_price', sa.BigInteger(), nullable=True),
    sa.Column('cost_breakdown', sa.JSON(), nullable=True),
    sa.Column('price_category', sa.String(length=40), nullable=True),
    sa.Column('floor_kind', sa.String(length=10), nullable=False),
    sa.Column('floor_price', sa.BigInteger(), nullable=True),
    sa.Column('floor_model', sa.String(length=200), nullable=True),
    sa.Column('disclosure', sa.String(length=10), nullable=False),
    sa.Column('allowed_ranks', sa.String(length=40), nullable=True),
    sa.Column('allowed_areas', sa.String(length=40), nullable=True),
    sa.Column('min_points', sa.Integer(), nullable=True),
    sa.Column('required_qualification', sa.String(length=200), nullable=True),
    sa.Column('drafted_on', sa.Date(), nullable=False),
    sa.Column('notice_on', sa.Date(), nullable=True),
    sa.Column('questions_until', sa.Date(), nullable=True),
    sa.Column('bids_from', sa.Date(), nullable=True),
    sa.Column('bids_until', sa.Date(), nullable=True),
    sa.Column('opening_at', sa.DateTime(), nullable=True),
    sa.Column('work_days', sa.Integer(), nullable=True),
    sa.Column('work_from', sa.Date(), nullable=True),
    sa.Column('work_to', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('approval', sa.String(length=10), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('retender_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("approval = 'drafting' OR approved_at IS NOT NULL", name=op.f('ck_tender_cases_approval_recorded')),
    sa.CheckConstraint("approval IN ('drafting', 'approved')", name=op.f('ck_tender_cases_approval_known')),
    sa.CheckConstraint("category IN ('construction', 'consulting', 'goods')", name=op.f('ck_tender_cases_category_known')),
    sa.CheckConstraint("disclosure IN ('before', 'after')", name=op.f('ck_tender_cases_disclosure_known')),
    sa.CheckConstraint("floor_kind IN ('minimum', 'survey', 'none')", name=op.f('ck_tender_cases_floor_kind_known')),
    sa.CheckConstraint("method IN ('open_restricted', 'open_post_review', 'nominated', 'negotiated', 'value_standard', 'value_simple', 'value_special')", name=op.f('ck_tender_cases_method_known')),
    sa.CheckConstraint("state IN ('draft', 'published', 'nominated', 'closed', 'opened', 'awarded', 'contracted', 'completed', 'failed', 'cancelled')", name=op.f('ck_tender_cases_state_known')),
    sa.CheckConstraint('design_amount IS NULL OR design_amount >= 0', name=op.f('ck_tender_cases_design_amount_not_negative')),
    sa.CheckConstraint('floor_price IS NULL OR planned_price IS NULL OR floor_price <= planned_price', name=op.f('ck_tender_cases_floor_within_planned')),
    sa.CheckConstraint('planned_price IS NULL OR planned_price >= 0', name=op.f('ck_tender_cases_planned_price_not_negative')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_tender_cases_approved_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_tender_cases_department_id_departments')),
    sa.ForeignKeyConstraint(['retender_of_id'], ['tender_cases.id'], name=op.f('fk_tender_cases_retender_of_id_tender_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_tender_cases_number'))
    )
    with op.batch_alter_table('tender_cases', schema=None) as batch_op:
        batch_op.create_index('ix_tender_cases_fy_department', ['fiscal_year', 'department_id'], unique=False)
        batch_op.create_index('ix_tender_cases_opening', ['opening_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_cases_retender_of_id'), ['retender_of_id'], unique=False)
        batch_op.create_index('ix_tender_cases_state', ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('tender_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_tender_cases_state')
        batch_op.drop_index(batch_op.f('ix_tender_cases_retender_of_id'))
        batch_op.drop_index('ix_tender_cases_opening')
        batch_op.drop_index('ix_tender_cases_fy_department')

    op.drop_table('tender_cases')
