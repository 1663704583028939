"""Sending the outbox (SPEC §8): SMTP in production, a file per message in development.

Each message is claimed with a conditional UPDATE (a lease), so two runs at once never both
send it; the row is marked SENT right after the send. Failed sends are retried on later runs,
at most MAX_ATTEMPTS times, then left FAILED for admins.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from webapp import clock
from webapp.database import begin_write
from webapp.extensions import db
from webapp.notifications.attachments import draw
from webapp.notifications.models import Notification, NotificationStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def send_pending(ids: list[int] | None = None, limit: int = 200) -> dict[str, int]:
    now = clock.now()
    query = select(Notification.id).where(Notification.status == NotificationStatus.PENDING)
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    candidates = db.session.scalars(query.order_by(Notification.id).limit(limit)).all()
    db.session.rollback()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for notification_id in candidates:
        counts[_send_one(notification_id, now)] += 1
    return counts


def _send_one(notification_id: int, now: datetime) -> str:
    begin_write()
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.PENDING,
            Notification.attempts < MAX_ATTEMPTS,
            or_(Notification.claimed_at.is_(None), Notification.claimed_at <= now - LEASE),
        )
        .values(claimed_at=now, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return "skipped"
    db.session.commit()  # the lease is taken; drawing attachments needs no write lock
    message = db.session.get(Notification, notification_id)
    assert message is not None
    email = _email(message)
    attempts = message.attempts
    db.session.rollback()
    try:
        deliver(email)
    except (OSError, smtplib.SMTPException) as error:
        return _failed(notification_id, attempts, str(error), now)
    begin_write()
    message = db.session.get(Notification, notification_id)
    assert message is not None
    message.status = NotificationStatus.SENT
    message.sent_at = clock.now()
    message.last_error = None
    db.session.commit()
    return "sent"


def _failed(notification_id: int, attempts: int, error: str, now: datetime) -> str:
    log.warning("notification %s not sent: %s", notification_id, error)
    begin_write()
    message = db.session.get(Notification, notification_id)
    assert message is not None
    message.last_error = error[:2000]
    message.claimed_at = None
    if attempts >= MAX_ATTEMPTS:
        message.status = NotificationStatus.FAILED
    db.session.commit()
    return "failed"


def _email(message: Notification) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email["Message-ID"] = f"<notification-{message.id}@roadpass>"
    email.set_content(message.body)
    for attachment in draw(message):
        email.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return email


def deliver(email: EmailMessage) -> None:
    """Through SMTP when MAIL_SMTP_HOST is set; otherwise into instance/outbox/ as .eml files."""
    config = current_app.config
    host = config["MAIL_SMTP_HOST"]
    if not host:
        folder = Path(current_app.instance_path) / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").split("@")[0]
        (folder / f"{name}.eml").write_bytes(bytes(email))
        log.info("notification written to %s/%s.eml: %s", folder, name, email["Subject"])
        return
    with smtplib.SMTP(host, config["MAIL_SMTP_PORT"], timeout=15) as smtp:
        if config["MAIL_SMTP_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_SMTP_USER"]:
            smtp.login(config["MAIL_SMTP_USER"], config["MAIL_SMTP_PASSWORD"])
        smtp.send_message(email)
