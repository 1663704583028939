"""The numbers that govern holds (SPEC §3), read from the app's settings."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app


@dataclass(frozen=True)
class HoldRules:
    hold: timedelta
    payment_window: timedelta
    max_hold: timedelta
    max_seats: int
    max_live_holds: int
    sales_cutoff_minutes: int
    service_fee_per_seat: int
    seat_cache_seconds: float  # how long a process may remember seats it saw taken

    @classmethod
    def current(cls) -> "HoldRules":
        config = current_app.config
        return cls(
            hold=timedelta(minutes=config["SEAT_HOLD_MINUTES"]),
            payment_window=timedelta(minutes=config["PAYMENT_WINDOW_MINUTES"]),
            max_hold=timedelta(minutes=config["MAX_HOLD_MINUTES"]),
            max_seats=config["MAX_SEATS_PER_BOOKING"],
            max_live_holds=config["MAX_ACTIVE_HOLDS_PER_USER"],
            sales_cutoff_minutes=config["SALES_CUTOFF_MINUTES"],
            service_fee_per_seat=config["SERVICE_FEE_PER_SEAT"],
            seat_cache_seconds=config["SEAT_STATE_CACHE_SECONDS"],
        )
