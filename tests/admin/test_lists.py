"""The admin lists: search (reference, e-mail, any Nigerian phone format), filters, keyset
paging that stays bounded on 50,000 bookings, streamed CSV, bad input a 4xx, refund retry."""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from tests.admin.helpers import logged_in_as, paid_booking
from tests.factories import create_booked_seats, create_layout, create_trip, create_user
from tests.helpers import csrf_from, page
from webapp import clock
from webapp.audit.models import AuditEvent
from webapp.booking.models import BookingSeat
from webapp.extensions import db
from webapp.payments.models import Payment
from webapp.refunds.models import Refund


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def references(response) -> list[str]:
    return [row["data-reference"] for row in page(response).select("#bookings tr[data-reference]")]


def test_booking_search_by_reference_email_and_phone_in_any_format(client) -> None:
    trip = create_trip()
    wanted = create_booked_seats(trip, ["1A"], create_user(email="ada@example.com"))
    db.session.execute(
        text("UPDATE booking_seats SET passenger_phone = '+2348031234567' WHERE booking_id = :b"),
        {"b": wanted.id},
    )
    db.session.commit()
    other = create_booked_seats(trip, ["1B"])
    logged_in_as(client, role="admin")

    assert references(client.get(f"/admin/bookings?q={wanted.reference.lower()}")) == [
        wanted.reference
    ]
    assert references(client.get("/admin/bookings?q=ADA@example.com")) == [wanted.reference]
    for phone in ["08031234567", "0803 123 4567", "+234 803 123 4567", "2348031234567"]:
        assert references(client.get("/admin/bookings", query_string={"q": phone})) == [
            wanted.reference
        ], phone
    both = references(client.get(f"/admin/bookings?trip={trip.id}"))
    assert both == [other.reference, wanted.reference]  # newest first


def test_booking_search_by_phone_finds_the_account_holders_too(client) -> None:
    holder = create_user(phone="+2347055550199")
    wanted = create_booked_seats(create_trip(), ["1A"], holder)
    logged_in_as(client, role="admin")

    found = references(client.get("/admin/bookings", query_string={"q": "0705 555 0199"}))

    assert found == [wanted.reference]


@pytest.mark.parametrize(
    "query",
    [
        "status=NOPE",
        "trip=abc",
        "trip=-1",
        "created_on=2026-13-01",
        "paid_from=2026-12-05&paid_to=2026-12-01",
        "after=1e9",
        "after=99999999999",
        "trip=2147483648",
        "paid_from=x",
        "paid_from=0001-01-01",  # was a 500: the day's bounds overflowed
        "paid_to=9999-12-31",  # was a 500
    ],
)
def test_bad_filters_are_a_4xx(client, query: str) -> None:
    logged_in_as(client, role="admin")
    paths = ["/admin/bookings"] + ([] if "after" in query else ["/admin/bookings.csv"])
    for path in paths:
        assert client.get(f"{path}?{query}").status_code == 422, (path, query)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/refunds?status=NOPE",
        "/admin/refunds?reason=NOPE",
        "/admin/trips?departs_on=soon",
        "/admin/trips?after=x",
        "/admin/audit?subject_id=x",
        "/admin/payments?status=PAID",
        "/admin/payments?flag=odd",
        "/admin/payments?min_naira=-5",
        "/admin/payments?from=2026-12-02&to=2026-12-01",
        "/admin/audit?from=2026-02-30",
        "/admin/ledger?account=revenue:everything",
        "/admin/ledger?account=operator_payable:x",
        "/admin/ledger?dated_from=2026-13-01",
    ],
)
def test_bad_filters_on_the_other_lists_are_a_4xx(client, path: str) -> None:
    logged_in_as(client, role="admin")
    assert client.get(path).status_code == 422


