"""What the booking panel beside the seat map shows: the hold form, a live hold, or why not."""

from collections.abc import Sequence
from typing import Any

from flask_login import current_user

from webapp import clock
from webapp.booking import queries
from webapp.booking.models import BookingStatus
from webapp.booking.rules import HoldRules
from webapp.idempotency.http import new_form_key
from webapp.trips.models import Trip


def hold_panel_context(
    trip: Trip, *, error: str | None = None, chosen: Sequence[str] = ()
) -> dict[str, Any]:
    """`chosen`: seats the passenger had picked before a detour (logging in, a refused hold),
    picked again on the map. With an `error`, the holds they already have, to go to or release."""
    rules = HoldRules.current()
    now = clock.now()
    hold = expired = None
    other_holds: list = []
    if current_user.is_authenticated:
        if error:
            other_holds = queries.live_holds(current_user.id, now)
        hold = queries.live_hold(current_user.id, trip.id, now)
        if hold is None:
            latest = queries.latest_booking(current_user.id, trip.id)
            if latest is not None and latest.effective_status(now) == BookingStatus.EXPIRED:
                expired = latest
    return {
        "trip": trip,
        "hold": hold,
        "expired_booking": expired,
        "on_sale": trip.is_on_sale(rules.sales_cutoff_minutes, now),
        "rules": rules,
        "form_key": new_form_key(),
        "error": error,
        "other_holds": other_holds,
        "chosen": list(chosen),
    }
