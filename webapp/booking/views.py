"""The trip page with its live seat map, and holding and releasing seats from it.

The seat map alone is served for htmx polling (304 while nothing changed). Holds and releases
answer htmx requests with the panel fragment; plain form posts get a 303 to the trip page.
"""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp import clock
from webapp.booking import seat_cache, services
from webapp.booking.models import Booking
from webapp.booking.panel import hold_panel_context
from webapp.booking.queries import SeatStates, seat_map, seat_states
from webapp.errors import DomainError, NotFoundError
from webapp.extensions import db
from webapp.idempotency.http import idempotent
from webapp.ratelimits import per_ip_and_account
from webapp.trips import queries as trip_queries
from webapp.trips.models import Trip

bp = Blueprint("booking", __name__)

SEATS_CHANGED = "seats-changed"  # htmx event that makes the seat map refresh at once


def _panel(
    trip: Trip, status: int = 200, error: str | None = None, chosen: list[str] | None = None
) -> tuple[str, int, dict]:
    context = hold_panel_context(trip, error=error, chosen=chosen or [])
    html = render_template("booking/_hold_panel.html", **context)
    return html, status, {"HX-Trigger": SEATS_CHANGED, "Vary": "HX-Request"}


def _trip_or_404(trip_id: int) -> Trip:
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFoundError("We could not find that trip.")
    return trip


@bp.post("/trips/<id:trip_id>/hold")
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
            return _panel(trip, error.status_code, error.message, _chosen(labels))
        flash(error.message, "error")
        return redirect(url_for("booking.trip", trip_id=trip.id, seats=",".join(labels)), 303)
    if request.headers.get("HX-Request"):
        return _panel(trip, 201)
    flash(f"Seats {', '.join(hold.seat_labels)} are held for you.", "success")
    return redirect(url_for("booking.trip", trip_id=trip.id), 303)


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
        flash(
            f"Seats {', '.join(booking.seat_labels)} of {booking.reference} are released.", "info"
        )
    if request.form.get("back") == "bookings":
        return redirect(url_for("tickets.my_bookings"), 303)
    return redirect(url_for("booking.trip", trip_id=trip.id), 303)


def _chosen(labels: list[str]) -> list[str]:
    """Seat labels worth picking again on the map: short and plain, at most a busload."""
    return [label for label in labels if label.isalnum() and len(label) <= 4][:60]


def _viewer_id() -> int | None:
    """The signed-in user's id straight from the signed session cookie: polling stays one query."""
    raw = session.get("_user_id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _seat_states(trip_id: int, max_age: float = 0) -> SeatStates:
    states = seat_states(
        trip_id, _viewer_id(), clock.now(), current_app.config["SALES_CUTOFF_MINUTES"], max_age
    )
    if states is None:
        raise NotFoundError("We could not find that trip.")
    return states


@bp.get("/trips/<id:trip_id>")
def trip(trip_id: int) -> Response:
    config = current_app.config
    card = trip_queries.trip_card(trip_id, clock.now(), config["SALES_CUTOFF_MINUTES"])
    trip = db.session.get(Trip, trip_id)
    if card is None or trip is None:
        raise NotFoundError("We could not find that trip.")
    states = _seat_states(trip_id)
    html = render_template(
        "booking/trip.html",
        card=card,
        decks=seat_map(trip, states, cached=config["SEAT_STATE_CACHE_SECONDS"] > 0),
        states=states,
        poll_seconds=config["SEAT_POLL_SECONDS"],
        **hold_panel_context(trip, chosen=_chosen(request.args.get("seats", "").split(","))),
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/trips/<id:trip_id>/seats")
def seats(trip_id: int) -> Response:
    """The seat map alone, for htmx polling: 304 when nothing the viewer sees has changed."""
    config = current_app.config
    cached = config["SEAT_STATE_CACHE_SECONDS"] > 0
    states = _seat_states(trip_id, config["SEAT_STATE_CACHE_SECONDS"])
    if states.unchanged_for(request.if_none_match):
        response = Response(status=304)
    else:

        def render() -> str:
            return render_template(
                "booking/_seat_map.html",
                trip_id=trip_id,
                decks=seat_map(db.session.get(Trip, trip_id), states, cached=cached),
                states=states,
                poll_seconds=config["SEAT_POLL_SECONDS"],
            )

        response = make_response(
            seat_cache.fragment(trip_id, states.etag, render) if cached else render()
        )
    response.headers["ETag"] = states.etag
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Cookie"
    return response
