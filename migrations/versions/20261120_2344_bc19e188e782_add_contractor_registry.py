"""Add the contractor registry: firms, registrations and 業種 with ranks, permits, 経審, technicians, JVs,
suspensions

Revision ID: bc19e188e782
Revises: 7d8e9f0a1b2c
Create Date: 2026-11-20 23:44:47.132103
"""

import sqlalchemy as sa
from alembic import op


revision = 'bc19e188e782'
down_revision = '7d8e9f0a1b2c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contractors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_kana', sa.String(length=200), nullable=True),
    sa.Column('search_key', sa.String(length=400), nullable=False),
    sa.Column('legal_form', sa.String(length=16), nullable=False),
    sa.Column('corporate_number', sa.String(length=13), nullable=True),
    sa.Column('representative_title', sa.String(length=100), nullable=True),
    sa.Column('representative_name', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=8), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('branch_name', sa.String(length=200), nullable=True),
    sa.Column('branch_representative_title', sa.String(length=100), nullable=True),
    sa.Column('branch_representative_name', sa.String(length=100), nullable=True),
    sa.Column('branch_postal_code', sa.String(length=8), nullable=True),
    sa.Column('branch_address', sa.String(length=300), nullable=True),
    sa.Column('branch_phone', sa.String(length=20), nullable=True),
    sa.Column('area', sa.String(length=10), nullable=False),
    sa.Column('area_override_reason', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('is_jv', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("area IN ('city', 'near', 'outside')", name=op.f('ck_contractors_area_known')),
    sa.CheckConstraint("legal_form IN ('corporation', 'individual')", name=op.f('ck_contractors_legal_form_known')),
    sa.CheckConstraint("status IN ('active', 'lapsed', 'revoked')", name=op.f('ck_contractors_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractors')),
    sa.UniqueConstraint('number', name=op.f('uq_contractors_number'))
    )
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractors_corporate_number'), ['corporate_number'], unique=False)
        batch_op.create_index('ix_contractors_search_key', ['search_key'], unique=False)
        batch_op.create_index('ix_contractors_status_area', ['status', 'area'], unique=False)

    op.create_table('construction_permits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('work_type_code', sa.String(length=10), nullable=False),
    sa.Column('authority', sa.String(length=10), nullable=False),
    sa.Column('prefecture', sa.String(length=10), nullable=True),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('permit_year', sa.Integer(), nullable=True),
    sa.Column('permit_number', sa.Integer(), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.CheckConstraint("authority IN ('minister', 'governor')", name=op.f('ck_construction_permits_authority_known')),
    sa.CheckConstraint("grade IN ('general', 'special')", name=op.f('ck_construction_permits_grade_known')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_construction_permits_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_construction_permits')),
    sa.UniqueConstraint('contractor_id', 'work_type_code', name=op.f('uq_construction_permits_contractor_id_work_type_code'))
    )
    with op.batch_alter_table('construction_permits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_construction_permits_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('contractor_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("category IN ('construction', 'consulting', 'goods')", name=op.f('ck_contractor_registrations_category_known')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_contractor_registrations_period_ordered')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_contractor_registrations_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_registrations')),
    sa.UniqueConstraint('contractor_id', 'category', 'period_start', name=op.f('uq_contractor_registrations_contractor_id_category_period_start'))
    )
    with op.batch_alter_table('contractor_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_contractor_registrations_category_period', ['category', 'period_start', 'period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_contractor_registrations_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('jv_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jv_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('is_representative', sa.Boolean(), nullable=False),
    sa.CheckConstraint('jv_id <> member_id', name=op.f('ck_jv_members_not_self')),
    sa.CheckConstraint('share_percent > 0 AND share_percent <= 100', name=op.f('ck_jv_members_share_range')),
    sa.ForeignKeyConstraint(['jv_id'], ['contractors.id'], name=op.f('fk_jv_members_jv_id_contractors')),
    sa.ForeignKeyConstraint(['member_id'], ['contractors.id'], name=op.f('fk_jv_members_member_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jv_members')),
    sa.UniqueConstraint('jv_id', 'member_id', name=op.f('uq_jv_members_jv_id_member_id'))
    )
    with op.batch_alter_table('jv_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jv_members_member_id'), ['member_id'], unique=False)

    op.create_table('keishin_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('work_type_code', sa.String(length=10), nullable=False),
    sa.Column('base_date', sa.Date(), nullable=False),
    sa.Column('x1', sa.Integer(), nullable=False),
    sa.Column('x2', sa.Integer(), nullable=False),
    sa.Column('y', sa.Integer(), nullable=False),
    sa.Column('z', sa.Integer(), nullable=False),
    sa.Column('w', sa.Integer(), nullable=False),
    sa.Column('p_entered', sa.Integer(), nullable=True),
    sa.Column('p_computed', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_keishin_scores_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_keishin_scores')),
    sa.UniqueConstraint('contractor_id', 'work_type_code', 'base_date', name=op.f('uq_keishin_scores_contractor_id_work_type_code_base_date'))
    )
    with op.batch_alter_table('keishin_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_keishin_scores_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('cause_code', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('period_text', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=300), nullable=True),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.Column('lift_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_suspensions_period_ordered')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_suspensions_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspensions'))
    )
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspensions_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index('ix_suspensions_period', ['starts_on', 'ends_on'], unique=False)

    op.create_table('technicians',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_kana', sa.String(length=100), nullable=True),
    sa.Column('qualifications', sa.String(length=500), nullable=True),
    sa.Column('employed_since', sa.Date(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_technicians_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technicians'))
    )
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technicians_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('registered_work_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('work_type_code', sa.String(length=10), nullable=False),
    sa.Column('objective_points', sa.Integer(), nullable=True),
    sa.Column('subjective_points', sa.Integer(), nullable=True),
    sa.Column('rank', sa.String(length=4), nullable=True),
    sa.Column('rank_confirmed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['contractor_registrations.id'], name=op.f('fk_registered_work_types_registration_id_contractor_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registered_work_types')),
    sa.UniqueConstraint('registration_id', 'work_type_code', name=op.f('uq_registered_work_types_registration_id_work_type_code'))
    )
    with op.batch_alter_table('registered_work_types', schema=None) as batch_op:
        batch_op.create_index('ix_registered_work_types_code_rank', ['work_type_code', 'rank'], unique=False)



def downgrade():
    with op.batch_alter_table('registered_work_types', schema=None) as batch_op:
        batch_op.drop_index('ix_registered_work_types_code_rank')

    op.drop_table('registered_work_types')
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technicians_contractor_id'))

    op.drop_table('technicians')
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.drop_index('ix_suspensions_period')
        batch_op.drop_index(batch_op.f('ix_suspensions_contractor_id'))

    op.drop_table('suspensions')
    with op.batch_alter_table('keishin_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_keishin_scores_contractor_id'))

    op.drop_table('keishin_scores')
    with op.batch_alter_table('jv_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jv_members_member_id'))

    op.drop_table('jv_members')
    with op.batch_alter_table('contractor_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_registrations_contractor_id'))
        batch_op.drop_index('ix_contractor_registrations_category_period')

    op.drop_table('contractor_registrations')
    with op.batch_alter_table('construction_permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_construction_permits_contractor_id'))

    op.drop_table('construction_permits')
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.drop_index('ix_contractors_status_area')
        batch_op.drop_index('ix_contractors_search_key')
        batch_op.drop_index(batch_op.f('ix_contractors_corporate_number'))

    op.drop_table('contractors')
