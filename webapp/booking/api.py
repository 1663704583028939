"""Seat and hold endpoints of the JSON API (SPEC §10)."""

from typing import Any

from flask import Response, current_app, jsonify, request

from webapp import clock
from webapp.api import bp
from webapp.api.auth import api_user, token_required
from webapp.booking import queries, services
from webapp.clock import to_lagos
from webapp.errors import NotFoundError, ValidationError
from webapp.idempotency.http import idempotent
from webapp.ratelimits import per_ip_and_account


def _trip_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = None
    try:
        trip_id = int(value) if value is not None else 0
    except ValueError:
        trip_id = 0
    if trip_id <= 0:
        message = "tripId must be a positive whole number."
        raise ValidationError(message, details={"tripId": message})
    return trip_id


def _states(trip_id: int, max_age: float = 0) -> queries.SeatStates:
    config = current_app.config
    states = queries.seat_states(
        trip_id, api_user().id, clock.now(), config["SALES_CUTOFF_MINUTES"], max_age
    )
    if states is None:
        raise NotFoundError("We could not find that trip.")
    return states


def _hold_json(hold: services.HoldReceipt) -> dict[str, Any]:
    return {
        "bookingId": hold.booking_id,
        "reference": hold.reference,
        "status": hold.status,
        "seatNumbers": list(hold.seat_labels),
        "expiresAt": to_lagos(hold.hold_expires_at).isoformat(),
        "fareSubtotal": hold.fare_subtotal,
        "serviceFee": hold.service_fee,
        "totalAmount": hold.total_amount,
        "currency": hold.currency,
    }


@bp.get("/trips/<id:trip_id>/seats")
@token_required
def trip_seats(trip_id: int) -> Response:
    states = _states(trip_id, current_app.config["SEAT_STATE_CACHE_SECONDS"])
    if states.unchanged_for(request.if_none_match):
        response = Response(status=304)
    else:
        response = jsonify(
            {
                "tripId": trip_id,
                "onSale": states.on_sale,
                "seats": [
                    {"number": s.label, "status": s.state, "mine": s.mine}
                    for s in states.seats.values()
                ],
            }
        )
    response.headers["ETag"] = states.etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/bookings/reserve")
@token_required
def available_seats() -> Response:
    trip_id = _trip_id(request.args.get("tripId"))
    states = _states(trip_id)
    return jsonify({"tripId": trip_id, "onSale": states.on_sale, "seatNumbers": states.available})


@bp.post("/bookings/reserve")
@token_required
@per_ip_and_account("HOLD")
@idempotent()
def reserve() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError('Send a JSON object like {"tripId": 12, "seatNumbers": ["1A"]}.')
    trip_id = _trip_id(body.get("tripId"))
    labels = body.get("seatNumbers")
    if not isinstance(labels, list):
        message = 'seatNumbers must be a list of seat numbers such as ["1A", "1B"].'
        raise ValidationError(message, details={"seatNumbers": message})
    hold = services.hold_seats(api_user().id, trip_id, labels)
    return jsonify(_hold_json(hold)), 201


@bp.delete("/bookings/<id:booking_id>/hold")
@token_required
def release_hold(booking_id: int) -> Response:
    booking = services.release_hold(api_user().id, booking_id)
    return jsonify(
        {"bookingId": booking.id, "reference": booking.reference, "status": booking.status}
    )
