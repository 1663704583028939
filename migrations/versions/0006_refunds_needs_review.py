"""refunds may stop as NEEDS_REVIEW

Revision ID: 0006_refunds_needs_review
Revises: 0005_payment_questions
Create Date: 2026-12-01 21:10:00

Written by hand: the check constraint on refunds.status gains NEEDS_REVIEW. The batch
operation recreates the table on SQLite, which cannot alter a constraint in place.
"""
from alembic import op


revision = '0006_refunds_needs_review'
down_revision = '0005_payment_questions'
branch_labels = None
depends_on = None

OLD = "status IN ('REQUESTED', 'PROCESSING', 'COMPLETED', 'FAILED')"
NEW = "status IN ('REQUESTED', 'PROCESSING', 'COMPLETED', 'FAILED', 'NEEDS_REVIEW')"


def upgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_refunds_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_refunds_status_known'), NEW)


def downgrade():
    op.execute("UPDATE refunds SET status = 'FAILED' WHERE status = 'NEEDS_REVIEW'")
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_refunds_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_refunds_status_known'), OLD)
