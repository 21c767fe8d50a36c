"""Bids and award (SPEC CM4): the rounds of a case, each firm's bid per round with its status after the opening,
the 電子くじ that settled a tie (every input and the arithmetic) and the award with its amounts.

Revision ID: 8f3b6d1e9a27
Revises: 5e8a2c7d4b19
Create Date: 2026-12-06 19:25:00
"""

from alembic import op
import sqlalchemy as sa


revision = '8f3b6d1e9a27'
down_revision = '5e8a2c7d4b19'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bid_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('floor_price', sa.BigInteger(), nullable=True),
    sa.Column('floor_coefficient', sa.Numeric(precision=8, scale=4), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('bidding', 'opened')", name=op.f('ck_bid_rounds_state_known')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_bid_rounds_number_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['tender_cases.id'], name=op.f('fk_bid_rounds_case_id_tender_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_rounds')),
    sa.UniqueConstraint('case_id', 'number', name=op.f('uq_bid_rounds_case_id_number'))
    )
    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('invalid_reason', sa.String(length=40), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('lot_input', sa.String(length=3), nullable=True),
    sa.Column('paper', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tech_standard', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('tech_added', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('tech_structure', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('survey_decision', sa.String(length=16), nullable=True),
    sa.Column('survey_decided_on', sa.Date(), nullable=True),
    sa.Column('survey_note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'valid', 'survey', 'below_minimum', 'over_planned', 'declined', 'invalid', 'excluded')", name=op.f('ck_bids_status_known')),
    sa.CheckConstraint("survey_decision IS NULL OR survey_decision IN ('pending', 'acceptable', 'unacceptable')", name=op.f('ck_bids_survey_decision_known')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_bids_amount_positive')),
    sa.CheckConstraint('declined OR amount IS NOT NULL OR invalid_reason IS NOT NULL', name=op.f('ck_bids_amount_or_declined')),
    sa.ForeignKeyConstraint(['case_id'], ['tender_cases.id'], name=op.f('fk_bids_case_id_tender_cases')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_bids_contractor_id_contractors')),
    sa.ForeignKeyConstraint(['round_id'], ['bid_rounds.id'], name=op.f('fk_bids_round_id_bid_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
    sa.UniqueConstraint('round_id', 'contractor_id', name=op.f('uq_bids_round_id_contractor_id'))
    )
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bids_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bids_contractor_id'), ['contractor_id'], unique=False)

    op.create_table('lot_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['bid_rounds.id'], name=op.f('fk_lot_draws_round_id_bid_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_draws'))
    )
    with op.batch_alter_table('lot_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_draws_round_id'), ['round_id'], unique=False)

    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('amount_with_tax', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('undo_reason', sa.String(length=500), nullable=True),
    sa.Column('undone_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state <> 'undone' OR undo_reason IS NOT NULL", name=op.f('ck_awards_undo_has_reason')),
    sa.CheckConstraint("state IN ('candidate', 'decided', 'undone')", name=op.f('ck_awards_state_known')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_awards_bid_id_bids')),
    sa.ForeignKeyConstraint(['case_id'], ['tender_cases.id'], name=op.f('fk_awards_case_id_tender_cases')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_awards_contractor_id_contractors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_contractor_id'), ['contractor_id'], unique=False)



def downgrade():
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awards_contractor_id'))
        batch_op.drop_index(batch_op.f('ix_awards_case_id'))

    op.drop_table('awards')
    with op.batch_alter_table('lot_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_draws_round_id'))

    op.drop_table('lot_draws')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bids_contractor_id'))
        batch_op.drop_index(batch_op.f('ix_bids_case_id'))

    op.drop_table('bids')
    op.drop_table('bid_rounds')