def insert_bookings(trip_id: int, user_id: int, how_many: int) -> None:
    """`how_many` bookings in three statements, without the ORM (set-based, fast)."""
    now = clock.now()
    db.session.execute(
        text(
            """
            INSERT INTO bookings (reference, user_id, trip_id, status, hold_started_at,
                hold_expires_at, hold_extended, fare_subtotal, service_fee, total_amount,
                currency, contact_email, cancellation_policy, created_at, updated_at)
            SELECT 'RP-L' || lpad(n::text, 7, '0'), :user, :trip, 'CONFIRMED', :start, :end,
                false, 1500000, 25000, 1525000, 'NGN', 'bulk' || n || '@example.com', '[]',
                :start - n * interval '1 minute', :start
            FROM generate_series(1, :n) AS n
            """
        ),
        {
            "user": user_id,
            "trip": trip_id,
            "start": now,
            "end": now + timedelta(minutes=10),
            "n": how_many,
        },
    )
    db.session.execute(
        text(
            """
            INSERT INTO payments (booking_id, user_id, provider, tx_ref, status, amount,
                currency, gateway_transaction_id, paid_amount, paid_currency, created_at,
                updated_at, verified_at)
            SELECT id, user_id, 'flutterwave', 'tx-' || reference, 'SUCCESSFUL', total_amount,
                'NGN', 'flw-' || id, total_amount, 'NGN', created_at, created_at, created_at
            FROM bookings WHERE reference LIKE 'RP-L%'
            """
        )
    )
    db.session.execute(
        text(
            """
            INSERT INTO audit_events (occurred_at, action, subject_type, subject_id, actor, data)
            SELECT created_at, 'booking.confirmed', 'booking', id, 'system', '{}'
            FROM bookings WHERE reference LIKE 'RP-L%'
            """
        )
    )
    db.session.commit()


@pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
def test_every_page_without_arguments_works_on_an_empty_database(app, client) -> None:
    logged_in_as(client, role="admin")
    needs = {"admin.month_csv"}  # a month must be chosen: 422, tested with the settlements
    pages = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin")
        and "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint not in needs
    ]
    assert len(pages) >= 15
    failed = {}
    for path in pages:
        response = client.get(path)
        response.get_data()  # a CSV is streamed: read it before the next request
        if response.status_code != 200:
            failed[path] = response.status_code
    assert failed == {}


def test_first_pages_stay_bounded_on_50000_bookings(client) -> None:
    trip = create_trip()
    insert_bookings(trip.id, create_user().id, 50_000)
    logged_in_as(client, role="admin")
    today = clock.today_in_lagos().isoformat()
    pages = [
        "/admin/bookings",
        f"/admin/bookings?trip={trip.id}&status=CONFIRMED",
        f"/admin/bookings?paid_from={today}&paid_to={today}",
        "/admin/bookings?q=bulk77@example.com",
        "/admin/refunds",
        "/admin/payments",
        f"/admin/payments?status=SUCCESSFUL&min_naira=1000&from={today}",
        "/admin/trips",
        "/admin/audit?subject=booking",
        f"/admin/ledger?account=revenue:commission&dated_from={today}",
        "/admin/settlements?status=CALCULATED",
        "/admin",
    ]
    for path in pages:
        with counted_statements() as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        assert len(statements) <= 12, (path, len(statements), statements)
        print(f"{path}: {len(statements)} statements")

    first = client.get("/admin/bookings")
    assert len(references(first)) == 50
    after = page(first).find(id="next-page")["href"]
    with counted_statements() as statements:
        second = client.get(after)
    assert len(statements) <= 12
    assert not set(references(first)) & set(references(second))
    assert references(second)[0] == "RP-L0049950"  # newest (highest id) first, 50 a page


def test_csv_export_is_streamed_and_filtered(client) -> None:
    trip = create_trip(layout=create_layout([["SS.S", "SS.S"]]))
    kept = paid_booking(trip, ["1A"], clock.now())
    create_booked_seats(create_trip(), ["1A"])
    logged_in_as(client, role="admin")

    response = client.get(f"/admin/bookings.csv?trip={trip.id}")

    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "reference"
    assert [row[0] for row in rows[1:]] == [kept.reference]


