"""The cancellation policy: what cancelling a booking now would refund (SPEC §6).

Each booking carries a snapshot of its operator's tiers from the moment it was bought; the
first tier whose `min_hours_before` the time left reaches gives the share of the fare back.
The service fee is never part of a passenger's refund.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from webapp import clock
from webapp.booking.models import Booking, BookingStatus
from webapp.errors import ConflictError
from webapp.trips.models import TripStatus

BPS = 10_000


class CannotCancelError(ConflictError):
    code = "CANNOT_CANCEL"


@dataclass(frozen=True)
class CancellationQuote:
    booking_id: int
    refund_amount: int
    currency: str
    refund_bps: int  # share of the fare
    hours_before: float
    fare_subtotal: int
    service_fee: int


def refund_share(policy: list[dict], hours_before: float) -> int:
    """The refund share (basis points of the fare) of the first tier the time left reaches."""
    for tier in sorted(policy, key=lambda t: t["min_hours_before"], reverse=True):
        if hours_before >= tier["min_hours_before"]:
            return int(tier["refund_bps"])
    return 0


def quote_cancellation(booking: Booking, now: datetime | None = None) -> CancellationQuote:
    """What cancelling now would refund; raises CannotCancelError when it cannot be cancelled."""
    now = now or clock.now()
    if booking.status != BookingStatus.CONFIRMED:
        raise CannotCancelError("Only a confirmed booking can be cancelled.")
    if booking.trip.status != TripStatus.SCHEDULED or booking.trip.departs_at <= now:
        raise CannotCancelError("This bus has already left, so the booking can't be cancelled.")
    hours = (booking.trip.departs_at - now) / timedelta(hours=1)
    share = refund_share(booking.cancellation_policy, hours)
    return CancellationQuote(
        booking_id=booking.id,
        refund_amount=booking.fare_subtotal * share // BPS,  # never more than the policy says
        currency=booking.currency,
        refund_bps=share,
        hours_before=hours,
        fare_subtotal=booking.fare_subtotal,
        service_fee=booking.service_fee,
    )


def describe_policy(policy: list[dict]) -> str:
    """The tiers in one line, as the ticket prints them: "Cancel 48 h or more before departure:
    90% of the fare back; 12 to 48 h: 50%; less than 12 h: nothing. The service fee is kept."""
    tiers = sorted(policy, key=lambda t: t["min_hours_before"], reverse=True)
    parts = []
    for index, tier in enumerate(tiers):
        share = f"{round(tier['refund_bps'] / 100)}%" if tier["refund_bps"] else "nothing"
        hours = tier["min_hours_before"]
        if index == 0:
            parts.append(f"{hours} h or more before departure: {share} of the fare back")
        elif hours:
            parts.append(f"{hours} to {tiers[index - 1]['min_hours_before']} h: {share}")
        else:
            parts.append(f"less than {tiers[index - 1]['min_hours_before']} h: {share}")
    return (
        "Cancel " + "; ".join(parts) + ". The service fee is not refunded; if the operator "
        "cancels the trip, everything is refunded."
    )
