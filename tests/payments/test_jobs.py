"""Background jobs against the live site, its sandbox and its real RQ worker (SPEC §8)."""

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import redis
import requests
from rq import Queue

from tests.apps import TEST_REDIS_URL
from tests.payments.conftest import (
    finish_checkout,
    paid_booking,
    plain_refund,
    status_of,
    wait_for,
)
from webapp import clock
from webapp.config import DEV_JOBS_SECRET, SANDBOX_SECRET_KEY
from webapp.extensions import db
from webapp.idempotency.models import IdempotencyKey
from webapp.jobs.runner import run_job
from webapp.payments.models import RefundStatus

SECRET = {"X-Jobs-Secret": DEV_JOBS_SECRET}


def start_job(site, job: str, headers: dict | None = None) -> requests.Response:
    return requests.post(
        f"{site.url}/api/jobs/{job}", headers=SECRET if headers is None else headers, timeout=30
    )


def twice_at_once(site, job: str, *args: int) -> None:
    """Two runs of `job` released together, as two workers (or a schedule and a click) would."""
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        site.prepare(lambda: run_job(job, *args, trigger="test"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def gateway_refunds(sandbox, transaction_id: str) -> list[dict]:
    return requests.get(
        f"{sandbox.url}/v3/refunds",
        params={"transaction_id": transaction_id},
        headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"},
        timeout=5,
    ).json()["data"]


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

    for job in jobs:
        assert wait_for(
            lambda j=job: (
                pay_site.sql(
                    "SELECT count(*) FROM job_runs WHERE job = :j AND outcome = 'SUCCEEDED' "
                    "AND trigger = 'api'",
                    j=j,
                )[0][0]
                > before[j]
            )
        )
    health = requests.get(f"{pay_site.url}/api/jobs/health", headers=SECRET, timeout=5).json()
    assert health["database"] == "up"
    assert health["redis"] == "up"
    assert set(health["queues"]) == {"default", "notifications"}
    assert isinstance(health["failedJobs"], int)
    assert health["workers"] >= 1  # the site's own worker
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
    transaction_id = pay_site.sql(
        "SELECT gateway_transaction_id FROM payments WHERE id = :p", p=payment["paymentId"]
    )[0][0]
    planted = requests.post(
        f"{sandbox.url}/control/transactions/{transaction_id}", json={"amount": "100.00"}, timeout=5
    )
    assert planted.status_code == 200

    for _ in range(2):  # a second run finds it again and stores nothing new
        pay_site.prepare(lambda: run_job("reconcile-payments", trigger="test"))

    assert pay_site.sql(
        "SELECT kind, ours, gateway FROM payment_mismatches WHERE payment_id = :p",
        p=payment["paymentId"],
    ) == [("AMOUNT", str(payment["amount"]), "10000")]


def test_refunds_run_twice_at_once_pay_once(pay_site, sandbox, shopper, trip_id) -> None:
    _, _booking, payment = paid_booking(pay_site, shopper, trip_id, ["2B"])
    refund_id = plain_refund(pay_site, payment["paymentId"], 700_000)

    twice_at_once(pay_site, "process-refunds", refund_id)

    transaction_id = pay_site.sql(
        "SELECT gateway_transaction_id FROM payments WHERE id = :p", p=payment["paymentId"]
    )[0][0]
    assert [r["amount_refunded"] for r in gateway_refunds(sandbox, transaction_id)] == [7000]
    assert pay_site.sql("SELECT status, attempts FROM refunds WHERE id = :r", r=refund_id) == [
        ("COMPLETED", 1)
    ]
    notices = pay_site.sql(
        "SELECT count(*) FROM notifications WHERE dedupe_key = :k",
        k=f"refund-completed:{refund_id}",
    )
    assert notices == [(1,)]


def test_notifications_sent_twice_at_once_go_out_once(pay_site, sandbox, shopper, trip_id) -> None:
    _, booking, _ = paid_booking(pay_site, shopper, trip_id, ["2C"])

    twice_at_once(pay_site, "send-notifications")

    assert wait_for(
        lambda: (
            pay_site.sql(
                "SELECT status, attempts FROM notifications WHERE booking_id = :b",
                b=booking["bookingId"],
            )
            == [("SENT", 1)]
        )
    )
    outbox = pay_site.app.instance_path + "/outbox"
    (notification_id,) = pay_site.sql(
        "SELECT id FROM notifications WHERE booking_id = :b", b=booking["bookingId"]
    )[0]
    with open(f"{outbox}/notification-{notification_id}.eml") as message:
        text = message.read()
    assert booking["reference"] in text
    assert f"/bookings/{booking['reference']}" in text


def test_a_worker_killed_mid_refund_never_refunds_twice(
    pay_site, sandbox, shopper, trip_id, travel, project_root
) -> None:
    _, _booking, payment = paid_booking(pay_site, shopper, trip_id, ["3A"])
    transaction_id = pay_site.sql(
        "SELECT gateway_transaction_id FROM payments WHERE id = :p", p=payment["paymentId"]
    )[0][0]
    refund_id = plain_refund(pay_site, payment["paymentId"], 500_000)
    sandbox.faults(refund_latency_ms=20_000)  # the refund is made, the answer is slow
    # A real forking RQ worker, in its own process group, on a Redis database of its own so
    # that the site's in-process worker cannot take the job first.
    config = pay_site.app.config
    own_redis = TEST_REDIS_URL.rsplit("/", 1)[0] + "/11"
    connection = redis.Redis.from_url(own_redis)
    connection.flushdb()
    Queue("default", connection=connection).enqueue(
        "jobs.tasks.run", "process-refunds", refund_id, trigger="queue", job_timeout=300
    )
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": own_redis,
        "FLUTTERWAVE_BASE_URL": config["FLUTTERWAVE_BASE_URL"],
        "FLUTTERWAVE_READ_TIMEOUT": "60",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "jobs", "worker", "--burst"],
        cwd=project_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: gateway_refunds(sandbox, transaction_id), timeout=30)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and the job's work horse, mid-call
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    sandbox.faults()
    assert pay_site.sql(
        "SELECT status, gateway_refund_id FROM refunds WHERE id = :r", r=refund_id
    ) == [("PROCESSING", None)]

    pay_site.prepare(lambda: run_job("process-refunds", refund_id, trigger="test"))  # lease held
    assert len(gateway_refunds(sandbox, transaction_id)) == 1
    travel(timedelta(minutes=7))  # the dead run's lease, and its job timeout, have passed
    pay_site.prepare(lambda: run_job("process-refunds", refund_id, trigger="test"))

    refunds = gateway_refunds(sandbox, transaction_id)
    assert len(refunds) == 1
    assert pay_site.sql(
        "SELECT outcome, error FROM job_runs WHERE job = 'process-refunds' AND trigger = 'queue'"
        " ORDER BY id DESC LIMIT 1"
    ) == [("FAILED", "did not finish: its process died")]
    assert pay_site.sql(
        "SELECT status, gateway_refund_id FROM refunds WHERE id = :r", r=refund_id
    ) == [(RefundStatus.COMPLETED, str(refunds[0]["id"]))]


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
    transaction_id = pay_site.sql(
        "SELECT gateway_transaction_id FROM payments WHERE id = :p", p=payment["paymentId"]
    )[0][0]
    requests.post(
        f"{sandbox.url}/control/transactions/{transaction_id}", json={"status": "failed"}, timeout=5
    )

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