def test_failed_refund_retried_by_an_admin_is_audited(client) -> None:
    trip = create_trip()
    booking = paid_booking(trip, ["1A"], clock.now())
    payment_id = db.session.scalar(select(Payment.id).where(Payment.booking_id == booking.id))
    refund = Refund(
        payment_id=payment_id,
        booking_id=booking.id,
        amount=1000,
        currency="NGN",
        reason="OVERPAYMENT",
        status="FAILED",
        attempts=5,
        last_error="refused",
    )
    db.session.add(refund)
    db.session.commit()
    admin = logged_in_as(client, role="admin")
    listed = page(client.get("/admin/refunds?status=STUCK"))
    assert listed.select_one(f'tr[data-refund-id="{refund.id}"] button').get_text() == "Retry"

    token = {"csrf_token": csrf_from(client, "/admin/refunds")}
    done = client.post(f"/admin/refunds/{refund.id}/retry", data=token)

    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == "REQUESTED"
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "refund.retried"))
    assert event_.actor_user_id == admin.id
    assert event_.subject_id == refund.id
    trail = page(client.get(f"/admin/audit?actor={admin.email}"))
    assert [row["data-action"] for row in trail.select("#audit tr[data-action]")] == [
        "refund.retried"
    ]
    again = client.post(f"/admin/refunds/{refund.id}/retry", data=token)
    assert again.status_code == 409  # no longer failed: nothing changes
    missing = client.post("/admin/refunds/999999/retry", data=token)
    assert missing.status_code == 404


def test_booking_detail_shows_everything_in_order(client) -> None:
    trip = create_trip()
    booking = paid_booking(trip, ["1A", "1B"], clock.now())
    db.session.execute(
        text("UPDATE booking_seats SET passenger_name = 'Ada Obi' WHERE booking_id = :b"),
        {"b": booking.id},
    )
    for n, action in enumerate(["booking.held", "booking.pending_payment", "booking.confirmed"]):
        db.session.add(
            AuditEvent(
                occurred_at=clock.now() + timedelta(seconds=n),
                action=action,
                subject_type="booking",
                subject_id=booking.id,
                actor="user",
                data={},
            )
        )
    db.session.commit()
    logged_in_as(client, role="admin")

    detail = page(client.get(f"/admin/bookings/{booking.reference}"))

    assert [r.find("td").get_text() for r in detail.select("#seats tbody tr")] == ["1A", "1B"]
    assert "Ada Obi" in detail.find(id="seats").get_text()
    assert detail.select("#payments tr[data-payment-id]")
    assert [li["data-action"] for li in detail.select("#trail li")] == [
        "booking.held",
        "booking.pending_payment",
        "booking.confirmed",
    ]
    assert client.get("/admin/bookings/RP-NOPE").status_code == 404
    assert db.session.scalar(select(BookingSeat.boarded_at).limit(1)) is None


def test_payments_filter_by_status_amount_and_flag(client) -> None:
    trip = create_trip()
    cheap = paid_booking(trip, ["1A"], clock.now())
    late = paid_booking(trip, ["1B"], clock.now(), cancel_reason="SEATS_LOST")
    db.session.execute(
        text("UPDATE payments SET amount = 100000 WHERE booking_id = :b"), {"b": cheap.id}
    )
    db.session.commit()
    logged_in_as(client, role="admin")

    def listed(query: str) -> list[str]:
        rows = page(client.get(f"/admin/payments?{query}")).select(
            "#all-payments tr[data-payment-id]"
        )
        return [row.find("a").get_text() for row in rows]

    assert listed("") == [late.reference, cheap.reference]
    assert listed("max_naira=1000") == [cheap.reference]
    assert listed("min_naira=1001") == [late.reference]
    assert listed("flag=LATE") == [late.reference]
    assert listed("status=PENDING") == []
    flags = page(client.get("/admin/payments")).select("#all-payments tr[data-payment-id]")
    assert flags[0].find_all("td")[-1].get_text() == "late, seats lost"
    exported = client.get("/admin/payments.csv?flag=LATE").get_data(as_text=True)
    assert len(exported.strip().splitlines()) == 2


def test_running_a_job_from_the_page_is_audited_and_the_page_speaks_words(client) -> None:
    admin = logged_in_as(client, role="admin")
    token = csrf_from(client, "/admin/jobs")

    ran = client.post("/admin/jobs/cleanup-idempotency/run", data={"csrf_token": token})

    assert ran.status_code == 303
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.run_now"))
    assert event_.actor_user_id == admin.id
    assert event_.data == {"job": "cleanup-idempotency"}
    listed = page(client.get("/admin/audit?subject=job"))
    row = listed.select_one('#audit tr[data-action="job.run_now"]')
    assert admin.email in row.get_text()
    assert "{" not in page(client.get("/admin/jobs")).find(id="recent-runs").get_text()
