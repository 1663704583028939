"""Cancelling bookings and trips (SPEC §6).

A passenger cancels a confirmed booking before departure and gets back the share of the fare
that the booking's own policy snapshot gives for the time left; the service fee is kept. An
admin cancelling a trip refunds every confirmed booking in full, fees included. Seats are freed,
refund rows are created in the same transaction (paid by the refund job) and passengers told.
An admin can also cancel one date: every trip of a route and operator departing that Lagos day,
each by the same trip cancellation.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from webapp import clock
from webapp.audit import services as audit
from webapp.booking.models import HOLDING_STATUSES, Booking, BookingStatus
from webapp.booking.seats import cancel_paid, end_hold, locked_booking
from webapp.cancellations.policy import CannotCancelError, quote_cancellation
from webapp.database import begin_write, busy_is_polite
from webapp.errors import ConflictError, NotFoundError
from webapp.extensions import db
from webapp.notifications.services import queue_notification
from webapp.payments.models import Payment, PaymentStatus
from webapp.refunds.models import Refund, RefundReason
from webapp.refunds.services import request_refund
from webapp.trips.models import Trip, TripStatus


@dataclass(frozen=True)
class CancellationResult:
    booking_id: int
    status: str
    refund_id: int | None
    refund_amount: int
    refund_status: str | None


def cancel_booking(
    user_id: int, booking_id: int, expected_refund: int | None = None
) -> CancellationResult:
    """The passenger cancels their confirmed booking. If the refund they were shown
    (`expected_refund`) is no longer what the policy gives, nothing changes and they are told."""
    return busy_is_polite(lambda: _cancel(user_id, booking_id, expected_refund, clock.now()))


def _cancel(
    user_id: int, booking_id: int, expected_refund: int | None, now: datetime
) -> CancellationResult:
    begin_write()
    booking = locked_booking(booking_id)
    if booking is None or booking.user_id != user_id:
        raise NotFoundError("We could not find that booking.")
    if booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "PASSENGER_CANCELLED":
        return _result(booking)  # cancelling twice changes nothing
    quote = quote_cancellation(booking, now)
    if expected_refund is not None and expected_refund != quote.refund_amount:
        raise ConflictError(
            "The refund for this booking has changed since you looked. Please check it again.",
            code="QUOTE_CHANGED",
            details={"refundAmount": quote.refund_amount},
        )
    cancel_paid(booking, now, "PASSENGER_CANCELLED")
    audit.record(
        "booking.cancelled",
        "booking",
        booking.id,
        actor_user_id=user_id,
        reason="PASSENGER_CANCELLED",
        refund=quote.refund_amount,
    )
    if quote.refund_amount > 0:
        request_refund(
            _paying_payment(booking), quote.refund_amount, RefundReason.PASSENGER_CANCELLED
        )
    queue_notification(
        "booking-cancelled",
        booking,
        f"Booking {booking.reference} cancelled",
        refund_amount=quote.refund_amount,
    )
    result = _result(booking)
    db.session.commit()
    return result


def cancel_trip(admin_user_id: int, trip_id: int, reason: str) -> dict[str, int]:
    """The operator's bus will not run: every paid booking is refunded in full and told; live
    holds end. Running it again changes nothing. Counts what this call did: bookings refunded,
    holds ended, and whether it was this call that cancelled the trip (trip_cancelled 0 or 1)."""
    return busy_is_polite(lambda: _cancel_trip(admin_user_id, trip_id, reason, clock.now()))


def _cancel_trip(admin_user_id: int, trip_id: int, reason: str, now: datetime) -> dict[str, int]:
    begin_write()
    trip = db.session.scalar(select(Trip).where(Trip.id == trip_id).with_for_update())
    if trip is None:
        raise NotFoundError("We could not find that trip.")
    if trip.status == TripStatus.DEPARTED:
        raise CannotCancelError("This bus has already left.")
    counts = {"refunded": 0, "holds_ended": 0, "trip_cancelled": 0}
    if trip.status != TripStatus.CANCELLED:
        trip.status = TripStatus.CANCELLED
        counts["trip_cancelled"] = 1
        audit.record("trip.cancelled", "trip", trip.id, actor_user_id=admin_user_id, reason=reason)
    booking_ids = db.session.scalars(
        select(Booking.id)
        .where(
            Booking.trip_id == trip_id,
            Booking.status.in_((BookingStatus.CONFIRMED, *HOLDING_STATUSES)),
        )
        .order_by(Booking.id)
    ).all()
    for booking_id in booking_ids:
        booking = locked_booking(booking_id)
        assert booking is not None
        if booking.status == BookingStatus.CONFIRMED:
            cancel_paid(booking, now, "TRIP_CANCELLED")
            payment = _paying_payment(booking)
            refund = request_refund(payment, booking.total_amount, RefundReason.TRIP_CANCELLED)
            audit.record(
                "booking.cancelled",
                "booking",
                booking.id,
                actor_user_id=admin_user_id,
                reason="TRIP_CANCELLED",
                refund=refund.amount,
            )
            queue_notification(
                "trip-cancelled",
                booking,
                f"Your bus on {booking.reference} has been cancelled",
                refund_amount=refund.amount,
                reason=reason,
            )
            counts["refunded"] += 1
        else:
            end_hold(booking, BookingStatus.CANCELLED, now, reason="TRIP_CANCELLED")
            _close_open_payments(booking, now, admin_user_id)
            audit.record(
                "booking.cancelled",
                "booking",
                booking.id,
                actor_user_id=admin_user_id,
                reason="TRIP_CANCELLED",
            )
            counts["holds_ended"] += 1
    db.session.commit()
    return counts


@dataclass(frozen=True)
class TripOnDate:
    trip_id: int
    departs_at: datetime
    status: str
    paid: int = 0  # confirmed bookings: each refunded in full
    refund_total: int = 0
    holds: int = 0  # unpaid bookings: closed, nothing charged


@dataclass(frozen=True)
class DatePlan:
    """What cancelling a route's date for one operator will do, trip by trip."""

    trips: list[TripOnDate] = field(default_factory=list)

    @property
    def to_cancel(self) -> list[TripOnDate]:
        return [t for t in self.trips if t.status == TripStatus.SCHEDULED]

    @property
    def paid(self) -> int:
        return sum(t.paid for t in self.to_cancel)

    @property
    def refund_total(self) -> int:
        return sum(t.refund_total for t in self.to_cancel)

    @property
    def holds(self) -> int:
        return sum(t.holds for t in self.to_cancel)


