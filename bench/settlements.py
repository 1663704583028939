"""`make bench`, part two: `calculate-settlements` over 100,000 bookings across 20 operators.

Seeds a fresh PostgreSQL database (BENCH_DATABASE_URL with `_settlements` appended) with
set-based INSERT … SELECT over generate_series: 100,000 paid bookings in November 2026 (Lagos),
each with its payment and gateway-fee journals (7 ledger entries), and a completed refund for
every tenth. The ledger's trigger checks are switched off for the seeding only (the rows are
balanced by construction, and checking 700,000 entries one by one would be the bench).

Then it times, in the same process and database:
  calculate   calculate_settlements("2026-11"): 20 settlements created, their entries frozen
  recalculate the same again (entries given back and taken again, totals recomputed)
  group-by    the bare GROUP BY over the same operator entries the settlements total
and prints each time, the Python heap peak during it (tracemalloc) and the ratio to the bare
GROUP BY. Results go to bench/results/settlements.json.
"""

import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp.app import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.settlements.months import month_end, month_start  # noqa: E402
from webapp.settlements.services import calculate_settlements  # noqa: E402

BASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/roadpass_bench"
)
BOOKINGS = int(os.environ.get("BENCH_SETTLEMENT_BOOKINGS", "100000"))
OPERATORS = 20
MONTH = "2026-11"
RESULTS = ROOT / "bench" / "results"

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
    "contact_email, created_at) SELECT o, 'operator-' || o, 'Operator ' || o, 800, '[]', '', '',"
    " '0123456789', '044', '', now() FROM generate_series(1, :operators) o",
    "INSERT INTO trips (id, route_id, operator_id, layout_id, departs_at, arrives_at, "
    "fare_amount, currency, boarding_point, status, created_at) SELECT o, 1, o, 1, "
    "'2026-12-20T08:00:00Z', '2026-12-20T18:00:00Z', 1500000, 'NGN', 'Jibowu', 'SCHEDULED', "
    "now() FROM generate_series(1, :operators) o",
    # Paid through November (Lagos): one every 25 seconds from the 1st.
    "INSERT INTO bookings (id, reference, user_id, trip_id, status, hold_started_at, "
    "hold_expires_at, hold_extended, fare_subtotal, service_fee, total_amount, currency, "
    "cancellation_policy, created_at, updated_at) SELECT g, 'RP-' || g, 1, 1 + g % :operators, "
    "'CONFIRMED', t, t + interval '15 minutes', false, 1500000, 25000, 1525000, 'NGN', '[]', t, "
    "t FROM (SELECT g, :start + g * interval '25 seconds' AS t "
    "FROM generate_series(1, :bookings) g) s",
    "INSERT INTO ledger_journals (id, kind, source_id, memo, effective_at, created_at, "
    "booking_id) SELECT b.id, 'payment', b.id, 'bench', b.created_at, b.created_at, b.id "
    "FROM bookings b",
    "INSERT INTO ledger_journals (id, kind, source_id, memo, effective_at, created_at, "
    "booking_id) SELECT :bookings + b.id, 'gateway_fee', b.id, 'bench', b.created_at, "
    "b.created_at, b.id FROM bookings b",
    "INSERT INTO ledger_journals (id, kind, source_id, memo, effective_at, created_at, "
    "booking_id) SELECT 2 * :bookings + b.id, 'refund', b.id, 'bench', "
    "b.created_at + interval '1 day', b.created_at + interval '1 day', b.id "
    "FROM bookings b WHERE b.id % 10 = 0",
    # Payment: clearing +1,525,000; operator −1,500,000 fare, +120,000 commission;
    # commission −120,000; service fee −25,000. Fee: expense +2,000, clearing −2,000.
    "INSERT INTO ledger_entries (journal_id, account, operator_id, line, amount, currency, "
    "effective_at, created_at, booking_id) SELECT j.id, CASE WHEN l.account = 'op' "
    "THEN 'operator_payable:' || b.trip_id ELSE l.account END, "
    "CASE WHEN l.line IS NULL THEN NULL ELSE b.trip_id END, l.line, l.amount, 'NGN', "
    "j.effective_at, j.created_at, b.id FROM ledger_journals j JOIN bookings b "
    "ON b.id = j.booking_id CROSS JOIN (VALUES "
    "('payment', 'gateway_clearing', NULL, 1525000), ('payment', 'op', 'fare', -1500000), "
    "('payment', 'op', 'commission', 120000), ('payment', 'revenue:commission', NULL, -120000),"
    " ('payment', 'revenue:service_fee', NULL, -25000), "
    "('gateway_fee', 'expense:gateway_fees', NULL, 2000), "
    "('gateway_fee', 'gateway_clearing', NULL, -2000), "
    "('refund', 'gateway_clearing', NULL, -1350000), ('refund', 'op', 'refund', 1242000), "
    "('refund', 'revenue:commission', NULL, 108000)) AS l(kind, account, line, amount) "
    "WHERE l.kind = j.kind",
    "UPDATE ledger_entries SET account = 'operator_payable:' || operator_id WHERE account = 'op'",
]

