"""Checkout pages: passenger details → summary → Pay (303 to the gateway) → return page that
waits for verification. Thin: parse, call one service, render or redirect."""

from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from webapp import carried_forms, clock
from webapp.booking.models import Booking, BookingStatus
from webapp.errors import DomainError
from webapp.idempotency.http import idempotent, new_form_key
from webapp.idempotency.services import stored_key
from webapp.payments import checkout, queries
from webapp.payments.models import PaymentStatus
from webapp.payments.verification import settle_payment
from webapp.ratelimits import per_ip_and_account

bp = Blueprint("payments", __name__)


@bp.route("/bookings/<reference>/checkout", methods=["GET", "POST"])
@login_required
def details(reference: str) -> Response | str | tuple[str, int]:
    booking = queries.booking_for(reference, current_user)
    if (elsewhere := _not_payable(booking)) is not None:
        return elsewhere
    errors: dict = {}
    message = None
    if request.method == "POST":
        entries = {
            seat.label: (
                request.form.get(f"name-{seat.label}"),
                request.form.get(f"phone-{seat.label}"),
            )
            for seat in booking.seats
        }
        try:
            checkout.save_passenger_details(
                current_user.id, booking.id, request.form.get("email", ""), entries
            )
        except DomainError as error:
            errors, message = error.details, error.message
            page = render_template(
                "payments/details.html",
                booking=booking,
                errors=errors,
                message=message,
                typed=request.form,
            )
            return page, error.status_code
        return redirect(url_for("payments.summary", reference=booking.reference), 303)
    typed = carried_forms.take(request.path)  # typed before the session ended, to send again
    return render_template(
        "payments/details.html", booking=booking, errors=errors, message=None, typed=typed
    )


@bp.get("/bookings/<reference>/summary")
@login_required
def summary(reference: str) -> Response | str | tuple[str, int]:
    booking = queries.booking_for(reference, current_user)
    if (elsewhere := _not_payable(booking)) is not None:
        return elsewhere
    if not booking.contact_email or any(not s.passenger_name for s in booking.seats):
        return redirect(url_for("payments.details", reference=booking.reference), 303)
    return render_template(
        "payments/summary.html",
        booking=booking,
        last_payment=queries.latest_payment(booking.id),
        form_key=new_form_key(),
    )


def _wait_for_the_first_click(key: str) -> Response:
    reference = (request.view_args or {}).get("reference", "")
    return redirect(url_for("payments.paying", reference=reference, key=key), 303)


@bp.get("/bookings/<reference>/paying")
@login_required
def paying(reference: str) -> Response | str:
    """A second Pay pressed while the first was still starting the payment waits here, then
    goes where the first one went: the same payment, never a second one or an error."""
    booking = queries.booking_for(reference, current_user)
    stored = stored_key(current_user.id, request.args.get("key", "")[:255])
    if stored is None:  # the first attempt failed and let go of its key: start again
        return redirect(url_for("payments.summary", reference=booking.reference), 303)
    if stored.response_location:
        return redirect(stored.response_location, 303)
    if stored.is_finished:
        return redirect(url_for("payments.summary", reference=booking.reference), 303)
    return render_template("payments/paying.html", booking=booking)


@bp.post("/bookings/<reference>/pay")
@login_required
@per_ip_and_account("CHECKOUT")
@idempotent(while_busy=_wait_for_the_first_click)
def pay(reference: str) -> Response | tuple[str, int]:
    booking = queries.booking_for(reference, current_user)
    started = checkout.start_checkout(
        current_user.id, booking.id, url_for("payments.payment_return", _external=True)
    )
    return redirect(_as_seen_by_the_browser(started.checkout_url), 303)


