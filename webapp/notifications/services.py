"""Writing to the notification outbox, inside the transaction of the change being announced.

The outbox row commits with that change or not at all; the send-notifications job delivers it.
A unique `dedupe_key` per message means a repeated event never queues a second copy.
"""

from flask import current_app, render_template
from sqlalchemy import select

from webapp import clock
from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.jobs.dispatch import after_commit
from webapp.notifications.models import Notification


def queue_notification(
    kind: str, booking: Booking, subject: str, *, key: str | None = None, **context: object
) -> None:
    """Queue one message about `booking` to its contact address (flushes, never commits).
    `key` names what it announces when a booking can have several (one per refund)."""
    dedupe_key = key or f"{kind}:{booking.id}"
    exists = db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if exists is not None:  # the unique index has the last word; this keeps the flush clean
        return
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    body = render_template(
        f"notifications/{kind}.txt",
        booking=booking,
        ticket_url=f"{base}/bookings/{booking.reference}",
        **context,
    )
    notification = Notification(
        dedupe_key=dedupe_key,
        kind=kind,
        user_id=booking.user_id,
        booking_id=booking.id,
        to_email=booking.contact_email or booking.user.email,
        subject=subject,
        body=body,
        created_at=clock.now(),
    )
    db.session.add(notification)
    db.session.flush()
    after_commit("send-notifications", notification.id)