def plan_date_cancellation(route_id: int, operator_id: int, day: date) -> DatePlan:
    """Every trip of the route and operator departing on the Lagos `day`, with what cancelling
    it would refund (two queries, whatever the number of bookings)."""
    start, end = clock.lagos_day_bounds(day)
    trips = db.session.execute(
        select(Trip.id, Trip.departs_at, Trip.status)
        .where(
            Trip.route_id == route_id,
            Trip.operator_id == operator_id,
            Trip.departs_at >= start,
            Trip.departs_at < end,
        )
        .order_by(Trip.departs_at, Trip.id)
    ).all()
    ids = [t.id for t in trips]
    paid = BookingStatus.CONFIRMED
    counts = {
        row.trip_id: row
        for row in db.session.execute(
            select(
                Booking.trip_id,
                func.count(Booking.id).filter(Booking.status == paid).label("paid"),
                func.coalesce(
                    func.sum(Booking.total_amount).filter(Booking.status == paid), 0
                ).label("refund_total"),
                func.count(Booking.id).filter(Booking.status.in_(HOLDING_STATUSES)).label("holds"),
            )
            .where(Booking.trip_id.in_(ids))
            .group_by(Booking.trip_id)
        )
    }
    plan = DatePlan()
    for t in trips:
        c = counts.get(t.id)
        plan.trips.append(
            TripOnDate(
                t.id,
                t.departs_at,
                t.status,
                paid=c.paid if c else 0,
                refund_total=int(c.refund_total) if c else 0,
                holds=c.holds if c else 0,
            )
        )
    return plan


