"""Holding and releasing seats from the seat map. htmx requests get the panel fragment back;
plain form posts get a 303 to the trip page."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp.booking import services
from webapp.booking.models import Booking
from webapp.booking.panel import hold_panel_context
from webapp.errors import DomainError, NotFoundError
from webapp.extensions import db
from webapp.idempotency.http import idempotent
from webapp.ratelimits import per_ip_and_account
from webapp.trips.models import Trip

bp = Blueprint("booking", __name__)

SEATS_CHANGED = "seats-changed"  # htmx event that makes the seat map refresh at once


def _panel(trip: Trip, status: int = 200, error: str | None = None) -> tuple[str, int, dict]:
    html = render_template("booking/_hold_panel.html", **hold_panel_context(trip, error=error))
    return html, status, {"HX-Trigger": SEATS_CHANGED, "Vary": "HX-Request"}


def _trip_or_404(trip_id: int) -> Trip:
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFoundError("We could not find that trip.")
    return trip


@bp.post("/trips/<int:trip_id>/hold")
@login_required
@per_ip_and_account("HOLD")
@idempotent()
def hold(trip_id: int) -> Response | tuple[str, int, dict]:
    trip = _trip_or_404(trip_id)
    labels = [part for value in request.form.getlist("seats") for part in value.split(",")]
    try:
        hold = services.hold_seats(current_user.id, trip.id, labels)
    except DomainError as error:
        if request.headers.get("HX-Request"):
            return _panel(trip, error.status_code, error.message)
        flash(error.message, "error")
        return redirect(url_for("trips.trip", trip_id=trip.id), 303)
    if request.headers.get("HX-Request"):
        return _panel(trip, 201)
    flash(f"Seats {', '.join(hold.seat_labels)} are held for you.", "success")
    return redirect(url_for("trips.trip", trip_id=trip.id), 303)


@bp.post("/bookings/<reference>/release")
@login_required
def release(reference: str) -> Response | tuple[str, int, dict]:
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference[:12]))
    if booking is None or booking.user_id != current_user.id:
        raise NotFoundError("We could not find that booking.")
    trip = booking.trip
    try:
        services.release_hold(current_user.id, booking.id)
    except DomainError as error:
        if request.headers.get("HX-Request"):
            return _panel(trip, error.status_code, error.message)
        flash(error.message, "error")
    else:
        if request.headers.get("HX-Request"):
            return _panel(trip)
        flash("Your seats are released.", "info")
    return redirect(url_for("trips.trip", trip_id=trip.id), 303)
