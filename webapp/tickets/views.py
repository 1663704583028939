"""The ticket page and the passenger's list of bookings. Only the owner (and admins) see a
ticket; anyone else gets the same 404 as for a reference that does not exist."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp import clock
from webapp.payments import queries
from webapp.tickets.qr import qr_svg

bp = Blueprint("tickets", __name__)


@bp.get("/bookings/<reference>")
@login_required
def ticket(reference: str) -> str:
    booking = queries.booking_for(reference, current_user, admins_too=True)
    return render_template(
        "tickets/ticket.html",
        booking=booking,
        status=booking.effective_status(clock.now()),
        payment=queries.latest_payment(booking.id),
        qr=qr_svg(booking.reference, f"QR code of booking {booking.reference}"),
    )


@bp.get("/account/bookings")
@login_required
def my_bookings() -> str:
    return render_template(
        "tickets/my_bookings.html", bookings=queries.user_bookings(current_user.id), now=clock.now()
    )
