"""Cancellation endpoints of the JSON API: the quote, then the cancellation (SPEC §10)."""

from flask import Response

from webapp.api import bp
from webapp.api.auth import api_user, token_required
from webapp.api.operations import Answer, Idempotency, api_operation
from webapp.api.schemas import parse_body, respond
from webapp.cancellations.policy import quote_cancellation
from webapp.cancellations.schemas import Cancellation, CancelRequest, Quote, RefundStarted
from webapp.cancellations.services import cancel_booking
from webapp.idempotency.http import idempotent
from webapp.payments import queries

NOT_FOUND = "no such booking of the caller's"


@bp.get("/bookings/<id:booking_id>/cancel")
@api_operation(
    summary="What cancelling would refund",
    description="The booking's own refund policy applied to the time left before departure.",
    tag="Cancellations",
    responses={200: Answer(Quote, "the refund a cancellation now would make")},
    errors={
        404: NOT_FOUND,
        409: "the booking cannot be cancelled (`CANNOT_CANCEL`): not paid yet, "
        "already cancelled, or departed",
    },
    path_examples={"booking_id": 7},
)
@token_required
def cancellation_quote(booking_id: int) -> tuple[Response, int]:
    quote = quote_cancellation(queries.booking_by_id(booking_id, api_user()))
    return respond(
        Quote(
            bookingId=quote.booking_id,
            refundAmount=quote.refund_amount,
            currency=quote.currency,
            refundPercentOfFare=quote.refund_bps / 100,
            fareSubtotal=quote.fare_subtotal,
            serviceFeeKept=quote.service_fee,
            hoursBeforeDeparture=round(quote.hours_before, 2),
        )
    )


@bp.post("/bookings/<id:booking_id>/cancel")
@api_operation(
    summary="Cancel a booking",
    description="A paid booking is cancelled and refunded by the booking's policy (the "
    "service fee is kept); a hold is let go with `DELETE /api/bookings/{bookingId}/hold`. "
    "Send no body, or `expectedRefund` from the quote.",
    tag="Cancellations",
    body=CancelRequest,
    body_required=False,
    body_example={"expectedRefund": 1_080_000},
    responses={200: Answer(Cancellation, "the booking is cancelled")},
    errors={
        404: NOT_FOUND,
        409: "not cancellable (`CANNOT_CANCEL`: not paid, already cancelled, departed), or the "
        "refund is no longer `expectedRefund` (`details.refundAmount` has the new one)",
    },
    idempotency=Idempotency.OPTIONAL,
    path_examples={"booking_id": 7},
)
@token_required
@idempotent()
def cancel(booking_id: int) -> tuple[Response, int]:
    asked = parse_body(CancelRequest, '{"expectedRefund": 1080000}', empty_is={})
    result = cancel_booking(api_user().id, booking_id, asked.expectedRefund)  # checks ownership
    refund = (
        RefundStarted(
            refundId=result.refund_id, amount=result.refund_amount, status=result.refund_status
        )
        if result.refund_id
        else None
    )
    return respond(Cancellation(bookingId=result.booking_id, status=result.status, refund=refund))
