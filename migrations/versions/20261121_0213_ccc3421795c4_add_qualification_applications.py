"""Add online qualification applications: applicant accounts and mail tokens, applications with
attachments, staff item checks, the step log, and transfer bundles (SPEC QA1-QA4)

Revision ID: ccc3421795c4
Revises: bc19e188e782
Create Date: 2026-11-21 02:13:57.709378
"""

import sqlalchemy as sa
from alembic import op


revision = 'ccc3421795c4'
down_revision = 'bc19e188e782'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('applicant_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('firm_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('contractor_number', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_applicant_accounts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_accounts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_applicant_accounts_user_id'))
    )
    op.create_table('transfer_bundles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.String(length=36), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('content', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("content IN ('applications', 'decisions')", name=op.f('ck_transfer_bundles_content_known')),
    sa.CheckConstraint("direction IN ('in', 'out')", name=op.f('ck_transfer_bundles_direction_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_transfer_bundles_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_bundles')),
    sa.UniqueConstraint('bundle_id', 'direction', name=op.f('uq_transfer_bundles_bundle_id_direction'))
    )
    op.create_table('applicant_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("purpose IN ('confirm', 'reset')", name=op.f('ck_applicant_tokens_purpose_known')),
    sa.ForeignKeyConstraint(['account_id'], ['applicant_accounts.id'], name=op.f('fk_applicant_tokens_account_id_applicant_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_applicant_tokens_token_hash'))
    )
    with op.batch_alter_table('applicant_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('applicant_email', sa.String(length=254), nullable=False),
    sa.Column('firm_name', sa.String(length=200), nullable=False),
    sa.Column('contractor_number', sa.String(length=20), nullable=True),
    sa.Column('period_start_year', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('transferred_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('new', 'change')", name=op.f('ck_applications_kind_known')),
    sa.CheckConstraint("origin IN ('local', 'portal')", name=op.f('ck_applications_origin_known')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'under_review', 'returned', 'accepted', 'rejected')", name=op.f('ck_applications_status_known')),
    sa.ForeignKeyConstraint(['account_id'], ['applicant_accounts.id'], name=op.f('fk_applications_account_id_applicant_accounts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_applications_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('reference', name=op.f('uq_applications_reference'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_applications_status_submitted_at', ['status', 'submitted_at'], unique=False)

    op.create_table('application_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('document_code', sa.String(length=20), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_attachments_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_application_attachments_stored_name'))
    )
    with op.batch_alter_table('application_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_attachments_application_id'), ['application_id'], unique=False)

    op.create_table('application_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_checks_application_id_applications')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_application_checks_checked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_checks')),
    sa.UniqueConstraint('application_id', 'section', name=op.f('uq_application_checks_application_id_section'))
    )
    op.create_table('application_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('status_after', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_application_events_actor_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_events_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events'))
    )
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_events_application_id'), ['application_id'], unique=False)



def downgrade():
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_events_application_id'))

    op.drop_table('application_events')
    op.drop_table('application_checks')
    with op.batch_alter_table('application_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_attachments_application_id'))

    op.drop_table('application_attachments')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_status_submitted_at')
        batch_op.drop_index(batch_op.f('ix_applications_account_id'))

    op.drop_table('applications')
    with op.batch_alter_table('applicant_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_tokens_account_id'))

    op.drop_table('applicant_tokens')
    op.drop_table('transfer_bundles')
    op.drop_table('applicant_accounts')
