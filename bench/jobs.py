"""`make bench`, part three: the periodic jobs at scale, each next to the bare SQL of its work.

Seeds a fresh PostgreSQL database (BENCH_DATABASE_URL with `_jobs` appended) with set-based
INSERT … SELECT over generate_series:
  expire-seats        BENCH_JOB_HOLDS (100,000) dead holds, one seat each, on 2,000 trips.
                      Timed: `expire_stale_holds()` (the job's work on HELD bookings), and,
                      on the same rows put back as they were, the bare SQL of the same work
                      (mark them EXPIRED, free their seats, one audit row each, one statement
                      each, one transaction).
  reconcile-payments  BENCH_JOB_PAYMENTS (100,000) successful payments verified in the last
                      7 days, known to a sandbox running as its own gunicorn (loaded from a
                      state file). Timed: one `reconcile_payments()` run, and the bare work of
                      the same comparison: the same SELECT and one raw verify GET per payment
                      it compares, from the same process.
Each line gives seconds, the Python heap peak (tracemalloc) and the ratio to its bare work
(target ≤ 3×). Results go to bench/results/jobs.json.
"""

import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import free_port, start_server, stop_server  # noqa: E402
from bench.settlements import recreate  # noqa: E402
from webapp import clock  # noqa: E402
from webapp.app import create_app  # noqa: E402
from webapp.booking.services import expire_stale_holds  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.payments.reconciliation import LOOK_BACK, reconcile_payments  # noqa: E402

BASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/roadpass_bench"
)
HOLDS = int(os.environ.get("BENCH_JOB_HOLDS", "100000"))
PAYMENTS = int(os.environ.get("BENCH_JOB_PAYMENTS", "100000"))
SEATS_PER_TRIP = 50
RESULTS = ROOT / "bench" / "results"
TARGET = 3.0

SEED = [
    "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at) "
    "VALUES (1, 'bench@example.com', 'Bench', 'x', 'passenger', true, now())",
    "INSERT INTO cities (id, slug, name, state) VALUES (1, 'lagos', 'Lagos', 'Lagos'), "
    "(2, 'abuja', 'Abuja', 'FCT')",
    "INSERT INTO routes (id, origin_id, destination_id, duration_minutes, distance_km) "
    "VALUES (1, 1, 2, 600, 760)",
    "INSERT INTO seat_layouts (id, name, description, rows, columns, decks) "
    "VALUES (1, 'Bench', '', 1, 1, 1)",
    "INSERT INTO operators (id, slug, name, commission_bps, cancellation_policy, "
    "payout_bank_name, payout_account_name, payout_account_number, payout_bank_code, "
    "contact_email, created_at) VALUES (1, 'bench', 'Bench Lines', 800, '[]', '', '', "
    "'0123456789', '044', '', now())",
    "INSERT INTO trips (id, route_id, operator_id, layout_id, departs_at, arrives_at, "
    "fare_amount, currency, boarding_point, status, created_at) SELECT t, 1, 1, 1, "
    ":departs + t * interval '1 minute', :departs + interval '10 hours' + t * interval '1 minute', "
    "1500000, 'NGN', 'Jibowu', 'SCHEDULED', now() "
    "FROM generate_series(1, :trips) t",
    # Dead holds: started 20 minutes ago, ended 5 minutes ago; one seat each.
    "INSERT INTO bookings (id, reference, user_id, trip_id, status, hold_started_at, "
    "hold_expires_at, hold_extended, fare_subtotal, service_fee, total_amount, currency, "
    "cancellation_policy, created_at, updated_at) SELECT g, 'RP-H' || g, 1, "
    "1 + (g - 1) / :seats, 'HELD', :now - interval '20 minutes', "
    ":now - interval '5 minutes' - g * interval '1 millisecond', false, 1500000, 25000, "
    "1525000, 'NGN', '[]', :now - interval '20 minutes', :now - interval '20 minutes' "
    "FROM generate_series(1, :holds) g",
    "INSERT INTO trip_seats (id, trip_id, label, seat_class, status, hold_expires_at, "
    "booking_id) SELECT b.id, b.trip_id, 'S' || (1 + (b.id - 1) % :seats), 'standard', "
    "'held', b.hold_expires_at, b.id FROM bookings b",
    "INSERT INTO booking_seats (booking_id, trip_seat_id, label) "
    "SELECT s.booking_id, s.id, s.label FROM trip_seats s",
    # Paid bookings for reconciliation: confirmed, verified within the last 7 days.
    "INSERT INTO bookings (id, reference, user_id, trip_id, status, hold_started_at, "
    "hold_expires_at, hold_extended, fare_subtotal, service_fee, total_amount, currency, "
    "cancellation_policy, created_at, updated_at) SELECT :holds + g, 'RP-P' || g, 1, 1, "
    "'CONFIRMED', :now - interval '2 days', :now - interval '2 days' + interval '15 minutes', "
    "false, 1500000, 25000, 1525000, 'NGN', '[]', :now - interval '2 days', "
    ":now - interval '2 days' FROM generate_series(1, :payments) g",
    "INSERT INTO payments (id, booking_id, user_id, provider, tx_ref, status, amount, currency, "
    "gateway_transaction_id, paid_amount, paid_currency, gateway_fee, created_at, updated_at, "
    "verified_at) SELECT g, :holds + g, 1, 'flutterwave', 'RP-P' || g || '-1', 'SUCCESSFUL', "
    "1525000, 'NGN', g::text, 1525000, 'NGN', 2000, :now - interval '2 days', "
    ":now - interval '2 days', :now - interval '2 days' + g * interval '1 millisecond' "
    "FROM generate_series(1, :payments) g",
]
SEQUENCED = ("bookings", "trip_seats", "booking_seats", "payments", "trips")

