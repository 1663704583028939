"""Read-only look-ups for checkout, tickets and the payments API, with ownership built in."""

from sqlalchemy import select

from webapp.accounts.models import ApiCaller, User
from webapp.booking.models import Booking
from webapp.errors import NotFoundError
from webapp.extensions import db
from webapp.payments.models import Payment
from webapp.refunds.models import Refund

NOT_FOUND = "We could not find that booking."


def _may_see(owner_id: int, viewer: User | ApiCaller, *, admins_too: bool) -> bool:
    return owner_id == viewer.id or (admins_too and viewer.is_admin)


def booking_for(reference: str, viewer: User | ApiCaller, *, admins_too: bool = False) -> Booking:
    """The booking with this reference if the viewer may see it; 404 otherwise, so a stranger
    cannot even learn that the reference exists."""
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference[:12]))
    if booking is None or not _may_see(booking.user_id, viewer, admins_too=admins_too):
        raise NotFoundError(NOT_FOUND)
    return booking


def booking_by_id(booking_id: int, viewer: User | ApiCaller) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.user_id != viewer.id:
        raise NotFoundError(NOT_FOUND)
    return booking


def payment_for(payment_id: int, viewer: User | ApiCaller) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.user_id != viewer.id:
        raise NotFoundError("We could not find that payment.")
    return payment


def payment_by_tx_ref(tx_ref: str, viewer: User | ApiCaller) -> Payment:
    payment = db.session.scalar(select(Payment).where(Payment.tx_ref == tx_ref[:64]))
    if payment is None or payment.user_id != viewer.id:
        raise NotFoundError("We could not find that payment.")
    return payment


def latest_payment(booking_id: int) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id.desc()).limit(1)
    )


def user_bookings(user_id: int, limit: int = 100) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.user_id == user_id)
            .order_by(Booking.created_at.desc())
            .limit(limit)
        )
    )


def booking_refunds(booking_id: int) -> list[Refund]:
    return list(
        db.session.scalars(
            select(Refund).where(Refund.booking_id == booking_id).order_by(Refund.id)
        )
    )
