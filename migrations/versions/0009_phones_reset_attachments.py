"""accounts: a phone number on the user; notifications: attached files

Revision ID: 0009_phones_reset_attachments
Revises: 0008_back_office
Create Date: 2026-12-01 23:45:00

Written by hand. users gains an optional phone in E.164 (checked to start with "+", indexed
for the searches by phone);
notifications gain the names of the files drawn and attached when they are sent (the ticket
PDF on a confirmation). Password-reset tokens need no table: they are signed, and the user's
password hash is part of what they sign.
"""
import sqlalchemy as sa
from alembic import op


revision = '0009_phones_reset_attachments'
down_revision = '0008_back_office'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_users_phone_e164'), "phone IS NULL OR phone LIKE '+%'"
        )
        batch_op.create_index('ix_users_phone', ['phone'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('attachments')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_phone')
        batch_op.drop_constraint(op.f('ck_users_phone_e164'), type_='check')
        batch_op.drop_column('phone')
