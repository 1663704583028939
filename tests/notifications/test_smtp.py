"""Notifications go out over real SMTP (a local aiosmtpd server), with bounded retries."""

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.paysite import paid_booking, settle_all
from tests.pdfs import pdf_qr_codes, pdf_text
from webapp.jobs.runner import run_job
from webapp.notifications.sending import MAX_ATTEMPTS
from webapp.tickets.qr import signed_code


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(pay_site) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    config = pay_site.app.config
    config.update(
        MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=controller.port, MAIL_SMTP_STARTTLS=False
    )
    try:
        yield inbox
    finally:
        config.update(MAIL_SMTP_HOST="", MAIL_SMTP_PORT=587, MAIL_SMTP_STARTTLS=True)
        controller.stop()


def test_a_confirmation_is_sent_by_smtp(pay_site, sandbox, shopper, trip_id, smtp) -> None:
    ada, booking, _ = paid_booking(pay_site, shopper, trip_id, ["5A"])
    pay_site.prepare(lambda: run_job("send-notifications", trigger="test"))  # and the worker's

    settle_all(pay_site, sandbox)
    assert pay_site.sql(
        "SELECT status FROM notifications WHERE booking_id = :b", b=booking["bookingId"]
    ) == [("SENT",)]
    sent = [m for m in smtp.messages if booking["reference"] in m["Subject"]]
    assert len(sent) == 1
    assert sent[0]["To"] == ada.email
    body = sent[0].get_body(("plain",))
    assert f"/bookings/{booking['reference']}" in body.get_content()


def test_the_confirmation_carries_the_ticket_pdf(pay_site, sandbox, shopper, trip_id, smtp) -> None:
    _, booking, _ = paid_booking(pay_site, shopper, trip_id, ["5C"])
    pay_site.prepare(lambda: run_job("send-notifications", trigger="test"))

    settle_all(pay_site, sandbox)
    [message] = [m for m in smtp.messages if booking["reference"] in m["Subject"]]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"roadpass-ticket-{booking['reference']}.pdf"
    content = attachment.get_content()
    assert booking["reference"] in pdf_text(content)
    with pay_site.app.app_context():
        expected = signed_code(booking["reference"])
    assert pdf_qr_codes(content) == [expected]


def test_an_unreachable_smtp_server_is_retried_then_given_up(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    config = pay_site.app.config
    config.update(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=free_port(), MAIL_SMTP_STARTTLS=False)
    try:
        _, booking, _ = paid_booking(pay_site, shopper, trip_id, ["5B"])
        for attempt in range(MAX_ATTEMPTS + 2):
            travel(timedelta(minutes=3 * (attempt + 1)))  # each attempt's lease has passed
            pay_site.prepare(lambda: run_job("send-notifications", trigger="test"))
    finally:
        config.update(MAIL_SMTP_HOST="", MAIL_SMTP_PORT=587, MAIL_SMTP_STARTTLS=True)

    [(status, attempts, error)] = pay_site.sql(
        "SELECT status, attempts, last_error FROM notifications WHERE booking_id = :b",
        b=booking["bookingId"],
    )
    assert (status, attempts) == ("FAILED", MAX_ATTEMPTS)
    assert "refused" in error.lower()