@dataclass(frozen=True)
class DateCancelled:
    trips: int
    refunded: int
    holds_ended: int


def cancel_date(
    admin_user_id: int,
    route_id: int,
    operator_id: int,
    day: date,
    reason: str,
    confirmed_trip_ids: set[int],
) -> DateCancelled:
    """Cancel every scheduled trip of the route and operator on the Lagos `day`, each by
    `cancel_trip` (its own transaction: refunds requested and their jobs enqueued once it
    commits), then audit what this call cancelled. `confirmed_trip_ids` are the trips the admin
    was shown: if another one is scheduled now, nothing changes and they are asked to look
    again. A second submission finds nothing scheduled and changes nothing; two at once cancel
    each trip once (under its row lock), each audit naming the trips it cancelled."""
    scheduled = {t.trip_id for t in plan_date_cancellation(route_id, operator_id, day).to_cancel}
    if scheduled - confirmed_trip_ids:
        raise ConflictError(
            "The trips on this date have changed since you looked. Please check them again.",
            code="TRIPS_CHANGED",
        )
    totals = {"refunded": 0, "holds_ended": 0}
    cancelled = []
    for trip_id in sorted(scheduled):
        counts = cancel_trip(admin_user_id, trip_id, reason)
        if counts.pop("trip_cancelled"):
            cancelled.append(trip_id)  # not one another admin cancelled at the same moment
        for key, count in counts.items():
            totals[key] += count
    if cancelled:
        audit.record_action(
            admin_user_id,
            "route.date_cancelled",
            "route",
            route_id,
            operator_id=operator_id,
            date=day.isoformat(),
            trips=cancelled,
            reason=reason,
            **totals,
        )
    return DateCancelled(len(cancelled), totals["refunded"], totals["holds_ended"])


def _close_open_payments(booking: Booking, now: datetime, admin_user_id: int) -> None:
    """An unpaid booking's pending checkouts end with it (payment rows come after the booking
    in the lock order). Money that still arrives through one is refunded in full when verified."""
    payments = db.session.scalars(
        select(Payment)
        .where(Payment.booking_id == booking.id, Payment.status == PaymentStatus.PENDING)
        .order_by(Payment.id)
        .with_for_update()
    ).all()
    for payment in payments:
        payment.status = PaymentStatus.CANCELLED
        payment.failure_reason = "TRIP_CANCELLED"
        payment.updated_at = now
        audit.record(
            "payment.cancelled",
            "payment",
            payment.id,
            actor_user_id=admin_user_id,
            reason="TRIP_CANCELLED",
        )


def _paying_payment(booking: Booking) -> Payment:
    """The successful payment that confirmed the booking (not one refunded as a duplicate)."""
    duplicate = select(Refund.payment_id).where(Refund.reason == RefundReason.DUPLICATE_PAYMENT)
    payment = db.session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.status == PaymentStatus.SUCCESSFUL,
            Payment.id.not_in(duplicate),
        )
        .order_by(Payment.verified_at)
        .limit(1)
        .with_for_update()
    )
    if payment is None:
        raise CannotCancelError("No payment was found for this booking; contact support.")
    return payment


def _result(booking: Booking) -> CancellationResult:
    refund = db.session.scalar(
        select(Refund).where(
            Refund.booking_id == booking.id,
            Refund.reason.in_((RefundReason.PASSENGER_CANCELLED, RefundReason.TRIP_CANCELLED)),
        )
    )
    return CancellationResult(
        booking_id=booking.id,
        status=booking.status,
        refund_id=refund.id if refund else None,
        refund_amount=refund.amount if refund else 0,
        refund_status=refund.status if refund else None,
    )
