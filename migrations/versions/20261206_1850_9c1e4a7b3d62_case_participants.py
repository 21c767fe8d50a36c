"""The firms on a tender case (SPEC CM3): nominations and applications to open tenders, one row per case and
firm, with the reasons kept when a firm is picked, admitted, refused or cancelled.

Revision ID: 9c1e4a7b3d62
Revises: 7b3d5f9a1c20
Create Date: 2026-12-06 18:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '9c1e4a7b3d62'
down_revision = '7b3d5f9a1c20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('pick_reason', sa.String(length=500), nullable=True),
    sa.Column('ineligible_reasons', sa.Text(), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('refusal_reason', sa.String(length=500), nullable=True),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('cancelled_for_suspension', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('nominated', 'applicant')", name=op.f('ck_case_participants_kind_known')),
    sa.CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name=op.f('ck_case_participants_cancel_has_reason')),
    sa.CheckConstraint("status IN ('picked', 'nominated', 'applied', 'admitted', 'refused', 'cancelled')", name=op.f('ck_case_participants_status_known')),
    sa.ForeignKeyConstraint(['case_id'], ['tender_cases.id'], name=op.f('fk_case_participants_case_id_tender_cases')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_case_participants_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_participants')),
    sa.UniqueConstraint('case_id', 'contractor_id', name=op.f('uq_case_participants_case_id_contractor_id'))
    )
    with op.batch_alter_table('case_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_participants_contractor_id'), ['contractor_id'], unique=False)



def downgrade():
    with op.batch_alter_table('case_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_participants_contractor_id'))

    op.drop_table('case_participants')
