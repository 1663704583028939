"""Payment endpoints of the JSON API and the Flutterwave webhook (SPEC §10)."""

import logging
from typing import Any

from flask import Response, jsonify, request, url_for

from webapp.api import bp
from webapp.api.auth import api_user, token_required
from webapp.boundary import raw_body
from webapp.errors import AuthenticationError, DomainError, ValidationError
from webapp.extensions import limiter
from webapp.gateways.base import WebhookRejectedError, WebhookUnreadableError
from webapp.idempotency.http import idempotent
from webapp.jobs.queues import enqueue
from webapp.payments import checkout, queries
from webapp.payments.models import Payment, PaymentStatus
from webapp.payments.verification import settle_payment
from webapp.payments.webhooks import process_webhook_event, receive_webhook
from webapp.ratelimits import per_ip_and_account

log = logging.getLogger(__name__)


def _passenger_entries(raw: Any) -> dict[str, tuple[object, object]]:
    if not isinstance(raw, list) or not raw:
        message = (
            'passengers must be a list like [{"seatNumber": "1A", "name": ..., "phone": ...}].'
        )
        raise ValidationError(message, details={"passengers": message})
    entries: dict[str, tuple[object, object]] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("seatNumber"), str):
            message = "Each passenger needs a seatNumber, a name and a phone."
            raise ValidationError(message, details={"passengers": message})
        label = item["seatNumber"].strip().upper()
        if label in entries:
            message = f"Seat {label} is listed twice."
            raise ValidationError(message, details={"passengers": message})
        entries[label] = (item.get("name"), item.get("phone"))
    return entries


def _payment_json(payment: Payment) -> dict[str, Any]:
    return {
        "paymentId": payment.id,
        "txRef": payment.tx_ref,
        "status": payment.status,
        "bookingId": payment.booking_id,
        "bookingReference": payment.booking.reference,
        "bookingStatus": payment.booking.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "checkoutUrl": payment.checkout_url,
        "refunds": [
            {"refundId": r.id, "amount": r.amount, "status": r.status, "reason": r.reason}
            for r in payment.refunds
        ],
    }


@bp.post("/payments")
@token_required
@per_ip_and_account("CHECKOUT")
@idempotent(required=True)
def create_payment() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(
            'Send a JSON object like {"bookingId": 1, "email": ..., "passengers": [...]}.'
        )
    booking_id = body.get("bookingId")
    if isinstance(booking_id, bool) or not isinstance(booking_id, int) or booking_id <= 0:
        message = "bookingId must be a positive whole number."
        raise ValidationError(message, details={"bookingId": message})
    user = api_user()
    booking = queries.booking_by_id(booking_id, user)
    entries = _passenger_entries(body.get("passengers"))
    checkout.save_passenger_details(user.id, booking.id, str(body.get("email") or ""), entries)
    started = checkout.start_checkout(
        user.id, booking.id, url_for("payments.payment_return", _external=True)
    )
    return jsonify(
        {
            "paymentId": started.payment_id,
            "txRef": started.tx_ref,
            "status": PaymentStatus.PENDING,
            "amount": started.amount,
            "currency": started.currency,
            "checkoutUrl": started.checkout_url,
        }
    ), 201


@bp.get("/payments/<id:payment_id>")
@token_required
def get_payment(payment_id: int) -> Response:
    payment = queries.payment_for(payment_id, api_user())
    if payment.status == PaymentStatus.PENDING:
        settle_payment(payment.id, actor="api-poll", polled=True)
        payment = queries.payment_for(payment_id, api_user())
    return jsonify(_payment_json(payment))


@bp.post("/payments/webhook/flutterwave")
@limiter.exempt
@raw_body  # authenticated first, then read by the gateway's own strict parser
def flutterwave_webhook() -> Response:
    """Authenticate, store once, answer 200; verification and apply happen on the queue (or
    here, before answering, when Redis is down)."""
    try:
        stored = receive_webhook(
            {k.lower(): v for k, v in request.headers.items()}, request.get_data()
        )
    except WebhookRejectedError as error:
        log.warning("webhook refused: %s", error)
        raise AuthenticationError(
            "Webhook signature missing or wrong.", code="INVALID_SIGNATURE"
        ) from error
    except WebhookUnreadableError as error:
        raise DomainError(f"Unreadable webhook: {error}", code="BAD_WEBHOOK") from error
    if not stored.already_processed and enqueue("process-webhook", stored.event_id) is None:
        process_webhook_event(stored.event_id)  # no Redis: verify and apply before answering
    return jsonify({"received": True, "duplicate": not stored.is_new})
