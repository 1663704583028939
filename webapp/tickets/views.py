"""The ticket page, its PDF, *Find my booking* and the passenger's list of bookings. Only the
owner, admins and a browser that found the booking by reference and phone see a ticket;
anyone else gets the same 404 as for a reference that does not exist."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from webapp import clock
from webapp.booking.models import Booking, BookingStatus
from webapp.cancellations.policy import CancellationQuote, CannotCancelError, quote_cancellation
from webapp.cancellations.services import cancel_booking
from webapp.errors import DomainError, NotFoundError, ValidationError
from webapp.extensions import limiter, login_manager
from webapp.idempotency.http import idempotent, new_form_key
from webapp.money import format_money
from webapp.payments import queries
from webapp.tickets import access
from webapp.tickets.forms import FindBookingForm
from webapp.tickets.pdf import ticket_filename, ticket_pdf
from webapp.tickets.qr import qr_svg, signed_code

bp = Blueprint("tickets", __name__)


def _viewable(reference: str) -> Booking:
    """The booking if this browser may see its ticket; logged out, the log-in page first."""
    found = access.granted_booking(reference)
    if found is not None:
        return found
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return queries.booking_for(reference, current_user, admins_too=True)


@bp.get("/bookings/<reference>")
def ticket(reference: str) -> str:
    booking = _viewable(reference)
    owner = current_user.is_authenticated and booking.user_id == current_user.id
    quote: CancellationQuote | None = None
    if booking.status == BookingStatus.CONFIRMED and owner:
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
        owner=owner,
        form_key=new_form_key(),
        qr=qr_svg(signed_code(booking.reference), f"QR code of booking {booking.reference}"),
    )


@bp.get("/bookings/<reference>/ticket.pdf")
def ticket_download(reference: str) -> Response:
    booking = _viewable(reference)
    response = Response(ticket_pdf(booking), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{ticket_filename(booking)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _find_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _find_limit_key() -> str:
    return "find-booking:" + request.form.get("reference", "").strip().upper()[:20]


@bp.route("/find-booking", methods=["GET", "POST"])
@limiter.limit(_find_limit, methods=["POST"])
@limiter.limit(_find_limit, methods=["POST"], key_func=_find_limit_key)
def find_booking() -> Response | tuple[str, int]:
    """Reference + a passenger's phone, for a booking made on another device or without
    logging in here: one answer for a wrong reference and a wrong phone."""
    form = FindBookingForm()
    error = None
    if form.validate_on_submit():
        try:
            booking = access.find_booking(form.reference.data, form.phone.data)
        except NotFoundError as exc:
            error = exc.message
        except ValidationError as exc:
            form.phone.errors = [*form.phone.errors, exc.message]
        else:
            access.grant(booking.reference)
            return redirect(url_for("tickets.ticket", reference=booking.reference), 303)
    status = 404 if error else (422 if request.method == "POST" else 200)
    return render_template("tickets/find_booking.html", form=form, error=error), status


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
