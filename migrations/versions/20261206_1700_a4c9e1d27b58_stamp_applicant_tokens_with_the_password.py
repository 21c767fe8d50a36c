"""Applicant tokens remember the password they were mailed under (a new password voids older links), and a
``notice`` purpose counts the "already registered" mails of sign-ups towards the hourly cap.

Unused links mailed before this upgrade get the stamp of the account's current password, so they keep
working until it changes.

Revision ID: a4c9e1d27b58
Revises: 8d2f6a0c3b14
Create Date: 2026-12-06 17:00:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op


revision = 'a4c9e1d27b58'
down_revision = '8d2f6a0c3b14'
branch_labels = None
depends_on = None


def _stamp(password_hash):
    # The same digest as registry.applications.accounts.password_stamp (copied: a migration never imports
    # application code, which changes after it).
    return hashlib.sha256(b"applicant-token:" + (password_hash or "").encode()).hexdigest()


def upgrade():
    with op.batch_alter_table('applicant_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_stamp', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(op.f('ck_applicant_tokens_purpose_known'), type_='check')
        batch_op.create_check_constraint('purpose_known', "purpose IN ('confirm', 'reset', 'notice')")
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT t.id, u.password_hash FROM applicant_tokens t"
        " JOIN applicant_accounts a ON a.id = t.account_id JOIN users u ON u.id = a.user_id"
        " WHERE t.used_at IS NULL")).all()
    for token_id, password_hash in rows:
        bind.execute(sa.text("UPDATE applicant_tokens SET password_stamp = :stamp WHERE id = :id"),
                     {"stamp": _stamp(password_hash), "id": token_id})


def downgrade():
    op.execute("DELETE FROM applicant_tokens WHERE purpose = 'notice'")
    with op.batch_alter_table('applicant_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applicant_tokens_purpose_known'), type_='check')
        batch_op.create_check_constraint('purpose_known', "purpose IN ('confirm', 'reset')")
        batch_op.drop_column('password_stamp')
