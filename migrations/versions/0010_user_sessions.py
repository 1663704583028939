"""user sessions: one row per signed-in browser, so a session can be ended server-side

Revision ID: 0010_user_sessions
Revises: 0009_phones_reset_attachments
Create Date: 2026-12-01 23:50:00

Written by hand. The session cookie carries the row's random id; logging out, a password
change and "sign out everywhere" set revoked_at, after which the cookie opens nothing. Sessions
signed in before this migration carry no id and are treated as logged out once.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010_user_sessions'
down_revision = '0009_phones_reset_attachments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_agent', sa.String(length=120), nullable=False),
        sa.Column('ip_address', sa.String(length=45), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('length(id) = 32', name=op.f('ck_user_sessions_id_random')),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_user_sessions_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    )
    op.create_index('ix_user_sessions_user_id', 'user_sessions', ['user_id'])


def downgrade():
    op.drop_index('ix_user_sessions_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
