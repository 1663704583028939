"""Every background job, what it runs, where it queues and when it is scheduled (SPEC §8).

Each job takes ids (never ORM objects), reloads what it needs, and is safe to run twice at once.
This is the one place that knows which domain function a job calls; `create_app` hands these
specs to the job machinery in `webapp.jobs`, which therefore imports no domain code.
"""

from datetime import timedelta
from typing import Any

from flask import current_app

from webapp import clock
from webapp.accounts.sessions import delete_ended_sessions
from webapp.booking.services import expire_stale_holds
from webapp.idempotency.services import delete_expired_keys
from webapp.jobs.specs import JobSpec
from webapp.notifications.sending import send_pending
from webapp.payments.expiry import expire_unpaid_checkouts
from webapp.payments.reconciliation import reconcile_payments
from webapp.payments.webhooks import process_webhook_event
from webapp.refunds.payouts import process_refunds
from webapp.settlements.months import previous_month
from webapp.settlements.services import calculate_settlements


def _expire_seats() -> dict[str, Any]:
    checkouts = expire_unpaid_checkouts()
    return {"expired_holds": expire_stale_holds(), **checkouts}


def _process_refunds(refund_id: int | None = None) -> dict[str, Any]:
    return process_refunds([refund_id] if refund_id else None).as_dict()


def _cleanup_idempotency() -> dict[str, Any]:
    return {"deleted": delete_expired_keys(clock.now())}


def _cleanup_sessions() -> dict[str, Any]:
    idle = timedelta(days=current_app.config["SESSION_IDLE_DAYS"])
    return {"deleted": delete_ended_sessions(clock.now(), idle)}


def _send_notifications(notification_id: int | None = None) -> dict[str, Any]:
    return send_pending([notification_id] if notification_id else None)


def _process_webhook(event_id: int) -> dict[str, Any]:
    return {"outcome": process_webhook_event(event_id)}


def _calculate_settlements(month: str | None = None) -> dict[str, Any]:
    return calculate_settlements(month or previous_month()).as_dict()


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "expire-seats",
            "End dead holds, free their seats; ask the gateway first if a payment is in flight.",
            _expire_seats,
            interval_seconds=300,
        ),
        JobSpec(
            "process-refunds",
            "Pay REQUESTED refunds and follow PROCESSING ones, never twice.",
            _process_refunds,
            interval_seconds=600,
        ),
        JobSpec(
            "reconcile-payments",
            "Verify pending payments, compare recent successful ones with the gateway.",
            reconcile_payments,
            interval_seconds=6 * 3600,
            timeout_seconds=1800,
        ),
        JobSpec(
            "calculate-settlements",
            "Compute last month's operator settlements (Africa/Lagos); recomputes open ones.",
            _calculate_settlements,
            cron="0 1 1 * *",  # the 1st, 02:00 in Lagos (UTC+1 all year)
            timeout_seconds=1800,
        ),
        JobSpec(
            "cleanup-idempotency",
            "Delete idempotency keys older than 24 hours.",
            _cleanup_idempotency,
            cron="15 2 * * *",
        ),
        JobSpec(
            "cleanup-sessions",
            "Delete signed-in sessions that ended more than 30 days ago.",
            _cleanup_sessions,
            cron="20 2 * * *",
        ),
        JobSpec(
            "send-notifications",
            "Send the notification outbox.",
            _send_notifications,
            queue="notifications",
            interval_seconds=60,
        ),
        JobSpec(
            "process-webhook",
            "Verify and apply one stored gateway webhook.",
            _process_webhook,
            periodic=False,
            retries=3,
        ),
    )
}

PERIODIC = [spec for spec in JOBS.values() if spec.periodic]
