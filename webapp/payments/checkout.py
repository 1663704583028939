"""Checkout: passenger details, then a payment attempt at the gateway's hosted page (SPEC §4).

The amount always comes from the booking row, never from the client. Each attempt gets a fresh
`tx_ref` derived from the booking reference; starting the first attempt extends the hold once.
The call to the gateway happens after our transaction has committed, so no lock is held while
we wait on the network.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp import clock
from webapp.accounts.services import normalise_email
from webapp.audit import services as audit
from webapp.booking.errors import HoldNotActiveError
from webapp.booking.models import Booking, BookingStatus
from webapp.booking.rules import HoldRules
from webapp.booking.seats import locked_booking
from webapp.booking.services import extend_hold_for_payment
from webapp.database import begin_write, busy_is_polite
from webapp.errors import ConflictError, NotFoundError, ValidationError
from webapp.extensions import db
from webapp.gateways import payment_gateway
from webapp.gateways.base import CheckoutRequest, GatewayError
from webapp.payments.details import read_passengers
from webapp.payments.models import Payment
from webapp.payments.verification import fail_payment


@dataclass(frozen=True)
class CheckoutStarted:
    payment_id: int
    tx_ref: str
    amount: int
    currency: str
    checkout_url: str


def save_passenger_details(
    user_id: int, booking_id: int, email: str, entries: dict[str, tuple[object, object]]
) -> None:
    """Store a name and phone per seat and the contact e-mail on a live hold; every problem is
    reported at once, against its field."""
    busy_is_polite(lambda: _save_details(user_id, booking_id, email, entries, clock.now()))


def _save_details(
    user_id: int,
    booking_id: int,
    email: str,
    entries: dict[str, tuple[object, object]],
    now: datetime,
) -> None:
    begin_write()
    booking = _owned_live_booking(user_id, booking_id, now)
    errors: dict[str, object] = {}
    contact = passengers = None
    try:
        contact = normalise_email(email)
    except ValidationError as error:
        errors.update(error.details)
    try:
        passengers = {p.label: p for p in read_passengers(booking.seat_labels, entries)}
    except ValidationError as error:
        errors.update(error.details)
    if contact is None or passengers is None:
        raise ValidationError("Please check the passenger details.", details=errors)
    for seat in booking.seats:
        seat.passenger_name = passengers[seat.label].name
        seat.passenger_phone = passengers[seat.label].phone
    booking.contact_email = contact
    booking.updated_at = now
    db.session.commit()


def start_checkout(user_id: int, booking_id: int, redirect_url: str) -> CheckoutStarted:
    """Open a payment attempt for the booking's total and get the hosted checkout link."""
    now = clock.now()
    rules = HoldRules.current()
    payment_id = busy_is_polite(lambda: _open_payment(user_id, booking_id, now, rules))
    payment = db.session.get(Payment, payment_id)
    assert payment is not None
    booking = payment.booking
    trip = booking.trip
    checkout = CheckoutRequest(
        tx_ref=payment.tx_ref,
        amount=payment.amount,
        currency=payment.currency,
        redirect_url=redirect_url,
        customer_email=booking.contact_email or booking.user.email,
        customer_name=booking.seats[0].passenger_name or booking.user.name,
        customer_phone=booking.seats[0].passenger_phone,
        title="Roadpass",
        description=(
            f"{trip.route.origin.name} to {trip.route.destination.name}, "
            f"seats {', '.join(booking.seat_labels)} ({booking.reference})"
        ),
        meta={"bookingReference": booking.reference, "paymentId": payment.id},
        # The hosted page stops taking money when the seat hold ends.
        session_minutes=max(1, math.ceil((booking.hold_expires_at - now).total_seconds() / 60)),
    )
    db.session.rollback()  # end the read before waiting on the network

    try:
        link = payment_gateway().create_checkout(checkout)
    except GatewayError:
        _close_unstarted(payment_id)
        raise
    busy_is_polite(lambda: _store_link(payment_id, link))
    return CheckoutStarted(payment_id, checkout.tx_ref, checkout.amount, checkout.currency, link)


def _open_payment(user_id: int, booking_id: int, now: datetime, rules: HoldRules) -> int:
    begin_write()
    booking = _owned_live_booking(user_id, booking_id, now)
    missing = [s.label for s in booking.seats if not (s.passenger_name and s.passenger_phone)]
    if missing or not booking.contact_email:
        raise ValidationError(
            "Add the passenger details before paying.", details={"passengers": missing}
        )
    extend_hold_for_payment(booking, now, rules)
    if booking.status == BookingStatus.HELD:
        booking.status = BookingStatus.PENDING_PAYMENT
        booking.updated_at = now
        audit.record("booking.pending_payment", "booking", booking.id, actor_user_id=user_id)
    attempt = db.session.scalar(
        select(func.count(Payment.id)).where(Payment.booking_id == booking.id)
    )
    payment = Payment(
        booking_id=booking.id,
        user_id=user_id,
        tx_ref=f"{booking.reference}-{attempt + 1}",
        amount=booking.total_amount,
        currency=booking.currency,
        created_at=now,
        updated_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    audit.record(
        "payment.created",
        "payment",
        payment.id,
        actor_user_id=user_id,
        booking_id=booking.id,
        tx_ref=payment.tx_ref,
        amount=payment.amount,
    )
    db.session.commit()
    return payment.id


def _owned_live_booking(user_id: int, booking_id: int, now: datetime) -> Booking:
    booking = locked_booking(booking_id)
    if booking is None or booking.user_id != user_id:
        raise NotFoundError("We could not find that booking.")
    if booking.status == BookingStatus.CONFIRMED:
        raise ConflictError("This booking is already paid for.", code="ALREADY_PAID")
    if not booking.is_live_hold(now):
        raise HoldNotActiveError("Your seat hold has expired. Please choose your seats again.")
    return booking


def _store_link(payment_id: int, link: str) -> None:
    begin_write()
    payment = db.session.get(Payment, payment_id)
    assert payment is not None
    payment.checkout_url = link
    db.session.commit()


def _close_unstarted(payment_id: int) -> None:
    """The gateway never gave us a page, so nobody can pay this attempt: close it."""
    begin_write()
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if payment is not None:
        fail_payment(payment, "CHECKOUT_UNAVAILABLE", None, clock.now(), "system")
    db.session.commit()
