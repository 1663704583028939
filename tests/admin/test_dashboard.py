"""`/admin`: the figures equal independent SQL over the same rows; the chart is a small SVG."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, text

from tests.admin.helpers import logged_in_as, paid_booking
from tests.factories import create_layout, create_operator, create_trip
from tests.helpers import page
from webapp import clock
from webapp.extensions import db
from webapp.ledger.events import record_payment, record_refund
from webapp.payments.models import Payment
from webapp.refunds.models import Refund
from webapp.settlements.models import Settlement


def figure(soup, period: str, name: str) -> str:
    return soup.select_one(f'td[data-period="{period}"] a[data-figure="{name}"]').get_text()


def test_only_admins_see_the_dashboard(client) -> None:
    assert client.get("/admin").status_code == 302  # to the log-in page
    logged_in_as(client)
    assert client.get("/admin").status_code == 404


def test_an_empty_database_shows_zeros(client) -> None:
    logged_in_as(client, role="admin")
    soup = page(client.get("/admin"))
    assert figure(soup, "today", "bookings") == "0"
    assert figure(soup, "month", "gross") == "₦0.00"
    assert soup.select_one('[data-figure="live-holds"]').get_text().startswith("0 ")


def test_figures_equal_independent_sql(client, travel) -> None:
    # Midday in Lagos, so "five minutes ago" is today whatever the hour the suite runs at.
    noon = datetime.combine(clock.today_in_lagos(), time(12), tzinfo=clock.LAGOS)
    travel(noon - datetime.now(UTC))
    layout = create_layout([["SS.S", "SS.S", "SS.S"]])
    trip = create_trip(layout=layout)
    now = clock.now()
    today = paid_booking(trip, ["1A", "1B"], now - timedelta(minutes=5))
    cancelled = paid_booking(trip, ["2A"], now - timedelta(days=3))
    paid_booking(trip, ["3A"], now - timedelta(days=45))  # outside the 30 days
    lost = paid_booking(trip, ["2B"], now - timedelta(days=2), cancel_reason="SEATS_LOST")
    refunds = []
    for booking, amount, reason in (
        (lost, lost.total_amount, "SEATS_LOST"),  # owed back whole: no commission was earned
        (cancelled, cancelled.fare_subtotal // 2, "PASSENGER_CANCELLED"),  # half reversed
    ):
        refunds.append(
            Refund(
                payment_id=db.session.scalar(
                    select(Payment.id).where(Payment.booking_id == booking.id)
                ),
                booking_id=booking.id,
                amount=amount,
                currency="NGN",
                reason=reason,
                status="COMPLETED",
                completed_at=now - timedelta(days=1),
            )
        )
    db.session.add_all(refunds)
    db.session.flush()
    for payment in db.session.scalars(select(Payment)):
        record_payment(payment)  # the ledger's journals, as verification posts them
    for refund in refunds:
        record_refund(refund)
    operators = [create_operator() for _ in range(3)]
    for operator, status in zip(operators, ["CALCULATED", "CALCULATED", "APPROVED"], strict=True):
        db.session.add(Settlement(operator_id=operator.id, month="2026-11", status=status))
    db.session.commit()
    logged_in_as(client, role="admin")

    soup = page(client.get("/admin"))

    start = clock.lagos_day_bounds(clock.today_in_lagos() - timedelta(days=29))[0]
    expected = db.session.execute(
        text(
            """
            SELECT count(*), sum(b.total_amount), sum(b.service_fee),
                   (SELECT count(*) FROM booking_seats s WHERE s.booking_id IN (
                        SELECT booking_id FROM payments WHERE status = 'SUCCESSFUL'
                        AND verified_at >= :start) AND s.booking_id <> :lost)
            FROM bookings b
            WHERE b.id IN (SELECT booking_id FROM payments
                           WHERE status = 'SUCCESSFUL' AND verified_at >= :start)
              AND coalesce(b.cancel_reason, '') <> 'SEATS_LOST'
            """
        ),
        {"start": start, "lost": lost.id},
    ).one()
    refunded = db.session.execute(
        text("SELECT sum(amount) FROM refunds WHERE status = 'COMPLETED' AND completed_at >= :s"),
        {"s": start},
    ).scalar()
    assert figure(soup, "month", "bookings") == str(expected[0]) == "2"
    assert figure(soup, "month", "seats") == str(expected[3]) == "3"
    assert figure(soup, "month", "gross") == f"₦{expected[1] / 100:,.2f}"
    assert figure(soup, "month", "service-fees") == f"₦{expected[2] / 100:,.2f}"
    assert figure(soup, "month", "refunds") == f"₦{refunded / 100:,.2f}"
    assert figure(soup, "today", "bookings") == "1"
    assert figure(soup, "today", "gross") == f"₦{today.total_amount / 100:,.2f}"
    # Commission from the ledger: credits to revenue:commission less the refund's reversal.
    earned = {
        period: -int(
            db.session.execute(
                text(
                    "SELECT coalesce(sum(amount), 0) FROM ledger_entries "
                    "WHERE account = 'revenue:commission' AND effective_at >= :s"
                ),
                {"s": since},
            ).scalar()
        )
        for period, since in (
            ("today", clock.lagos_day_bounds(clock.today_in_lagos())[0]),
            ("month", start),
        )
    }
    per_seat = trip.fare_amount * 800 // 10_000
    assert earned == {"today": 2 * per_seat, "month": 3 * per_seat - per_seat // 2}
    for period, kobo in earned.items():
        assert figure(soup, period, "commission") == f"₦{kobo / 100:,.2f}"
    link = soup.select_one('td[data-period="month"] a[data-figure="commission"]')["href"]
    behind = page(client.get(link))
    amounts = [int(row["data-amount"]) for row in behind.select("#entries tr[data-entry]")]
    assert -sum(amounts) == earned["month"]
    assert len(amounts) == 3  # two bookings' commission and one reversal
    waiting = db.session.execute(
        text("SELECT count(*) FROM settlements WHERE status = 'CALCULATED'")
    ).scalar()
    item = soup.select_one('#attention a[data-figure="settlements-waiting"]')
    assert item.get_text().startswith(f"{waiting} ")
    assert waiting == 2
    listed = page(client.get(item["href"])).select("#settlements tr[data-settlement]")
    assert len(listed) == waiting

    chart = soup.find("svg", id="sales-chart")
    assert len(str(chart).encode()) < 10_000
    assert len(chart.find_all("rect")) == 30
    # Each figure drills to the rows behind it: the same two bookings.
    link = soup.select_one('td[data-period="month"] a[data-figure="bookings"]')["href"]
    listed = page(client.get(link)).select("#bookings tbody tr[data-reference]")
    assert len(listed) == 2


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_lagos_days_on_sqlite_too(client) -> None:
    trip = create_trip()
    now = clock.now()
    paid_booking(trip, ["1A"], now - timedelta(days=1))
    paid_booking(trip, ["1B"], now)
    logged_in_as(client, role="admin")

    soup = page(client.get("/admin"))

    assert figure(soup, "today", "bookings") == "1"
    assert figure(soup, "month", "bookings") == "2"
    heights = [int(bar["height"]) for bar in soup.find("svg", id="sales-chart").find_all("rect")]
    assert heights[-1] > 1
    assert heights[-2] > 1
    assert heights[:-2] == [1] * 28
