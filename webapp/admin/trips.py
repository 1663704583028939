"""A trip's passenger manifest, and cancelling the trip (everyone refunded in full)."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp.admin import admin_required, bp
from webapp.booking.models import HOLDING_STATUSES, Booking, BookingStatus
from webapp.cancellations.services import cancel_trip
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.payments.details import clean_name
from webapp.trips.models import Trip


def _trip_or_404(trip_id: int) -> Trip:
    found = db.session.get(Trip, trip_id)
    if found is None:
        raise NotFoundError("We could not find that trip.")
    return found


@bp.get("/trips/<int:trip_id>")
@admin_required
def trip(trip_id: int) -> str:
    found = _trip_or_404(trip_id)
    bookings = db.session.scalars(
        select(Booking).where(Booking.trip_id == trip_id).order_by(Booking.id)
    ).all()
    return render_template("admin/trip.html", trip=found, bookings=bookings)


@bp.get("/trips/<int:trip_id>/cancel")
@admin_required
def confirm_cancel(trip_id: int) -> str:
    """What cancelling the trip will do, and the one button that does it."""
    found = _trip_or_404(trip_id)
    bookings = db.session.scalars(select(Booking).where(Booking.trip_id == trip_id)).all()
    paid = [b for b in bookings if b.status == BookingStatus.CONFIRMED]
    return render_template(
        "admin/trip_cancel.html",
        trip=found,
        paid=len(paid),
        refund_total=sum(b.total_amount for b in paid),
        holds=sum(1 for b in bookings if b.status in HOLDING_STATUSES),
    )


def _bookings(count: int, what: str) -> str:
    return f"{count} {what} booking{'' if count == 1 else 's'}"


@bp.post("/trips/<int:trip_id>/cancel")
@admin_required
def cancel(trip_id: int) -> Response:
    reason = clean_name(request.form.get("reason"))[:200]
    if len(reason) < 3:
        raise ValidationError("Give the passengers a reason (at least 3 characters).")
    counts = cancel_trip(current_user.id, trip_id, reason)
    flash(
        f"Trip cancelled: {_bookings(counts['refunded'], 'paid')} refunded in full, "
        f"{_bookings(counts['holds_ended'], 'unpaid')} closed (nothing was charged). "
        "Passengers are being told.",
        "success",
    )
    return redirect(url_for("admin.trip", trip_id=trip_id), 303)
