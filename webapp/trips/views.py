"""Search pages and the trip page."""

from flask import Blueprint, Response, current_app, make_response, render_template, request, session

from webapp import clock
from webapp.booking import seat_cache
from webapp.booking.panel import hold_panel_context
from webapp.booking.queries import SeatStates, seat_map, seat_states
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.trips import queries
from webapp.trips.models import Trip
from webapp.trips.search import parse_search

bp = Blueprint("trips", __name__)


def _search_form_context(values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    return {
        "cities": queries.list_cities(),
        "values": values,
        "errors": errors,
        "today": clock.today_in_lagos().isoformat(),
    }


@bp.get("/")
def home() -> str:
    values = {"origin": "", "destination": "", "date": clock.today_in_lagos().isoformat()}
    return render_template("trips/home.html", **_search_form_context(values, {}))


@bp.get("/trips")
def results() -> tuple[str, int]:
    values = {key: request.args.get(key, "")[:100] for key in ("origin", "destination", "date")}
    config = current_app.config
    try:
        criteria = parse_search(
            values["origin"],
            values["destination"],
            values["date"],
            today=clock.today_in_lagos(),
            max_days=config["SEARCH_MAX_DAYS_AHEAD"],
        )
    except ValidationError as error:
        context = _search_form_context(values, error.details)
        return render_template("trips/home.html", **context), 422
    trips = queries.search_trips(criteria, clock.now(), config["SALES_CUTOFF_MINUTES"])
    values = {
        "origin": criteria.origin.slug,
        "destination": criteria.destination.slug,
        "date": criteria.day.isoformat(),
    }
    context = _search_form_context(values, {})
    return render_template("trips/results.html", trips=trips, criteria=criteria, **context), 200


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


@bp.get("/trips/<int:trip_id>")
def trip(trip_id: int) -> Response:
    config = current_app.config
    card = queries.trip_card(trip_id, clock.now(), config["SALES_CUTOFF_MINUTES"])
    trip = db.session.get(Trip, trip_id)
    if card is None or trip is None:
        raise NotFoundError("We could not find that trip.")
    states = _seat_states(trip_id)
    html = render_template(
        "trips/trip.html",
        card=card,
        decks=seat_map(trip, states, cached=config["SEAT_STATE_CACHE_SECONDS"] > 0),
        states=states,
        poll_seconds=config["SEAT_POLL_SECONDS"],
        **hold_panel_context(trip),
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/trips/<int:trip_id>/seats")
def seats(trip_id: int) -> Response:
    """The seat map alone, for htmx polling: 304 when nothing the viewer sees has changed."""
    config = current_app.config
    cached = config["SEAT_STATE_CACHE_SECONDS"] > 0
    states = _seat_states(trip_id, config["SEAT_STATE_CACHE_SECONDS"])
    if request.if_none_match.contains(states.etag.strip('"')):
        response = Response(status=304)
    else:

        def render() -> str:
            return render_template(
                "trips/_seat_map.html",
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
