"""Background jobs against the live site, its sandbox and its real RQ worker (SPEC §8)."""

import json
from datetime import timedelta

import requests

from tests.paysite import (
    finish_checkout,
    paid_booking,
    settle_all,
    status_of,
    transaction_of,
    twice_at_once,
)
from webapp import clock
from webapp.config import DEV_JOBS_SECRET
from webapp.extensions import db
from webapp.idempotency.models import IdempotencyKey
from webapp.jobs.runner import run_job

SECRET = {"X-Jobs-Secret": DEV_JOBS_SECRET}


def start_job(site, job: str, headers: dict | None = None) -> requests.Response:
    return requests.post(
        f"{site.url}/api/jobs/{job}", headers=SECRET if headers is None else headers, timeout=30
    )


def test_job_endpoint_needs_the_secret_and_a_known_job(pay_site, sandbox) -> None:
    assert start_job(pay_site, "expire-seats", {}).status_code == 401
    assert start_job(pay_site, "expire-seats", {"X-Jobs-Secret": "wrong"}).status_code == 401
    assert start_job(pay_site, "no-such-job").status_code == 404
    assert start_job(pay_site, "process-webhook").status_code == 404  # event-driven only
    unauthorised = requests.get(f"{pay_site.url}/api/jobs/health", timeout=5)
    assert unauthorised.status_code == 401
    assert unauthorised.json()["code"] == "BAD_SECRET"


def test_each_periodic_job_runs_from_the_endpoint_and_shows_in_health(pay_site, sandbox) -> None:
    jobs = [
        "expire-seats",
        "process-refunds",
        "reconcile-payments",
        "calculate-settlements",
        "cleanup-idempotency",
        "cleanup-sessions",
        "send-notifications",
    ]
    before = {
        job: pay_site.sql(
            "SELECT count(*) FROM job_runs WHERE job = :j AND trigger = 'api'", j=job
        )[0][0]
        for job in jobs
    }
    for job in jobs:
        response = start_job(pay_site, job)
        assert response.status_code == 202, response.text
        assert response.json()["queued"] is True

    pay_site.run_jobs()
    for job in jobs:
        assert (
            pay_site.sql(
                "SELECT count(*) FROM job_runs WHERE job = :j AND outcome = 'SUCCEEDED' "
                "AND trigger = 'api'",
                j=job,
            )[0][0]
            > before[job]
        )
    with pay_site.registered_worker():
        health = requests.get(f"{pay_site.url}/api/jobs/health", headers=SECRET, timeout=5)
    health = health.json()
    assert health["database"] == "up"
    assert health["redis"] == "up"
    assert set(health["queues"]) == {"default", "notifications"}
    assert isinstance(health["failedJobs"], int)
    assert health["workers"] >= 1  # the worker registered above
    for job in jobs:
        # The last run may be one that a change queued (refunds, e-mails) after ours.
        assert health["jobs"][job]["lastRun"]["outcome"] == "SUCCEEDED"


