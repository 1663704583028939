"""Refund payouts by the refund job against the live site and its sandbox: never twice, even
with two runs at once or a worker killed in the middle of a call (SPEC §6)."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import redis
from rq import Queue

from tests.apps import redis_url_for
from tests.paysite import gateway_refunds, paid_booking, plain_refund, transaction_of, twice_at_once
from webapp.jobs.runner import run_job
from webapp.refunds.models import RefundStatus


def test_refunds_run_twice_at_once_pay_once(pay_site, sandbox, shopper, trip_id) -> None:
    _, _booking, payment = paid_booking(pay_site, shopper, trip_id, ["2B"])
    refund_id = plain_refund(pay_site, payment["paymentId"], 700_000)

    twice_at_once(pay_site, "process-refunds", refund_id)

    transaction_id = transaction_of(pay_site, payment)
    assert [r["amount_refunded"] for r in gateway_refunds(sandbox, transaction_id)] == [7000]
    assert pay_site.sql("SELECT status, attempts FROM refunds WHERE id = :r", r=refund_id) == [
        ("COMPLETED", 1)
    ]
    notices = pay_site.sql(
        "SELECT count(*) FROM notifications WHERE dedupe_key = :k",
        k=f"refund-completed:{refund_id}",
    )
    assert notices == [(1,)]


def test_a_worker_killed_mid_refund_never_refunds_twice(
    pay_site, sandbox, shopper, trip_id, travel, project_root
) -> None:
    _, _booking, payment = paid_booking(pay_site, shopper, trip_id, ["3A"])
    transaction_id = transaction_of(pay_site, payment)
    refund_id = plain_refund(pay_site, payment["paymentId"], 500_000)
    sandbox.faults(refund_latency_ms=20_000)  # the refund is made, the answer is slow
    # A real forking RQ worker, in its own process group, on a Redis database of its own so
    # that the site's in-process worker cannot take the job first.
    config = pay_site.app.config
    own_redis = redis_url_for("killed-worker")
    connection = redis.Redis.from_url(own_redis)
    connection.flushdb()
    Queue("default", connection=connection).enqueue(
        "jobs.tasks.run", "process-refunds", refund_id, trigger="queue", job_timeout=300
    )
    env = {  # only what the worker needs: no exported secret and no .env can change it
        "PATH": os.environ["PATH"],
        "FLASK_SKIP_DOTENV": "1",
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
        # Wait for the refund to exist at the gateway: an event the sandbox signals, not a poll.
        assert sandbox.wait_for_refund(transaction_id, timeout=120)
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
