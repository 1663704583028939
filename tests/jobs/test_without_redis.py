"""With Redis unreachable the app still books, takes payments and cancels (SPEC §12): jobs that
would be queued run inline after the commit, and the job endpoint runs jobs inline."""

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
import requests

from tests.apps import redis_url_for
from tests.factories import create_layout, create_trip
from tests.live import LiveSite, live_site
from tests.paysite import (
    PAY_SETTINGS,
    Sandbox,
    Shopper,
    finish_checkout,
    new_shopper,
    status_of,
)
from webapp import clock
from webapp.config import DEV_JOBS_SECRET, DEV_WEBHOOK_HASH
from webapp.jobs.queues import enqueue

NOWHERE = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@pytest.fixture(scope="module")
def no_redis_site(
    tmp_path_factory: pytest.TempPathFactory, redis_client: object
) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("noredis")
    with live_site("postgresql", "noredis", folder, REDIS_URL=NOWHERE, **PAY_SETTINGS) as site:
        yield site


def small_trip(site: LiveSite) -> int:
    return site.prepare(
        lambda: (
            create_trip(
                fare_amount=1_500_000,
                layout=create_layout([["SS.SS"] * 2]),
                departs_at=clock.now() + timedelta(days=3),
            ).id
        )
    )


@pytest.fixture
def passenger(no_redis_site: LiveSite) -> Shopper:
    return new_shopper(no_redis_site)


def test_booking_paying_and_cancelling_work_without_redis(no_redis_site, passenger) -> None:
    site = no_redis_site
    sandbox = Sandbox(f"{site.url}/sandbox/flutterwave")
    # An overpayment, so a refund must be paid out; the webhook lands before the redirect.
    sandbox.faults(amount_delta="1.00", webhook="before_redirect")
    trip_id = small_trip(site)
    with site.context():
        assert enqueue("expire-seats") is None  # really no Redis

    booking = passenger.hold(trip_id, ["1A"])
    payment = passenger.pay(booking)
    finish_checkout(payment["checkoutUrl"], "successful")  # the webhook is applied before its 200
    assert status_of(site, booking["bookingId"]) == ("CONFIRMED", [("SUCCESSFUL", None)])
    # The refund of the excess and the e-mails went out inline, right after their commits.
    assert site.sql(
        "SELECT amount, status FROM refunds WHERE booking_id = :b", b=booking["bookingId"]
    ) == [(100, "COMPLETED")]
    assert site.sql(
        "SELECT DISTINCT status FROM notifications WHERE booking_id = :b", b=booking["bookingId"]
    ) == [("SENT",)]

    cancelled = requests.post(
        f"{site.url}/api/bookings/{booking['bookingId']}/cancel",
        headers={**passenger.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=15,
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["refund"]["status"] in ("REQUESTED", "PROCESSING", "COMPLETED")
    assert site.sql(
        "SELECT reason, status FROM refunds WHERE booking_id = :b ORDER BY id",
        b=booking["bookingId"],
    ) == [("OVERPAYMENT", "COMPLETED"), ("PASSENGER_CANCELLED", "COMPLETED")]


def test_job_endpoint_runs_inline_and_health_says_redis_is_down(no_redis_site) -> None:
    headers = {"X-Jobs-Secret": DEV_JOBS_SECRET}

    ran = requests.post(f"{no_redis_site.url}/api/jobs/expire-seats", headers=headers, timeout=15)
    health = requests.get(
        f"{no_redis_site.url}/api/jobs/health", headers=headers, timeout=15
    ).json()

    assert ran.status_code == 200
    assert ran.json()["queued"] is False
    assert ran.json()["outcome"] == "SUCCEEDED"
    assert health["redis"] == "down"
    assert health["queues"] is None
    assert health["workers"] is None
    assert health["jobs"]["expire-seats"]["lastRun"]["trigger"] == "api-inline"
    webhook = requests.post(
        f"{no_redis_site.url}/api/payments/webhook/flutterwave",
        data=b"{}",
        headers={"verif-hash": DEV_WEBHOOK_HASH},
        timeout=5,
    )
    assert webhook.status_code == 400  # still refused cleanly


def test_nothing_is_lost_when_redis_comes_back(no_redis_site, passenger, travel) -> None:
    """A refund whose inline payout hit a gateway outage waits in the database; once Redis is
    back, a queued run of the refund job (and a worker) finishes it."""
    site = no_redis_site
    sandbox = Sandbox(f"{site.url}/sandbox/flutterwave")
    sandbox.faults(amount_delta="2.00", webhook="drop", fail_next={"refund": [503]})
    trip_id = small_trip(site)
    booking = passenger.hold(trip_id, ["2A"])
    payment = passenger.pay(booking)
    passenger.come_back(finish_checkout(payment["checkoutUrl"], "successful"))
    assert site.sql("SELECT status FROM refunds WHERE booking_id = :b", b=booking["bookingId"]) == [
        ("PROCESSING",)
    ]

    back = redis_url_for("no-redis")
    redis.Redis.from_url(back).flushdb()
    site.app.config["REDIS_URL"] = back
    site.app.extensions.pop("jobs_redis", None)
    try:
        travel(timedelta(minutes=5))  # past the retry backoff after the outage
        queued = requests.post(
            f"{site.url}/api/jobs/process-refunds",
            headers={"X-Jobs-Secret": DEV_JOBS_SECRET},
            timeout=10,
        )
        assert queued.status_code == 202
        # The unknown outcome is looked up first; the 503 left no refund at the gateway.
        assert site.run_jobs() == 2  # the refund run, then the e-mail it queued
        assert site.sql(
            "SELECT status FROM refunds WHERE booking_id = :b", b=booking["bookingId"]
        ) == [("COMPLETED",)]
    finally:
        site.app.config["REDIS_URL"] = NOWHERE
        site.app.extensions.pop("jobs_redis", None)
