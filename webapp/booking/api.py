"""Seat and hold endpoints of the JSON API (SPEC §10)."""

from flask import Response, current_app, request

from webapp import clock
from webapp.api import bp
from webapp.api.auth import api_user, token_required
from webapp.api.operations import Answer, Idempotency, api_operation, link
from webapp.api.schemas import parse_body, parse_query, respond
from webapp.booking import queries, services
from webapp.booking.schemas import (
    AvailableSeats,
    AvailableSeatsQuery,
    Hold,
    HoldReleased,
    ReserveRequest,
    Seat,
    SeatMap,
)
from webapp.clock import to_lagos
from webapp.errors import NotFoundError
from webapp.idempotency.http import answer_before_commit, idempotent
from webapp.ratelimits import per_ip_and_account

TRIP_NOT_FOUND = "no such trip"


def _states(trip_id: int, max_age: float = 0) -> queries.SeatStates:
    config = current_app.config
    states = queries.seat_states(
        trip_id, api_user().id, clock.now(), config["SALES_CUTOFF_MINUTES"], max_age
    )
    if states is None:
        raise NotFoundError("We could not find that trip.")
    return states


def _hold_answer(hold: services.HoldReceipt) -> Hold:
    return Hold(
        bookingId=hold.booking_id,
        reference=hold.reference,
        status=hold.status,
        seatNumbers=list(hold.seat_labels),
        expiresAt=to_lagos(hold.hold_expires_at).isoformat(),
        fareSubtotal=hold.fare_subtotal,
        serviceFee=hold.service_fee,
        totalAmount=hold.total_amount,
        currency=hold.currency,
    )


@bp.get("/trips/<id:trip_id>/seats")
@api_operation(
    summary="The seat map of a trip",
    description="Poll it with `If-None-Match` set to the last `ETag`: an unchanged map is a "
    "304 with no body.",
    tag="Seats and holds",
    responses={200: Answer(SeatMap, "every seat and whether it is free")},
    links={
        200: {
            "HoldFirstSeat": link(
                "reserve",
                "hold the first seat of the map",
                requestBody={
                    "tripId": "$response.body#/tripId",
                    "seatNumbers": ["$response.body#/seats/0/number"],
                },
            )
        }
    },
    errors={404: TRIP_NOT_FOUND},
    etag=True,
    path_examples={"trip_id": 42},
)
@token_required
def trip_seats(trip_id: int) -> Response:
    states = _states(trip_id, current_app.config["SEAT_STATE_CACHE_SECONDS"])
    if states.unchanged_for(request.if_none_match):
        response = Response(status=304)
    else:
        seats = [Seat(number=s.label, status=s.state, mine=s.mine) for s in states.seats.values()]
        response, _ = respond(SeatMap(tripId=trip_id, onSale=states.on_sale, seats=seats))
    response.headers["ETag"] = states.etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/bookings/reserve")
@api_operation(
    summary="The free seats of a trip (the first version of the API)",
    description="Kept for clients written against the first version; new clients read "
    "`GET /api/trips/{tripId}/seats`.",
    tag="Seats and holds",
    query=AvailableSeatsQuery,
    responses={200: Answer(AvailableSeats, "the seat numbers free right now")},
    links={
        200: {
            "HoldFirstFreeSeat": link(
                "reserve",
                "hold the first free seat",
                requestBody={
                    "tripId": "$response.body#/tripId",
                    "seatNumbers": ["$response.body#/seatNumbers/0"],
                },
            )
        }
    },
    errors={404: TRIP_NOT_FOUND},
)
@token_required
def available_seats() -> tuple[Response, int]:
    trip_id = parse_query(AvailableSeatsQuery).tripId
    states = _states(trip_id)
    return respond(
        AvailableSeats(tripId=trip_id, onSale=states.on_sale, seatNumbers=states.available)
    )


@bp.post("/bookings/reserve")
@api_operation(
    summary="Hold seats",
    description="All the seats or none, for `SEAT_HOLD_MINUTES`; pay before `expiresAt`.",
    tag="Seats and holds",
    body=ReserveRequest,
    body_example={"tripId": 42, "seatNumbers": ["3A", "3B"]},
    responses={
        201: Answer(
            Hold,
            "the seats are held for the caller",
            example={
                "bookingId": 7,
                "reference": "RP-7KQ2M9XA",
                "status": "HELD",
                "seatNumbers": ["3A", "3B"],
                "expiresAt": "2026-12-24T07:15:00+01:00",
                "fareSubtotal": 3000000,
                "serviceFee": 50000,
                "totalAmount": 3050000,
                "currency": "NGN",
            },
        )
    },
    links={
        201: {
            "PayForHold": link(
                "create_payment",
                "pay for these seats",
                requestBody={
                    "bookingId": "$response.body#/bookingId",
                    "email": "ada@example.com",
                    "passengers": [
                        {
                            "seatNumber": "$response.body#/seatNumbers/0",
                            "name": "Ada Obi",
                            "phone": "08031234567",
                        }
                    ],
                },
            ),
            "ReleaseHold": link(
                "release_hold", "let the seats go", bookingId="$response.body#/bookingId"
            ),
            "QuoteCancellation": link(
                "cancellation_quote",
                "what cancelling would refund",
                bookingId="$response.body#/bookingId",
            ),
            "Cancel": link("cancel", "cancel the booking", bookingId="$response.body#/bookingId"),
        }
    },
    errors={
        404: TRIP_NOT_FOUND,
        409: "a seat is taken (`SEATS_UNAVAILABLE`, `details.seatNumbers`), sales have "
        "closed, or the caller already has the most live holds allowed",
    },
    idempotency=Idempotency.OPTIONAL,
    rate_limited=True,
)
@token_required
@per_ip_and_account("HOLD")
@idempotent(answered_before_commit=True)
def reserve() -> Response:
    wanted = parse_body(ReserveRequest, '{"tripId": 12, "seatNumbers": ["1A"]}')
    return answer_before_commit(
        lambda before_commit: services.hold_seats(
            api_user().id, wanted.tripId, wanted.seatNumbers, before_commit
        ),
        lambda hold: respond(_hold_answer(hold), 201),
    )


@bp.delete("/bookings/<id:booking_id>/hold")
@api_operation(
    summary="Release a hold",
    tag="Seats and holds",
    responses={200: Answer(HoldReleased, "the booking as it is now")},
    errors={404: "no such booking of the caller's", 409: "the booking is no longer held"},
    path_examples={"booking_id": 7},
)
@token_required
def release_hold(booking_id: int) -> tuple[Response, int]:
    booking = services.release_hold(api_user().id, booking_id)
    return respond(
        HoldReleased(bookingId=booking.id, reference=booking.reference, status=booking.status)
    )
