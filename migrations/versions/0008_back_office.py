"""back office: operator staff bound to one operator; seats marked boarded

Revision ID: 0008_back_office
Revises: 0007_ledger_settlements
Create Date: 2026-12-01 22:05:00

Written by hand. users gains operator_id and the role operator_staff (staff have an operator,
nobody else has one); booking_seats gains when and by whom the passenger boarded. The batch
operations recreate the tables on SQLite, which cannot alter a constraint in place.
"""
import sqlalchemy as sa
from alembic import op


revision = '0008_back_office'
down_revision = '0007_ledger_settlements'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('passenger', 'admin')"
NEW_ROLES = "role IN ('passenger', 'admin', 'operator_staff')"
STAFF_HAVE_OPERATOR = "(role = 'operator_staff') = (operator_id IS NOT NULL)"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_users_operator_id_operators'), 'operators', ['operator_id'], ['id']
        )
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role_known'), NEW_ROLES)
        batch_op.create_check_constraint(
            op.f('ck_users_staff_have_operator'), STAFF_HAVE_OPERATOR
        )
    with op.batch_alter_table('booking_seats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('boarded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('boarded_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_booking_seats_boarded_by_user_id_users'),
            'users',
            ['boarded_by_user_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index('ix_booking_seats_passenger_phone', ['passenger_phone'])
    # Staff find bookings by a passenger's phone or the contact e-mail.
    op.create_index('ix_bookings_contact_email', 'bookings', ['contact_email'])


def downgrade():
    op.drop_index('ix_bookings_contact_email', table_name='bookings')
    with op.batch_alter_table('booking_seats', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_seats_passenger_phone')
        batch_op.drop_constraint(
            op.f('fk_booking_seats_boarded_by_user_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('boarded_by_user_id')
        batch_op.drop_column('boarded_at')
    op.execute("DELETE FROM users WHERE role = 'operator_staff'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_staff_have_operator'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role_known'), OLD_ROLES)
        batch_op.drop_constraint(op.f('fk_users_operator_id_operators'), type_='foreignkey')
        batch_op.drop_column('operator_id')
