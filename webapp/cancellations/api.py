"""Cancellation endpoints of the JSON API: the quote, then the cancellation (SPEC §10)."""

from typing import Any

from flask import Response, jsonify, request

from webapp.api import bp
from webapp.api.auth import api_user, token_required
from webapp.cancellations.policy import CancellationQuote, quote_cancellation
from webapp.cancellations.services import cancel_booking
from webapp.errors import ValidationError
from webapp.idempotency.http import idempotent
from webapp.payments import queries


def _quote_json(quote: CancellationQuote) -> dict[str, Any]:
    return {
        "bookingId": quote.booking_id,
        "refundAmount": quote.refund_amount,
        "currency": quote.currency,
        "refundPercentOfFare": quote.refund_bps / 100,
        "fareSubtotal": quote.fare_subtotal,
        "serviceFeeKept": quote.service_fee,
        "hoursBeforeDeparture": round(quote.hours_before, 2),
    }


@bp.get("/bookings/<id:booking_id>/cancel")
@token_required
def cancellation_quote(booking_id: int) -> Response:
    booking = queries.booking_by_id(booking_id, api_user())
    return jsonify(_quote_json(quote_cancellation(booking)))


@bp.post("/bookings/<id:booking_id>/cancel")
@token_required
@idempotent()
def cancel(booking_id: int) -> Response:
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise ValidationError('Send no body, or {"expectedRefund": <amount in kobo>}.')
    expected = body.get("expectedRefund")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        message = "expectedRefund must be a whole number of kobo."
        raise ValidationError(message, details={"expectedRefund": message})
    result = cancel_booking(api_user().id, booking_id, expected)  # it checks ownership
    refund = (
        {
            "refundId": result.refund_id,
            "amount": result.refund_amount,
            "status": result.refund_status,
        }
        if result.refund_id
        else None
    )
    return jsonify({"bookingId": result.booking_id, "status": result.status, "refund": refund})