# The expiry's work without the app: the same rows, the same end state, one transaction.
BARE_EXPIRY = [
    "CREATE TEMPORARY TABLE ended ON COMMIT DROP AS WITH e AS (UPDATE bookings "
    "SET status = 'EXPIRED', updated_at = :now WHERE status = 'HELD' AND hold_expires_at <= :now "
    "RETURNING id) SELECT id FROM e",
    "UPDATE trip_seats SET status = 'available', booking_id = NULL, hold_expires_at = NULL "
    "WHERE status = 'held' AND booking_id IN (SELECT id FROM ended)",
    "INSERT INTO audit_events (occurred_at, action, subject_type, subject_id, actor, data) "
    "SELECT :now, 'booking.expired', 'booking', id, 'system', '{}' FROM ended",
]
PUT_BACK = [
    "UPDATE bookings SET status = 'HELD' WHERE id <= :holds",
    "UPDATE trip_seats SET status = 'held', booking_id = id, hold_expires_at = "
    "(SELECT hold_expires_at FROM bookings b WHERE b.id = trip_seats.id)",
    "DELETE FROM audit_events",
]
BARE_RECONCILE_SELECT = (
    "SELECT id, gateway_transaction_id, paid_amount, paid_currency FROM payments "
    "WHERE status = 'SUCCESSFUL' AND verified_at >= :since ORDER BY id LIMIT :limit"
)


def sandbox_state(path: Path, now: datetime) -> None:
    """The sandbox's state file: one successful transaction per seeded payment."""
    created = (now - timedelta(days=2)).isoformat()
    transactions = [
        {
            "id": n,
            "tx_ref": f"RP-P{n}-1",
            "flw_ref": f"FLW-BENCH-{n}",
            "amount": "15250.00",
            "currency": "NGN",
            "status": "successful",
            "processor_response": "Approved",
            "card": "5531886652142950",
            "customer": {"email": "bench@example.com", "name": "Bench"},
            "meta": {},
            "created_at": created,
            "refunded": "0",
        }
        for n in range(1, PAYMENTS + 1)
    ]
    path.write_text(json.dumps({"links": [], "transactions": transactions, "refunds": []}))


def seed(now: datetime) -> float:
    started = time.perf_counter()
    params = {
        "now": now,
        "departs": now + timedelta(days=3),
        "holds": HOLDS,
        "payments": PAYMENTS,
        "seats": SEATS_PER_TRIP,
        "trips": -(-HOLDS // SEATS_PER_TRIP),
    }
    with db.engine.begin() as conn:
        for statement in SEED:
            conn.execute(text(statement), params)
        for table in SEQUENCED:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constants
                f"(SELECT max(id) FROM {table}))"
            )
    vacuum()
    return time.perf_counter() - started


