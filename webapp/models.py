"""Every model, imported in one place so the metadata Alembic compares against is complete."""

from webapp.accounts.models import ApiToken, User, UserSession
from webapp.audit.models import AuditEvent
from webapp.booking.models import Booking, BookingSeat
from webapp.fleet.models import LayoutSeat, Operator, SeatLayout
from webapp.idempotency.models import IdempotencyKey
from webapp.jobs.models import JobRun
from webapp.ledger.models import Entry, Journal
from webapp.notifications.models import Notification
from webapp.payments.models import Payment, PaymentMismatch, WebhookEvent
from webapp.refunds.models import Refund
from webapp.settlements.models import Adjustment, Payout, Settlement, SettlementEntry
from webapp.trips.models import City, Route, Trip, TripSeat

__all__ = [
    "Adjustment",
    "ApiToken",
    "AuditEvent",
    "Booking",
    "BookingSeat",
    "City",
    "Entry",
    "IdempotencyKey",
    "JobRun",
    "Journal",
    "LayoutSeat",
    "Notification",
    "Operator",
    "Payment",
    "PaymentMismatch",
    "Payout",
    "Refund",
    "Route",
    "SeatLayout",
    "Settlement",
    "SettlementEntry",
    "Trip",
    "TripSeat",
    "User",
    "UserSession",
    "WebhookEvent",
]