SEQUENCED = ("users", "cities", "routes", "seat_layouts", "operators", "trips", "ledger_journals")
BARE_GROUP_BY = (
    "SELECT operator_id, line, sum(amount), count(*), count(DISTINCT booking_id) "
    "FROM ledger_entries WHERE operator_id IS NOT NULL AND currency = 'NGN' "
    "AND effective_at < :end GROUP BY operator_id, line"
)


def recreate(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def seed() -> float:
    started = time.perf_counter()
    params = {"operators": OPERATORS, "bookings": BOOKINGS, "start": month_start(MONTH)}
    with db.engine.begin() as conn:
        for table in ("ledger_journals", "ledger_entries"):
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in SEED:
            conn.execute(text(statement), params)
        conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys, checked now
        for table in ("ledger_journals", "ledger_entries"):
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for table in SEQUENCED:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constants
                f"(SELECT max(id) FROM {table}))"
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


def measured(work: Callable[[], object]) -> tuple[float, int, object]:
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, result


def bare_group_by() -> int:
    rows = db.session.execute(text(BARE_GROUP_BY), {"end": month_end(MONTH)}).all()
    db.session.rollback()
    return len(rows)


def main() -> None:
    url = make_url(BASE_URL)
    url = url.set(database=f"{url.database}_settlements").render_as_string(hide_password=False)
    recreate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seeded = seed()
        entries = db.session.execute(text("SELECT count(*) FROM ledger_entries")).scalar()
        db.session.rollback()
        bare_group_by()  # warm the cache, as every run below finds it
        group_time, group_peak, groups = measured(bare_group_by)
        first = measured(lambda: calculate_settlements(MONTH))
        again = measured(lambda: calculate_settlements(MONTH))
        group_time_after, _, _ = measured(bare_group_by)
        check = db.session.execute(
            text(
                "SELECT count(*), sum(bookings), sum(closing_balance) FROM settlements "
                "WHERE month = :m"
            ),
            {"m": MONTH},
        ).one()
        db.session.rollback()
    bare = min(group_time, group_time_after)
    rows = [
        ("group-by", group_time, group_peak, f"{groups} groups"),
        ("calculate", first[0], first[1], str(first[2].as_dict())),
        ("recalculate", again[0], again[1], str(again[2].as_dict())),
    ]
    print(
        f"\ncalculate-settlements: {BOOKINGS:,} bookings, {OPERATORS} operators, "
        f"{entries:,} ledger entries (seeded in {seeded:.1f} s)"
    )
    print(f"{'scenario':12} {'seconds':>8} {'peak MiB':>9} {'× GROUP BY':>11}  outcome")
    for name, seconds, peak, outcome in rows:
        print(f"{name:12} {seconds:8.3f} {peak / 2**20:9.2f} {seconds / bare:11.1f}  {outcome}")
    print(
        f"settlements: {check[0]}, bookings counted: {check[1]:,}, "
        f"owed in total: ₦{check[2] / 100:,.2f}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "settlements.json").write_text(
        json.dumps(
            {
                "bookings": BOOKINGS,
                "operators": OPERATORS,
                "entries": entries,
                "seed_seconds": seeded,
                "group_by_seconds": bare,
                "calculate_seconds": first[0],
                "calculate_peak_bytes": first[1],
                "recalculate_seconds": again[0],
                "recalculate_peak_bytes": again[1],
                "calculate_ratio": first[0] / bare,
                "recalculate_ratio": again[0] / bare,
                "settlements": check[0],
                "bookings_counted": int(check[1] or 0),
            },
            indent=2,
        )
    )
    if check[0] != OPERATORS or int(check[1] or 0) != BOOKINGS:
        sys.exit("calculate-settlements did not account for every booking")


if __name__ == "__main__":
    main()