def _as_seen_by_the_browser(checkout_url: str) -> str:
    """The development sandbox is served by this very app, and it names its hosted page after
    the address our gateway client called it on (127.0.0.1). The passenger's browser reached us
    at another address (localhost, a LAN address from a phone): send them to the hosted page at
    that one. A real gateway's page is left alone."""
    gateway = urlsplit(current_app.config["FLUTTERWAVE_BASE_URL"])
    hosted = urlsplit(checkout_url)
    ours = (hosted.scheme, hosted.netloc) == (gateway.scheme, gateway.netloc)
    if not ours or not hosted.path.startswith("/sandbox/"):
        return checkout_url
    public = urlsplit(request.host_url)
    return urlunsplit((public.scheme, public.netloc, hosted.path, hosted.query, hosted.fragment))


@bp.get("/payments/return")
@login_required
def payment_return() -> str:
    """Where the gateway sends the passenger back. The page answers at once ("Confirming your
    payment…") and its first status request asks the gateway, which may take seconds; a
    browser without JS follows the page's `wait=1` link, which asks before answering."""
    payment = queries.payment_by_tx_ref(request.args.get("tx_ref", ""), current_user)
    said, transaction_id = _what_the_gateway_said()
    if request.args.get("wait") == "1":
        _settle_from_return(payment.id, said, transaction_id)
    context = _status_context(payment.id)
    status = context["payment"].status
    # Pending, or closed here while the gateway says money came: worth asking once more.
    if status == PaymentStatus.PENDING or (
        status != PaymentStatus.SUCCESSFUL and said == "successful"
    ):
        context["first_check"] = url_for(
            "payments.payment_status",
            payment_id=payment.id,
            transaction_id=transaction_id,
            status=said,
        )
        context["check_now"] = url_for(
            "payments.payment_return", **{**request.args.to_dict(), "wait": "1"}
        )
    return render_template("payments/return.html", **context)


def _what_the_gateway_said() -> tuple[str | None, str | None]:
    said = request.args.get("status", "")
    transaction_id = request.args.get("transaction_id", "")
    return (
        said if said in ("cancelled", "failed", "successful") else None,
        transaction_id if transaction_id.isdigit() else None,
    )


def _settle_from_return(payment_id: int, said: str | None, transaction_id: str | None) -> None:
    settle_payment(
        payment_id,
        transaction_id,
        customer_said=said if said in ("cancelled", "failed") else None,
        actor="return-page",
    )


@bp.get("/payments/<id:payment_id>/status")
@login_required
def payment_status(payment_id: int) -> tuple[str, int, dict[str, str]]:
    """The status fragment. The return page's first request carries what the gateway said on
    the redirect and asks the gateway at once; later polls ask at most so often."""
    payment = queries.payment_for(payment_id, current_user)
    said, transaction_id = _what_the_gateway_said()
    if said or transaction_id:
        _settle_from_return(payment.id, said, transaction_id)
    elif payment.status == PaymentStatus.PENDING:
        settle_payment(payment.id, actor="status-poll", polled=True)
    context = _status_context(payment.id)
    headers = {"Vary": "HX-Request", "Cache-Control": "no-store"}
    if context["booking"].status == BookingStatus.CONFIRMED and request.headers.get("HX-Request"):
        headers["HX-Redirect"] = url_for("tickets.ticket", reference=context["booking"].reference)
    return render_template("payments/_status.html", **context), 200, headers


def _status_context(payment_id: int) -> dict:
    payment = queries.payment_for(payment_id, current_user)
    booking = payment.booking
    return {
        "payment": payment,
        "booking": booking,
        "hold_live": booking.is_live_hold(clock.now()),
        "poll_seconds": current_app.config["PAYMENT_POLL_SECONDS"],
    }


def _not_payable(booking: Booking) -> Response | tuple[str, int] | None:
    """Where to go instead of checkout: the ticket once paid, an explanation once the hold died."""
    if booking.status == BookingStatus.CONFIRMED:
        return redirect(url_for("tickets.ticket", reference=booking.reference), 303)
    if not booking.is_live_hold(clock.now()):
        return render_template("payments/hold_gone.html", booking=booking), 409
    return None
