"""Ending checkouts whose hold has died (SPEC §3): the gateway is asked before seats go back.

A booking in PENDING_PAYMENT past its hold may still have been paid: each of its pending
payments is settled through the one apply path first (which confirms a payment that succeeded,
even when its webhook was dropped). Only when the gateway has answered and nothing was paid are
the seats freed and the booking marked EXPIRED. If the gateway cannot answer, the booking is
left for the next run; its seats already read as free to everyone (expiry is lazy).
"""

from datetime import datetime

from sqlalchemy import select

from webapp import clock
from webapp.audit import services as audit
from webapp.booking.models import BookingStatus
from webapp.booking.queries import dead_holds
from webapp.booking.seats import end_hold, locked_booking
from webapp.database import begin_write, busy_is_polite
from webapp.extensions import db
from webapp.payments.models import Payment, PaymentStatus
from webapp.payments.verification import fail_payment, settle_payment


def expire_unpaid_checkouts(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    moment = now or clock.now()
    candidates = dead_holds(BookingStatus.PENDING_PAYMENT, moment, limit)
    db.session.rollback()
    counts = {"expired_checkouts": 0, "confirmed_late": 0, "gateway_unsure": 0}
    for booking_id in candidates:
        pending = db.session.scalars(
            select(Payment.id).where(
                Payment.booking_id == booking_id, Payment.status == PaymentStatus.PENDING
            )
        ).all()
        unsure = False
        for payment_id in pending:
            settled = settle_payment(payment_id, actor="job:expire-seats")
            unsure = unsure or not settled.verified
        if unsure:
            counts["gateway_unsure"] += 1
            continue
        outcome = busy_is_polite(lambda b=booking_id: _expire(b, moment))
        counts[outcome] += 1
    return counts


def _expire(booking_id: int, now: datetime) -> str:
    begin_write()
    booking = locked_booking(booking_id)
    assert booking is not None
    if booking.status == BookingStatus.CONFIRMED:
        db.session.commit()
        return "confirmed_late"
    if booking.status != BookingStatus.PENDING_PAYMENT or booking.is_live_hold(now):
        db.session.commit()
        return "gateway_unsure"  # changed under us; the next run looks again
    still_pending = db.session.scalars(
        select(Payment).where(
            Payment.booking_id == booking_id, Payment.status == PaymentStatus.PENDING
        )
    ).all()
    for payment in still_pending:  # the gateway knows no attempt: nobody paid this one
        fail_payment(payment, "ABANDONED", None, now, "job:expire-seats")
    end_hold(booking, BookingStatus.EXPIRED, now)
    audit.record("booking.expired", "booking", booking.id, actor="job:expire-seats")
    db.session.commit()
    return "expired_checkouts"
