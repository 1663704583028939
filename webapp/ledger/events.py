"""Each money event as one journal (SPEC §7; the table is in docs/money.md).

Called inside the event's own transaction, with its rows locked. Every function is idempotent
(the journal is unique per event) and reads only facts that never change once the event has
happened, so the backfill can post past events with the same functions.

The ledger sits below the features whose events it records: it is handed their payment and
refund rows (any object with those columns) and never imports their packages.
"""

from typing import Any

from sqlalchemy import func, select

from webapp.booking.models import Booking
from webapp.extensions import db
from webapp.ledger.models import Account, Entry, JournalKind, Line, operator_account
from webapp.ledger.posting import Posting, post_journal
from webapp.trips.models import Trip

BPS = 10_000
# Money that arrived but never paid for a trip: it all goes back to the payer.
RETURNED_WHOLE = (
    "UNDERPAYMENT",
    "WRONG_CURRENCY",
    "SEATS_LOST",
    "DUPLICATE_PAYMENT",
    "PAID_AFTER_CANCELLATION",
)
# Refunds of a trip that was paid for: they reverse the operator's share, commission and fee.
REVERSING = ("PASSENGER_CANCELLED", "TRIP_CANCELLED")


def half_up_share(amount: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded half up to the kobo (non-negative inputs)."""
    if denominator == 0:
        return 0
    return (2 * amount * numerator + denominator) // (2 * denominator)


def commission_for(fare_subtotal: int, commission_bps: int) -> int:
    """The platform's commission on a booking's fares: bps of the fare, half up to the kobo."""
    return half_up_share(fare_subtotal, commission_bps, BPS)


def record_payment(payment: Any) -> None:
    """Money the gateway verified as arrived: into clearing, and either split between the
    operator (fare less commission), commission and service fee (any excess owed back), or,
    when it confirmed nothing, owed back whole. Its gateway fee is a second journal."""
    if payment.paid_amount is None or payment.gateway_transaction_id is None:
        return
    db.session.flush()
    booking = db.session.get(Booking, payment.booking_id)
    assert booking is not None
    assert payment.verified_at is not None
    paid, currency = payment.paid_amount, payment.paid_currency or payment.currency
    db.session.expire(payment, ["refunds"])  # a refund may have been added in this transaction
    returned = any(refund.reason in RETURNED_WHOLE for refund in payment.refunds)
    clearing = Posting(Account.GATEWAY_CLEARING, paid, currency)
    if returned or payment.status != "SUCCESSFUL":
        postings = [clearing, Posting(Account.REFUNDS_PAYABLE, -paid, currency)]
        memo = f"payment {payment.tx_ref} received, owed back"
    else:
        trip = db.session.get(Trip, booking.trip_id)
        assert trip is not None
        commission = commission_for(booking.fare_subtotal, trip.operator.commission_bps)
        operator = operator_account(trip.operator_id)
        postings = [
            clearing,
            Posting(operator, -booking.fare_subtotal, currency, Line.FARE),
            Posting(operator, commission, currency, Line.COMMISSION),
            Posting(Account.COMMISSION, -commission, currency),
            Posting(Account.SERVICE_FEE, -booking.service_fee, currency),
            Posting(Account.REFUNDS_PAYABLE, booking.total_amount - paid, currency),
        ]
        memo = f"booking {booking.reference} paid ({payment.tx_ref})"
    refs = {"booking_id": booking.id, "payment_id": payment.id}
    post_journal(
        JournalKind.PAYMENT,
        payment.id,
        postings,
        effective_at=payment.verified_at,
        memo=memo,
        **refs,
    )
    fee = payment.gateway_fee or 0
    post_journal(
        JournalKind.GATEWAY_FEE,
        payment.id,
        [
            Posting(Account.GATEWAY_FEES, fee, currency),
            Posting(Account.GATEWAY_CLEARING, -fee, currency),
        ],
        effective_at=payment.verified_at,
        memo=f"gateway fee on {payment.tx_ref}",
        **refs,
    )


def record_refund(refund: Any) -> None:
    """A refund the gateway completed: money leaves clearing. An owed-back refund settles
    refunds_payable; a cancellation's refund reverses, in proportion to the fare refunded, the
    operator's share and the commission, and the service fee only for the part of it refunded."""
    if refund.completed_at is None:
        return
    record_payment(refund.payment)  # a refund never precedes the payment it returns
    currency, amount = refund.currency, refund.amount
    postings = [Posting(Account.GATEWAY_CLEARING, -amount, currency)]
    if refund.reason in REVERSING:
        booking = db.session.get(Booking, refund.booking_id)
        assert booking is not None
        fare_part = min(amount, booking.fare_subtotal)
        charged = _commission_charged(booking.id)
        reversed_commission = half_up_share(charged, fare_part, booking.fare_subtotal)
        operator = operator_account(db.session.get(Trip, booking.trip_id).operator_id)  # type: ignore[union-attr]
        postings += [
            Posting(operator, fare_part - reversed_commission, currency, Line.REFUND),
            Posting(Account.COMMISSION, reversed_commission, currency),
            Posting(Account.SERVICE_FEE, amount - fare_part, currency),
        ]
    else:
        postings.append(Posting(Account.REFUNDS_PAYABLE, amount, currency))
    post_journal(
        JournalKind.REFUND,
        refund.id,
        postings,
        effective_at=refund.completed_at,
        memo=f"refund #{refund.id} ({refund.reason}) completed",
        booking_id=refund.booking_id,
        payment_id=refund.payment_id,
        refund_id=refund.id,
    )


def _commission_charged(booking_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Entry.amount), 0)).where(
                Entry.booking_id == booking_id, Entry.line == Line.COMMISSION
            )
        )
    )
