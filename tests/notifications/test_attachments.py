"""A message names its attachments; they are drawn when it is sent. A confirmation carries the
ticket PDF while its booking is confirmed, and goes without it once the booking is not."""

from flask import Flask
from sqlalchemy import select

from tests.factories import create_booked_seats, create_trip
from tests.pdfs import pdf_text
from webapp.booking.models import BookingStatus
from webapp.extensions import db
from webapp.notifications.attachments import TICKET_PDF
from webapp.notifications.models import Notification
from webapp.notifications.sending import _email
from webapp.notifications.services import queue_notification


def queued_confirmation(booking) -> Notification:
    queue_notification("booking-confirmed", booking, "confirmed", attachments=[TICKET_PDF])
    db.session.commit()
    return db.session.scalar(select(Notification).where(Notification.booking_id == booking.id))


def test_the_ticket_pdf_is_drawn_into_the_email(app: Flask) -> None:
    booking = create_booked_seats(create_trip(), ["1A"])

    email = _email(queued_confirmation(booking))

    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == f"roadpass-ticket-{booking.reference}.pdf"
    assert booking.reference in pdf_text(attachment.get_content())
    assert "attached as a PDF" in email.get_body(("plain",)).get_content()


def test_a_booking_cancelled_before_sending_gets_no_ticket(app: Flask) -> None:
    booking = create_booked_seats(create_trip(), ["1A"])
    message = queued_confirmation(booking)
    booking.status = BookingStatus.CANCELLED
    db.session.commit()

    email = _email(message)

    assert list(email.iter_attachments()) == []
    assert not email.is_multipart()