def test_expire_seats_confirms_a_paid_booking_whose_webhook_was_dropped(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    sandbox.faults(webhook="drop")
    ada = shopper()
    booking = ada.hold(trip_id, ["1A"])
    payment = ada.pay(booking)
    finish_checkout(payment["checkoutUrl"], "successful")  # paid; the browser never came back
    unpaid = ada.hold(trip_id, ["1B"])
    ada.pay(unpaid)  # opened, never paid
    travel(timedelta(minutes=25))

    run = pay_site.prepare(lambda: run_job("expire-seats", trigger="test"))

    assert run.outcome == "SUCCEEDED"
    assert status_of(pay_site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    assert status_of(pay_site, unpaid["bookingId"]) == ("EXPIRED", [("FAILED", "ABANDONED")])
    seats = dict(
        pay_site.sql(
            "SELECT label, status FROM trip_seats WHERE trip_id = :t AND label IN ('1A', '1B')",
            t=trip_id,
        )
    )
    assert seats == {"1A": "booked", "1B": "available"}


def test_expire_seats_keeps_a_hold_while_the_gateway_cannot_answer(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["1C"])
    ada.pay(booking)
    travel(timedelta(minutes=25))
    sandbox.faults(fail_next={"verify": [503]})

    pay_site.prepare(lambda: run_job("expire-seats", trigger="test"))

    assert status_of(pay_site, booking["bookingId"]) == ("PENDING_PAYMENT", [("PENDING", None)])
    pay_site.prepare(lambda: run_job("expire-seats", trigger="test"))
    assert status_of(pay_site, booking["bookingId"]) == ("EXPIRED", [("FAILED", "ABANDONED")])


def test_reconciliation_finds_an_amount_mismatch_planted_at_the_gateway(
    pay_site, sandbox, shopper, trip_id
) -> None:
    _, _booking, payment = paid_booking(pay_site, shopper, trip_id, ["2A"])
    transaction_id = transaction_of(pay_site, payment)
    planted = sandbox.plant(transaction_id, {"amount": "100.00"})
    assert planted.status_code == 200

    for _ in range(2):  # a second run finds it again and stores nothing new
        pay_site.prepare(lambda: run_job("reconcile-payments", trigger="test"))

    assert pay_site.sql(
        "SELECT kind, ours, gateway FROM payment_mismatches WHERE payment_id = :p",
        p=payment["paymentId"],
    ) == [("AMOUNT", str(payment["amount"]), "10000")]


def test_notifications_sent_twice_at_once_go_out_once(pay_site, sandbox, shopper, trip_id) -> None:
    _, booking, _ = paid_booking(pay_site, shopper, trip_id, ["2C"])

    twice_at_once(pay_site, "send-notifications")

    settle_all(pay_site, sandbox)
    assert pay_site.sql(
        "SELECT status, attempts FROM notifications WHERE booking_id = :b",
        b=booking["bookingId"],
    ) == [("SENT", 1)]
    outbox = pay_site.app.instance_path + "/outbox"
    (notification_id,) = pay_site.sql(
        "SELECT id FROM notifications WHERE booking_id = :b", b=booking["bookingId"]
    )[0]
    with open(f"{outbox}/notification-{notification_id}.eml") as message:
        text = message.read()
    assert booking["reference"] in text
    assert f"/bookings/{booking['reference']}" in text


def test_expire_seats_twice_at_once_expires_once(
    pay_site, sandbox, shopper, trip_id, travel
) -> None:
    ada = shopper()
    held = ada.hold(trip_id, ["4A"])
    paying = ada.hold(trip_id, ["4B"])
    ada.pay(paying)
    travel(timedelta(minutes=25))

    twice_at_once(pay_site, "expire-seats")

    assert status_of(pay_site, held["bookingId"])[0] == "EXPIRED"
    assert status_of(pay_site, paying["bookingId"]) == ("EXPIRED", [("FAILED", "ABANDONED")])
    for booking in (held, paying):
        assert pay_site.sql(
            "SELECT count(*) FROM audit_events"
            " WHERE action = 'booking.expired' AND subject_id = :b",
            b=booking["bookingId"],
        ) == [(1,)]


def test_reconciliation_twice_at_once_stores_a_mismatch_once(
    pay_site, sandbox, shopper, trip_id
) -> None:
    _, _, payment = paid_booking(pay_site, shopper, trip_id, ["4C"])
    transaction_id = transaction_of(pay_site, payment)
    sandbox.plant(transaction_id, {"status": "failed"})

    twice_at_once(pay_site, "reconcile-payments")

    assert pay_site.sql(
        "SELECT kind, gateway FROM payment_mismatches WHERE payment_id = :p", p=payment["paymentId"]
    ) == [("STATUS", "failed")]
    assert pay_site.sql(
        "SELECT count(*) FROM audit_events WHERE action = 'payment.mismatch' AND subject_id = :p",
        p=payment["paymentId"],
    ) == [(1,)]


def test_cleanup_twice_at_once_deletes_each_old_key_once(pay_site, sandbox, shopper) -> None:
    ada = shopper()

    def keys() -> None:
        old = clock.now() - timedelta(hours=25)
        for n in range(6):
            db.session.add(
                IdempotencyKey(
                    user_id=ada.user_id,
                    key=f"old-{n}",
                    fingerprint="f",
                    method="POST",
                    path="/api/x",
                    created_at=old if n < 4 else clock.now(),
                )
            )
        db.session.commit()

    pay_site.prepare(keys)
    before = pay_site.sql("SELECT coalesce(max(id), 0) FROM job_runs")[0][0]

    twice_at_once(pay_site, "cleanup-idempotency")

    assert pay_site.sql(
        "SELECT key FROM idempotency_keys WHERE user_id = :u ORDER BY key", u=ada.user_id
    ) == [("old-4",), ("old-5",)]
    runs = pay_site.sql(
        "SELECT counts FROM job_runs WHERE job = 'cleanup-idempotency' AND id > :i", i=before
    )
    deleted = [c if isinstance(c, dict) else json.loads(c) for (c,) in runs]  # SQLite: text
    assert sum(c["deleted"] for c in deleted) == 4
