"""Payment endpoints of the JSON API and the Flutterwave webhook (SPEC §10)."""

import logging

from flask import Response, request, url_for

from webapp.api import bp
from webapp.api.auth import api_user, token_required
from webapp.api.operations import Answer, Auth, Idempotency, api_operation, link
from webapp.api.schemas import parse_body, respond
from webapp.boundary import raw_body
from webapp.errors import AuthenticationError, DomainError, ValidationError
from webapp.extensions import limiter
from webapp.gateways.base import WebhookRejectedError, WebhookUnreadableError
from webapp.idempotency.http import idempotent
from webapp.jobs.queues import enqueue
from webapp.payments import checkout, queries
from webapp.payments.models import Payment, PaymentStatus
from webapp.payments.schemas import (
    FlutterwaveWebhook,
    PassengerDetails,
    PaymentRequest,
    PaymentStarted,
    PaymentState,
    RefundSummary,
    WebhookReceived,
)
from webapp.payments.verification import settle_payment
from webapp.payments.webhooks import process_webhook_event, receive_webhook
from webapp.ratelimits import per_ip_and_account

log = logging.getLogger(__name__)


def _passenger_entries(passengers: list[PassengerDetails]) -> dict[str, tuple[object, object]]:
    entries: dict[str, tuple[object, object]] = {}
    for passenger in passengers:
        label = passenger.seatNumber.strip().upper()
        if label in entries:
            message = f"Seat {label} is listed twice."
            raise ValidationError(message, details={"passengers": message})
        entries[label] = (passenger.name, passenger.phone)
    return entries


def _payment_state(payment: Payment) -> PaymentState:
    return PaymentState(
        paymentId=payment.id,
        txRef=payment.tx_ref,
        status=payment.status,
        bookingId=payment.booking_id,
        bookingReference=payment.booking.reference,
        bookingStatus=payment.booking.status,
        amount=payment.amount,
        currency=payment.currency,
        checkoutUrl=payment.checkout_url,
        refunds=[
            RefundSummary(refundId=r.id, amount=r.amount, status=r.status, reason=r.reason)
            for r in payment.refunds
        ],
    )


@bp.post("/payments")
@api_operation(
    summary="Pay for a hold",
    description="Stores each seat's passenger and the contact e-mail, extends the hold once "
    "for the payment, and opens a payment at the gateway: send the passenger to "
    "`checkoutUrl`. Then poll `GET /api/payments/{paymentId}`.",
    tag="Payments",
    body=PaymentRequest,
    body_example={
        "bookingId": 7,
        "email": "ada@example.com",
        "passengers": [{"seatNumber": "3A", "name": "Ada Obi", "phone": "0803 123 4567"}],
    },
    responses={
        201: Answer(
            PaymentStarted,
            "the payment is open at the gateway",
            example={
                "paymentId": 1,
                "txRef": "RP-7KQ2M9XA-1",
                "status": "PENDING",
                "amount": 3050000,
                "currency": "NGN",
                "checkoutUrl": "https://checkout.flutterwave.com/v3/hosted/pay/4f2a9c",
            },
        )
    },
    links={
        201: {
            "PollPayment": link(
                "get_payment", "follow the payment", paymentId="$response.body#/paymentId"
            )
        }
    },
    errors={
        400: "no `Idempotency-Key` (`IDEMPOTENCY_KEY_REQUIRED`)",
        404: "no such booking of the caller's",
        409: "the hold has ended or is already paid",
        502: "the gateway did not answer or refused (`GATEWAY_UNAVAILABLE`, "
        "`GATEWAY_REJECTED`); nothing was charged",
    },
    idempotency=Idempotency.REQUIRED,
    rate_limited=True,
)
@token_required
@per_ip_and_account("CHECKOUT")
@idempotent(required=True)
def create_payment() -> tuple[Response, int]:
    asked = parse_body(
        PaymentRequest, '{"bookingId": 1, "email": ..., "passengers": [{"seatNumber": ...}]}'
    )
    user = api_user()
    booking = queries.booking_by_id(asked.bookingId, user)
    entries = _passenger_entries(asked.passengers)
    checkout.save_passenger_details(user.id, booking.id, asked.email, entries)
    started = checkout.start_checkout(
        user.id, booking.id, url_for("payments.payment_return", _external=True)
    )
    answer = PaymentStarted(
        paymentId=started.payment_id,
        txRef=started.tx_ref,
        status=PaymentStatus.PENDING,
        amount=started.amount,
        currency=started.currency,
        checkoutUrl=started.checkout_url,
    )
    return respond(answer, 201)


@bp.get("/payments/<id:payment_id>")
@api_operation(
    summary="A payment and its refunds",
    description="While the payment is `PENDING` this asks the gateway (at most every "
    "`PAYMENT_VERIFY_INTERVAL_SECONDS`), so polling it moves the booking on.",
    tag="Payments",
    responses={200: Answer(PaymentState, "the payment as it is now")},
    errors={404: "no such payment of the caller's"},
    path_examples={"payment_id": 1},
)
@token_required
def get_payment(payment_id: int) -> tuple[Response, int]:
    payment = queries.payment_for(payment_id, api_user())
    if payment.status == PaymentStatus.PENDING:
        settle_payment(payment.id, actor="api-poll", polled=True)
        payment = queries.payment_for(payment_id, api_user())
    return respond(_payment_state(payment))


@bp.post("/payments/webhook/flutterwave")
@api_operation(
    summary="Flutterwave's webhook",
    description="For Flutterwave only: the body is stored once and verified with the gateway "
    "before anything changes; a repeated event is a 200 no-op.",
    tag="Gateway",
    auth=Auth.WEBHOOK,
    body=FlutterwaveWebhook,
    responses={200: Answer(WebhookReceived, "stored (or seen before)")},
    errors={400: "not a webhook body Flutterwave sends (`BAD_WEBHOOK`)"},
)
@limiter.exempt
@raw_body  # authenticated first, then read by the gateway's own strict parser
def flutterwave_webhook() -> tuple[Response, int]:
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
    return respond(WebhookReceived(received=True, duplicate=not stored.is_new))
