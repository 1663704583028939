"""Gateway webhooks: authenticate, store once, then verify and apply (SPEC §4).

A webhook only triggers verification: what it claims is never applied as such. Storing it
first means a delivery is never lost even when verification has to wait for the gateway.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import clock
from webapp.database import begin_write
from webapp.extensions import db
from webapp.gateways import payment_gateway
from webapp.gateways.base import WebhookNotice, WebhookUnreadableError
from webapp.payments.models import Payment, WebhookEvent
from webapp.payments.verification import settle_payment

# Event types other features process (stored event id → outcome); registered by create_app,
# so this package never imports theirs. `transfer.completed` belongs to settlements' payouts.
EVENT_HANDLERS: dict[str, Callable[[int], str]] = {}


@dataclass(frozen=True)
class StoredWebhook:
    event_id: int
    is_new: bool
    already_processed: bool


REJECTED = "REJECTED"


def receive_webhook(headers: dict[str, str], body: bytes) -> StoredWebhook:
    """Authenticate (raises WebhookRejectedError: nothing stored) and store the event once.

    An authentic body that is not what the gateway sends (not JSON, NaN, a NUL, an enormous or
    nested `data.id`...) is stored as rejected, by its digest only, so none of it reaches a
    column's type, and WebhookUnreadableError is raised for a 400."""
    gateway = payment_gateway()
    try:
        notice = gateway.parse_webhook(headers, body)
    except WebhookUnreadableError as error:
        _store(gateway.name, _rejected_notice(body, str(error)), outcome=REJECTED)
        raise
    return _store(gateway.name, notice)


def _rejected_notice(body: bytes, reason: str) -> WebhookNotice:
    digest = hashlib.sha256(body).hexdigest()
    return WebhookNotice(
        event_type="rejected",
        dedupe_key=f"rejected:{digest}",
        transaction_id=None,
        tx_ref=None,
        status=None,
        payload={"rejected": reason[:200], "sha256": digest, "bytes": len(body)},
    )


def _store(provider: str, notice: WebhookNotice, *, outcome: str | None = None) -> StoredWebhook:
    begin_write()
    now = clock.now()
    event = WebhookEvent(
        provider=provider,
        dedupe_key=notice.dedupe_key,
        event_type=notice.event_type,
        tx_ref=notice.tx_ref,
        transaction_id=notice.transaction_id,
        payload=notice.payload,
        received_at=now,
        processed_at=now if outcome else None,
        outcome=outcome,
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:
        existing = db.session.scalar(
            select(WebhookEvent).where(
                WebhookEvent.provider == provider, WebhookEvent.dedupe_key == notice.dedupe_key
            )
        )
        db.session.commit()
        assert existing is not None
        return StoredWebhook(existing.id, False, existing.processed_at is not None)
    db.session.commit()
    return StoredWebhook(event.id, True, False)


def process_webhook_event(event_id: int) -> str:
    """Verify and apply what a stored event is about; marks it processed once applied."""
    event = db.session.get(WebhookEvent, event_id)
    if event is None or event.processed_at is not None:
        return "done"
    handler = EVENT_HANDLERS.get(event.event_type)
    if handler is not None:  # an event another feature owns, e.g. a payout's transfer
        return handler(event_id)
    payment_id = db.session.scalar(select(Payment.id).where(Payment.tx_ref == event.tx_ref))
    transaction_id = event.transaction_id
    if payment_id is None:
        outcome = "UNKNOWN_TX_REF"
    else:
        settled = settle_payment(payment_id, transaction_id, actor="webhook")
        if not settled.verified:
            return "retry"  # the gateway could not say; reconciliation will come back to it
        outcome = settled.payment_status
    begin_write()
    event = db.session.get(WebhookEvent, event_id)
    assert event is not None
    if event.processed_at is None:
        event.processed_at = clock.now()
        event.outcome = outcome
    db.session.commit()
    return outcome
