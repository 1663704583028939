"""`GET /api/trips?origin=&destination=&date=`."""

from flask import Response, current_app, jsonify, request

from webapp import clock
from webapp.api import bp
from webapp.api.auth import token_required
from webapp.trips import queries
from webapp.trips.search import parse_search


@bp.get("/trips")
@token_required
def list_trips() -> Response:
    config = current_app.config
    criteria = parse_search(
        request.args.get("origin"),
        request.args.get("destination"),
        request.args.get("date"),
        today=clock.today_in_lagos(),
        max_days=config["SEARCH_MAX_DAYS_AHEAD"],
    )
    trips = queries.search_trips(criteria, clock.now(), config["SALES_CUTOFF_MINUTES"])
    return jsonify(
        {
            "origin": criteria.origin.name,
            "destination": criteria.destination.name,
            "date": criteria.day.isoformat(),
            "trips": [trip.to_json() for trip in trips],
        }
    )
