"""A trip's passenger manifest, and cancelling the trip (everyone refunded in full)."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp.admin import admin_required, bp
from webapp.booking.models import Booking
from webapp.cancellations.services import cancel_trip
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.payments.details import clean_name
from webapp.trips.models import Trip


@bp.get("/trips/<int:trip_id>")
@admin_required
def trip(trip_id: int) -> str:
    found = db.session.get(Trip, trip_id)
    if found is None:
        raise NotFoundError("We could not find that trip.")
    bookings = db.session.scalars(
        select(Booking).where(Booking.trip_id == trip_id).order_by(Booking.id)
    ).all()
    return render_template("admin/trip.html", trip=found, bookings=bookings)


@bp.post("/trips/<int:trip_id>/cancel")
@admin_required
def cancel(trip_id: int) -> Response:
    reason = clean_name(request.form.get("reason"))[:200]
    if len(reason) < 3:
        raise ValidationError("Give the passengers a reason (at least 3 characters).")
    counts = cancel_trip(current_user.id, trip_id, reason)
    flash(
        f"Trip cancelled: {counts['refunded']} paid bookings refunded in full, "
        f"{counts['holds_ended']} holds ended. Passengers are being told.",
        "success",
    )
    return redirect(url_for("admin.trip", trip_id=trip_id), 303)
