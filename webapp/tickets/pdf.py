"""The ticket as a PDF, for download and as the confirmation e-mail's attachment.

Drawn with reportlab (pure-Python wheels, no system libraries), on A5: the reference, the trip,
seats and passengers, the signed QR code the boarding page reads (tickets/qr.py), the amount
paid and the cancellation policy of the booking's own snapshot. reportlab's built-in fonts
have no naira sign, so amounts are written "NGN 33,300.00".
"""

import io

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from webapp.booking.models import Booking, BookingStatus
from webapp.cancellations.policy import describe_policy
from webapp.errors import ConflictError
from webapp.extensions import db
from webapp.money import CURRENCY_SYMBOLS, format_money
from webapp.notifications.attachments import Attachment
from webapp.notifications.models import Notification
from webapp.presentation import lagos_datetime
from webapp.tickets.qr import signed_code

QR_SIZE = 42 * mm
GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


class NoTicketError(ConflictError):
    code = "NO_TICKET"


def pdf_money(amount: int, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = format_money(amount, currency)
    return text.replace(symbol, f"{currency} ") if symbol else text


def _qr_image(reference: str) -> Image:
    out = io.BytesIO()
    segno.make_qr(signed_code(reference), error="m").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return Image(out, width=QR_SIZE, height=QR_SIZE)


def ticket_pdf(booking: Booking) -> bytes:
    """The PDF of a confirmed booking's ticket; NoTicketError for any other booking."""
    if booking.status != BookingStatus.CONFIRMED:
        raise NoTicketError("This booking is not confirmed, so it has no ticket to print.")
    trip = booking.trip
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=10, leading=12)
    row = ParagraphStyle("row", parent=cell, fontSize=9, leading=11)
    title = ParagraphStyle("reference", parent=styles["Title"], alignment=TA_LEFT)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A5,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Roadpass ticket {booking.reference}",
        author="Roadpass",
    )
    heading = [
        Paragraph("Roadpass ticket", styles["Normal"]),
        Paragraph(booking.reference, title),
        Paragraph("Confirmed: show this at boarding", styles["Normal"]),
    ]
    head = Table([[heading, _qr_image(booking.reference)]], colWidths=[None, QR_SIZE + 4 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    facts = Table(
        [
            ["Trip", f"{trip.route.origin.name} to {trip.route.destination.name}"],
            ["Departs", f"{lagos_datetime(trip.departs_at)} (Lagos time)"],
            ["Operator", trip.operator.name],
            ["Boarding point", Paragraph(trip.boarding_point, cell)],
            ["Seats", ", ".join(booking.seat_labels)],
            ["Paid", pdf_money(booking.total_amount, booking.currency)],
        ],
        colWidths=[32 * mm, None],
    )
    facts.setStyle(TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")]))
    passengers = Table(
        [["Seat", "Passenger", "Phone"]]
        + [
            [seat.label, Paragraph(seat.passenger_name or "-", row), seat.passenger_phone or "-"]
            for seat in booking.seats
        ],
        colWidths=[16 * mm, None, 34 * mm],
        repeatRows=1,
    )
    passengers.setStyle(GRID)
    amounts = (
        f"Fare {pdf_money(booking.fare_subtotal, booking.currency)} + service fee "
        f"{pdf_money(booking.service_fee, booking.currency)} = "
        f"{pdf_money(booking.total_amount, booking.currency)}."
    )
    document.build(
        [
            head,
            Spacer(1, 4 * mm),
            facts,
            Spacer(1, 4 * mm),
            Paragraph("Passengers", styles["Heading3"]),
            passengers,
            Spacer(1, 4 * mm),
            Paragraph(amounts, small),
            Paragraph(describe_policy(booking.cancellation_policy), small),
        ]
    )
    return out.getvalue()


def ticket_filename(booking: Booking) -> str:
    return f"roadpass-ticket-{booking.reference}.pdf"


def ticket_attachment(notification: Notification) -> Attachment | None:
    """The confirmation e-mail's PDF, drawn from the booking when the e-mail is sent; none
    when the booking is no longer confirmed by then."""
    booking = db.session.scalar(select(Booking).where(Booking.id == notification.booking_id))
    if booking is None or booking.status != BookingStatus.CONFIRMED:
        return None
    return Attachment(ticket_filename(booking), "application", "pdf", ticket_pdf(booking))
