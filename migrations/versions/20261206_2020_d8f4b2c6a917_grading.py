"""工事成績評定 (SPEC GR1-GR6, CM9): graded works (the grade database, past grades included), their graders' sheets
and entries, 法令遵守等 deductions, corrections (評定の修正) and 説明請求; and on the registry's registered 業種 the
主観点 the grading package feeds from the works' grades (``performance_points``) with its basis.

Only new tables and added nullable columns: nothing existing is rewritten (the registry's columns are added with
ALTER TABLE ADD COLUMN on SQLite too).

Revision ID: d8f4b2c6a917
Revises: a5d3f8c1e722
Create Date: 2026-12-06 20:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'd8f4b2c6a917'
down_revision = 'a5d3f8c1e722'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('graded_works',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('contract_number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('work_type_code', sa.String(length=10), nullable=False),
    sa.Column('contract_amount', sa.BigInteger(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('grading_table', sa.String(length=10), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('weighted', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('final_score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("grading_table IS NULL OR grading_table IN ('standard', 'simple')", name=op.f('ck_graded_works_table_known')),
    sa.CheckConstraint("source IN ('system', 'import')", name=op.f('ck_graded_works_source_known')),
    sa.CheckConstraint("state IN ('pending', 'entering', 'submitted', 'settled', 'notified')", name=op.f('ck_graded_works_state_known')),
    sa.CheckConstraint('final_score IS NULL OR (final_score >= 0 AND final_score <= 100)', name=op.f('ck_graded_works_score_range')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_graded_works_contract_id_contracts')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_graded_works_contractor_id_contractors')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_graded_works_department_id_departments')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('fk_graded_works_import_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'], name=op.f('fk_graded_works_settled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_graded_works')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_graded_works_contract_id')),
    sa.UniqueConstraint('contract_number', name=op.f('uq_graded_works_contract_number'))
    )
    with op.batch_alter_table('graded_works', schema=None) as batch_op:
        batch_op.create_index('ix_graded_works_contractor_id_completed_on', ['contractor_id', 'completed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_graded_works_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_graded_works_fiscal_year'), ['fiscal_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_graded_works_notified_on'), ['notified_on'], unique=False)
        batch_op.create_index('ix_graded_works_state_department_id', ['state', 'department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_graded_works_work_type_code'), ['work_type_code'], unique=False)

    op.create_table('explanation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('answer_due', sa.Date(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('re_request_due', sa.Date(), nullable=True),
    sa.Column('re_content', sa.Text(), nullable=True),
    sa.Column('re_filed_on', sa.Date(), nullable=True),
    sa.Column('committee_due', sa.Date(), nullable=True),
    sa.Column('committee_on', sa.Date(), nullable=True),
    sa.Column('committee_answer', sa.Text(), nullable=True),
    sa.Column('committee_answered_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('portal', 'paper')", name=op.f('ck_explanation_requests_channel_known')),
    sa.CheckConstraint("state IN ('received', 'answered', 're_requested', 'committee', 'closed', 'corrected')", name=op.f('ck_explanation_requests_state_known')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_explanation_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_explanation_requests_filed_by_id_users')),
    sa.ForeignKeyConstraint(['work_id'], ['graded_works.id'], name=op.f('fk_explanation_requests_work_id_graded_works')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_explanation_requests'))
    )
    with op.batch_alter_table('explanation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_explanation_requests_answer_due'), ['answer_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_explanation_requests_work_id'), ['work_id'], unique=False)

    op.create_table('grade_deductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('points', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_grade_deductions_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['work_id'], ['graded_works.id'], name=op.f('fk_grade_deductions_work_id_graded_works')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_deductions'))
    )
    with op.batch_alter_table('grade_deductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_deductions_work_id'), ['work_id'], unique=False)

    op.create_table('grade_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('weighted_before', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('weighted_after', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('final_before', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('final_after', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('revised_on', sa.Date(), nullable=False),
    sa.Column('revised_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['revised_by_id'], ['users.id'], name=op.f('fk_grade_revisions_revised_by_id_users')),
    sa.ForeignKeyConstraint(['work_id'], ['graded_works.id'], name=op.f('fk_grade_revisions_work_id_graded_works')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_revisions')),
    sa.UniqueConstraint('work_id', 'seq', name=op.f('uq_grade_revisions_work_id_seq'))
    )
    op.create_table('grader_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('chief', 'general', 'interim_inspector', 'final_inspector')", name=op.f('ck_grader_assignments_role_known')),
    sa.CheckConstraint("state IN ('assigned', 'draft', 'submitted')", name=op.f('ck_grader_assignments_state_known')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_grader_assignments_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grader_assignments_user_id_users')),
    sa.ForeignKeyConstraint(['work_id'], ['graded_works.id'], name=op.f('fk_grader_assignments_work_id_graded_works')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grader_assignments')),
    sa.UniqueConstraint('work_id', 'role', 'seq', name=op.f('uq_grader_assignments_work_id_role_seq'))
    )
    with op.batch_alter_table('grader_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grader_assignments_user_id'), ['user_id'], unique=False)

    op.create_table('grade_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=10), nullable=True),
    sa.Column('suggested', sa.String(length=4), nullable=True),
    sa.Column('checked', sa.String(length=200), nullable=True),
    sa.Column('not_applicable', sa.String(length=200), nullable=True),
    sa.Column('improvement_order', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['grader_assignments.id'], name=op.f('fk_grade_entries_assignment_id_grader_assignments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_entries')),
    sa.UniqueConstraint('assignment_id', 'item_key', name=op.f('uq_grade_entries_assignment_id_item_key'))
    )
    with op.batch_alter_table('registered_work_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('performance_points', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('performance_basis', sa.String(length=200), nullable=True))



def downgrade():
    with op.batch_alter_table('registered_work_types', schema=None) as batch_op:
        batch_op.drop_column('performance_basis')
        batch_op.drop_column('performance_points')

    op.drop_table('grade_entries')
    with op.batch_alter_table('grader_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grader_assignments_user_id'))

    op.drop_table('grader_assignments')
    op.drop_table('grade_revisions')
    with op.batch_alter_table('grade_deductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_deductions_work_id'))

    op.drop_table('grade_deductions')
    with op.batch_alter_table('explanation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_explanation_requests_work_id'))
        batch_op.drop_index(batch_op.f('ix_explanation_requests_answer_due'))

    op.drop_table('explanation_requests')
    with op.batch_alter_table('graded_works', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_graded_works_work_type_code'))
        batch_op.drop_index('ix_graded_works_state_department_id')
        batch_op.drop_index(batch_op.f('ix_graded_works_notified_on'))
        batch_op.drop_index(batch_op.f('ix_graded_works_fiscal_year'))
        batch_op.drop_index(batch_op.f('ix_graded_works_department_id'))
        batch_op.drop_index('ix_graded_works_contractor_id_completed_on')

    op.drop_table('graded_works')
