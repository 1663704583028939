"""Every background job, what it runs, where it queues and when it is scheduled (SPEC §8)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp import clock


@dataclass(frozen=True)
class JobSpec:
    name: str
    summary: str
    run: Callable[..., dict[str, Any]]
    queue: str = "default"
    timeout_seconds: int = 300
    retries: int = 2
    interval_seconds: int | None = None  # periodic jobs: every N seconds
    cron: str | None = None  # or a cron line (UTC)
    periodic: bool = True

    @property
    def schedule(self) -> str:
        if self.cron:
            return f"cron {self.cron} (UTC)"
        if self.interval_seconds:
            minutes = self.interval_seconds // 60
            return f"every {minutes} min" if minutes < 60 else f"every {minutes // 60} h"
        return "on events"


def _expire_seats() -> dict[str, Any]:
    from webapp.booking.services import expire_stale_holds
    from webapp.payments.expiry import expire_unpaid_checkouts

    checkouts = expire_unpaid_checkouts()
    return {"expired_holds": expire_stale_holds(), **checkouts}


def _process_refunds(refund_id: int | None = None) -> dict[str, Any]:
    from webapp.payments.payouts import process_refunds

    return process_refunds([refund_id] if refund_id else None).as_dict()


def _reconcile_payments() -> dict[str, Any]:
    from webapp.payments.reconciliation import reconcile_payments

    return reconcile_payments()


def _cleanup_idempotency() -> dict[str, Any]:
    from webapp.idempotency.services import delete_expired_keys

    return {"deleted": delete_expired_keys(clock.now())}


def _send_notifications(notification_id: int | None = None) -> dict[str, Any]:
    from webapp.notifications.sending import send_pending

    return send_pending([notification_id] if notification_id else None)


def _process_webhook(event_id: int) -> dict[str, Any]:
    from webapp.payments.webhooks import process_webhook_event

    return {"outcome": process_webhook_event(event_id)}


def _calculate_settlements(month: str | None = None) -> dict[str, Any]:
    from webapp.settlements.months import previous_month
    from webapp.settlements.services import calculate_settlements

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
            _reconcile_payments,
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