def vacuum() -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        conn.exec_driver_sql("CHECKPOINT")


def measured(work: Callable[[], object]) -> tuple[float, int, object]:
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, result


def bare_expiry(now: datetime) -> int:
    with db.engine.begin() as conn:
        for statement in BARE_EXPIRY:
            conn.execute(text(statement), {"now": now})
        return conn.execute(text("SELECT count(*) FROM bookings WHERE status = 'EXPIRED'")).scalar()


def bare_reconcile(now: datetime, gateway: str, key: str, limit: int) -> int:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(BARE_RECONCILE_SELECT), {"since": now - LOOK_BACK, "limit": limit}
        ).all()
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    for _, transaction_id, _, _ in rows:
        session.get(f"{gateway}/transactions/{transaction_id}/verify", headers=headers, timeout=30)
    return len(rows)


def main() -> None:
    url = make_url(BASE_URL)
    url = url.set(database=f"{url.database}_jobs").render_as_string(hide_password=False)
    recreate(url)
    now = clock.now()
    workdir = Path(tempfile.mkdtemp(prefix="roadpass-bench-jobs-"))
    state_file = workdir / "sandbox.json"
    sandbox_state(state_file, now)
    port = free_port()
    gateway = f"http://127.0.0.1:{port}/sandbox/flutterwave/v3"
    sandbox = start_server(
        port,
        workdir / "sandbox.log",
        {"SANDBOX_STATE_FILE": str(state_file), "DATABASE_URL": url},
        workers=1,
        group="gateway",
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "x" * 32,
            "FLUTTERWAVE_BASE_URL": gateway,
            "SEAT_STATE_CACHE_SECONDS": 0,
        },
        environ={"REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")},
    )
    try:
        with app.app_context():
            from flask_migrate import upgrade  # only the bench migrates this database

            upgrade()
            seeded = seed(now)
            bare_expire = measured(lambda: bare_expiry(now))
            with db.engine.begin() as conn:
                for statement in PUT_BACK:
                    conn.execute(text(statement), {"holds": HOLDS})
            vacuum()
            job_expire = measured(lambda: expire_stale_holds(now))
            key = app.config["FLUTTERWAVE_SECRET_KEY"]
            bare_reconcile_run = measured(lambda: bare_reconcile(now, gateway, key, 500))
            job_reconcile = measured(lambda: reconcile_payments(now))
            db.session.rollback()
    finally:
        stop_server(sandbox)
    compared = job_reconcile[2]["compared"]  # type: ignore[index]
    rows = [
        ("expire-seats", job_expire, bare_expire, f"{job_expire[2]:,} holds ended"),
        (
            "reconcile",
            job_reconcile,
            bare_reconcile_run,
            f"{job_reconcile[2]}; compared {compared:,} of {PAYMENTS:,} (the job's cap per run)",
        ),
    ]
    print(
        f"\njobs at scale: {HOLDS:,} dead holds, {PAYMENTS:,} recent payments "
        f"(seeded in {seeded:.1f} s); sandbox in its own gunicorn"
    )
    print(f"{'job':13} {'seconds':>8} {'peak MiB':>9} {'bare s':>8} {'× bare':>7}  outcome")
    figures = {}
    for name, (seconds, peak, _), (bare, _, _), outcome in rows:
        ratio = seconds / bare
        verdict = "met" if ratio <= TARGET else "MISSED"
        print(
            f"{name:13} {seconds:8.2f} {peak / 2**20:9.2f} {bare:8.2f} {ratio:7.1f}  "
            f"{outcome} (target ≤ {TARGET:.0f}× bare: {verdict})"
        )
        figures[name] = {"seconds": seconds, "peak_bytes": peak, "bare_seconds": bare}
        figures[name]["ratio"] = ratio
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "jobs.json").write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(),
                "holds": HOLDS,
                "payments": PAYMENTS,
                **figures,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
