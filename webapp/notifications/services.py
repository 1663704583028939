"""Writing to the notification outbox, inside the transaction of the change being announced.

The outbox row commits with that change or not at all; the send-notifications job delivers it.
A unique `dedupe_key` per message means a repeated event never queues a second copy.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask import current_app, render_template
from sqlalchemy import select

from webapp import clock
from webapp.extensions import db
from webapp.jobs.dispatch import after_commit
from webapp.notifications.models import Notification

if TYPE_CHECKING:  # a type only: accounts queue e-mails too, and booking depends on accounts
    from webapp.booking.models import Booking


def queue_notification(
    kind: str,
    booking: "Booking",
    subject: str,
    *,
    key: str | None = None,
    attachments: Sequence[str] = (),
    **context: object,
) -> None:
    """Queue one message about `booking` to its contact address (flushes, never commits).
    `key` names what it announces when a booking can have several (one per refund)."""
    queue_email(
        kind,
        booking.contact_email or booking.user.email,
        subject,
        key=key or f"{kind}:{booking.id}",
        user_id=booking.user_id,
        booking_id=booking.id,
        attachments=attachments,
        booking=booking,
        ticket_url=f"{public_base_url()}/bookings/{booking.reference}",
        **context,
    )


def queue_email(
    kind: str,
    to_email: str,
    subject: str,
    *,
    key: str,
    user_id: int | None = None,
    booking_id: int | None = None,
    attachments: Sequence[str] = (),
    **context: object,
) -> None:
    """Queue one message rendered from `notifications/<kind>.txt` (flushes, never commits).
    `attachments` name files drawn when it is sent (see notifications/attachments.py)."""
    exists = db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key))
    if exists is not None:  # the unique index has the last word; this keeps the flush clean
        return
    notification = Notification(
        dedupe_key=key,
        kind=kind,
        user_id=user_id,
        booking_id=booking_id,
        to_email=to_email,
        subject=subject,
        body=render_template(f"notifications/{kind}.txt", **context),
        attachments=list(attachments),
        created_at=clock.now(),
    )
    db.session.add(notification)
    db.session.flush()
    after_commit("send-notifications", notification.id)


def public_base_url() -> str:
    """The site's address for links in e-mails: PUBLIC_BASE_URL, never the request's Host
    header (a forged Host would otherwise put its own address in a password-reset link)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")
