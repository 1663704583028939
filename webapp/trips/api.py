"""`GET /api/trips?origin=&destination=&date=`."""

from flask import Response, current_app

from webapp import clock
from webapp.api import bp
from webapp.api.auth import token_required
from webapp.api.operations import Answer, api_operation, link
from webapp.api.schemas import parse_query, respond
from webapp.trips import queries
from webapp.trips.schemas import TripList, TripSearchQuery, TripSummary
from webapp.trips.search import parse_search


@bp.get("/trips")
@api_operation(
    summary="Search trips",
    description="Trips between two cities on one day, in departure order. A city not served, "
    "a past date or one too far ahead is a 422 naming the field.",
    tag="Trips",
    query=TripSearchQuery,
    responses={200: Answer(TripList, "the day's trips (possibly none)")},
    links={
        200: {
            "FreeSeats": link(
                "available_seats",
                "the first trip's free seats",
                tripId="$response.body#/trips/0/tripId",
            ),
            "SeatMap": link(
                "trip_seats", "the first trip's seats", tripId="$response.body#/trips/0/tripId"
            ),
            "Hold": link(
                "reserve",
                "hold a seat on the first trip",
                requestBody={"tripId": "$response.body#/trips/0/tripId", "seatNumbers": ["1A"]},
            ),
        }
    },
)
@token_required
def list_trips() -> tuple[Response, int]:
    config = current_app.config
    asked = parse_query(TripSearchQuery)
    criteria = parse_search(
        asked.origin,
        asked.destination,
        asked.date,
        today=clock.today_in_lagos(),
        max_days=config["SEARCH_MAX_DAYS_AHEAD"],
    )
    trips = queries.search_trips(criteria, clock.now(), config["SALES_CUTOFF_MINUTES"])
    return respond(
        TripList(
            origin=criteria.origin.name,
            destination=criteria.destination.name,
            date=criteria.day.isoformat(),
            trips=[TripSummary.model_validate(trip.to_json()) for trip in trips],
        )
    )
