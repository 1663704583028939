"""The ticket page and the passenger's list of bookings. Only the owner (and admins) see a
ticket; anyone else gets the same 404 as for a reference that does not exist."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp import clock
from webapp.booking.models import BookingStatus
from webapp.cancellations.policy import CancellationQuote, CannotCancelError, quote_cancellation
from webapp.cancellations.services import cancel_booking
from webapp.errors import DomainError, ValidationError
from webapp.extensions import limiter
from webapp.idempotency.http import idempotent, new_form_key
from webapp.money import format_money
from webapp.payments import queries
from webapp.tickets.qr import qr_svg, signed_code

bp = Blueprint("tickets", __name__)


@bp.get("/bookings/<reference>")
@login_required
def ticket(reference: str) -> str:
    booking = queries.booking_for(reference, current_user, admins_too=True)
    quote: CancellationQuote | None = None
    if booking.status == BookingStatus.CONFIRMED and booking.user_id == current_user.id:
        try:
            quote = quote_cancellation(booking)
        except CannotCancelError:
            quote = None
    return render_template(
        "tickets/ticket.html",
        booking=booking,
        status=booking.effective_status(clock.now()),
        payment=queries.latest_payment(booking.id),
        refunds=queries.booking_refunds(booking.id),
        quote=quote,
        form_key=new_form_key(),
        qr=qr_svg(signed_code(booking.reference), f"QR code of booking {booking.reference}"),
    )


@bp.get("/bookings/<reference>/cancel")
@login_required
def confirm_cancel(reference: str) -> Response | str:
    """The refund cancelling would give, and the one button that cancels: nothing on one click."""
    booking = queries.booking_for(reference, current_user)
    try:
        quote = quote_cancellation(booking) if booking.status == BookingStatus.CONFIRMED else None
    except CannotCancelError:
        quote = None
    if quote is None:
        return redirect(url_for("tickets.ticket", reference=booking.reference), 303)
    return render_template(
        "tickets/cancel.html", booking=booking, quote=quote, form_key=new_form_key()
    )


@bp.post("/bookings/<reference>/cancel")
@login_required
@limiter.limit("20 per minute", key_func=lambda: f"cancel-user:{current_user.id}")
@idempotent()
def cancel(reference: str) -> Response:
    booking = queries.booking_for(reference, current_user)
    raw = request.form.get("expected_refund", "")
    if not raw.isdigit():
        raise ValidationError("Open the ticket again to see the refund before cancelling.")
    try:
        result = cancel_booking(current_user.id, booking.id, int(raw))
    except DomainError as error:
        if error.status_code != 409:
            raise
        flash(error.message, "error")
    else:
        refund = format_money(result.refund_amount, booking.currency)
        flash(f"Booking {booking.reference} is cancelled. Refund: {refund}.", "success")
    return redirect(url_for("tickets.ticket", reference=booking.reference), 303)


@bp.get("/account/bookings")
@login_required
def my_bookings() -> str:
    return render_template(
        "tickets/my_bookings.html", bookings=queries.user_bookings(current_user.id), now=clock.now()
    )
