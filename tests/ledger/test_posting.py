"""Every money event posts one balanced journal, once (SPEC §7)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import (
    create_booked_seats,
    create_layout,
    create_operator,
    create_trip,
    create_user,
    held,
)
from tests.ledger.money import (
    balances,
    complete_all_refunds,
    gateway_says,
    journal_count,
    open_payment,
    refund_completes,
    unbalanced_journals,
)
from webapp import clock
from webapp.cancellations.services import cancel_booking, cancel_trip
from webapp.extensions import db
from webapp.ledger.events import commission_for, half_up_share, record_payment, record_refund
from webapp.ledger.models import Entry, Journal, operator_account
from webapp.ledger.posting import Posting, UnbalancedJournalError, post_journal
from webapp.payments.models import Payment
from webapp.refunds.models import Refund

both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
FARE = 1_500_000
FEE = 25_000


def a_trip(commission_bps: int = 800, fare: int = FARE, **trip):
    operator = create_operator(commission_bps=commission_bps)
    return create_trip(
        operator=operator, fare_amount=fare, layout=create_layout([["SS.SS"] * 3]), **trip
    )


def paid(trip, labels, **answer):
    user = create_user()
    booking = held(user.id, trip.id, labels)
    payment = open_payment(booking)
    gateway_says(payment, **answer)
    return booking, payment


def entries_of(account: str) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Entry.amount), 0)).where(Entry.account == account)
    )


def test_half_up_rounding_to_the_kobo() -> None:
    assert commission_for(20, 750) == 2  # 1.5 kobo rounds up
    assert commission_for(19, 750) == 1  # 1.425
    assert commission_for(FARE, 800) == 120_000
    assert half_up_share(5, 1, 2) == 3  # 2.5
    assert half_up_share(7, 0, 3) == 0


@both_databases
def test_a_verified_payment_splits_between_operator_commission_and_service_fee(app) -> None:
    trip = a_trip()
    booking, _payment = paid(trip, ["1A", "1B"], fee=2_000)

    assert booking.status == "CONFIRMED"
    owed = balances()
    assert owed["gateway_clearing"] == 2 * (FARE + FEE) - 2_000
    assert owed[operator_account(trip.operator_id)] == -(2 * FARE - 240_000)
    assert owed["revenue:commission"] == -240_000
    assert owed["revenue:service_fee"] == -2 * FEE
    assert owed["expense:gateway_fees"] == 2_000
    assert sum(owed.values()) == 0
    assert unbalanced_journals() == []
    kinds = db.session.scalars(select(Journal.kind).order_by(Journal.id)).all()
    assert kinds == ["payment", "gateway_fee"]


@both_databases
def test_posting_the_same_event_twice_posts_once(app) -> None:
    trip = a_trip()
    _, payment = paid(trip, ["1A"], fee=300)
    before = journal_count()

    record_payment(db.session.get(Payment, payment.id))
    db.session.commit()

    assert journal_count() == before == 2


@both_databases
def test_overpayment_is_owed_back_then_settled_by_its_refund(app) -> None:
    trip = a_trip()
    _booking, _payment = paid(trip, ["1A"], amount=FARE + FEE + 50_000)

    assert entries_of("refunds_payable") == -50_000
    complete_all_refunds()

    assert entries_of("refunds_payable") == 0
    assert entries_of(operator_account(trip.operator_id)) == -(FARE - 120_000)
    assert entries_of("gateway_clearing") == FARE + FEE


@both_databases
def test_underpayment_is_owed_back_whole_and_pays_no_operator(app) -> None:
    trip = a_trip()
    booking, _payment = paid(trip, ["1A"], amount=FARE + FEE - 1, fee=100)

    assert booking.status != "CONFIRMED"
    assert entries_of("refunds_payable") == -(FARE + FEE - 1)
    assert entries_of(operator_account(trip.operator_id)) == 0
    complete_all_refunds()
    assert balances() == {
        "gateway_clearing": -100,
        "refunds_payable": 0,
        "expense:gateway_fees": 100,
    }


@both_databases
def test_a_passenger_refund_reverses_share_and_commission_in_proportion(app) -> None:
    trip = a_trip(commission_bps=750, fare=1_000_020, departs_at=clock.now() + timedelta(days=3))
    # 75,001.5 kobo of commission per seat
    booking, _ = paid(trip, ["1A"])
    assert entries_of("revenue:commission") == -75_002

    cancel_booking(booking.user_id, booking.id)  # ≥ 48 h: 90% of the fare back
    complete_all_refunds()

    refunded = 1_000_020 * 9000 // 10_000  # 900,018
    reversed_commission = half_up_share(75_002, refunded, 1_000_020)  # 67,501.8 → 67,502
    assert entries_of("revenue:commission") == -(75_002 - reversed_commission)
    assert entries_of("revenue:service_fee") == -FEE  # kept
    operator = operator_account(trip.operator_id)
    assert entries_of(operator) == -(1_000_020 - 75_002) + (refunded - reversed_commission)
    assert sum(balances().values()) == 0


@both_databases
def test_after_a_full_refund_a_bookings_commission_is_exactly_zero(app) -> None:
    trip = a_trip(commission_bps=750, fare=1_000_020)
    booking, _ = paid(trip, ["1A", "1B", "2A"])
    admin = create_user(role="admin")

    cancel_trip(admin.id, trip.id, "bus broke down")
    complete_all_refunds()

    commission = db.session.scalar(
        select(func.sum(Entry.amount)).where(
            Entry.booking_id == booking.id, Entry.account == "revenue:commission"
        )
    )
    assert commission == 0
    assert entries_of(operator_account(trip.operator_id)) == 0
    assert entries_of("revenue:service_fee") == 0
    assert entries_of("gateway_clearing") == 0


@both_databases
def test_money_paid_after_the_trip_was_cancelled_is_owed_back_and_earns_no_one_anything(
    app,
) -> None:
    """Two checkouts of one unpaid booking, both closed by the trip's cancellation, both paid at
    the gateway afterwards: each payment is owed back whole, so when the refunds complete the
    operator, the commission and the service fee are all untouched. Before the fix each late
    payment was booked as a sale and each refund reversed the commission of both, leaving the
    operator owed money for a trip that never ran (found by the money properties)."""
    trip = a_trip(commission_bps=750, fare=1_000_020)
    booking = held(create_user().id, trip.id, ["1A"])
    first, second = open_payment(booking), open_payment(booking)
    cancel_trip(create_user(role="admin").id, trip.id, "bus broke down")

    gateway_says(first, fee=100)
    gateway_says(second, fee=100)
    reasons = db.session.scalars(select(Refund.reason).where(Refund.booking_id == booking.id))
    assert sorted(reasons) == ["PAID_AFTER_CANCELLATION"] * 2
    assert entries_of(operator_account(trip.operator_id)) == 0
    complete_all_refunds()

    assert entries_of(operator_account(trip.operator_id)) == 0
    assert entries_of("revenue:commission") == 0
    assert entries_of("revenue:service_fee") == 0
    assert entries_of("refunds_payable") == 0
    assert unbalanced_journals() == []


@both_databases
def test_a_refund_completed_twice_posts_once(app) -> None:
    trip = a_trip()
    booking, _ = paid(trip, ["1A"], amount=FARE + FEE + 10)
    refund_id = db.session.scalar(select(Refund.id).where(Refund.booking_id == booking.id))
    refund_completes(refund_id)
    before = journal_count()

    record_refund(db.session.get(Refund, refund_id))
    db.session.commit()

    assert journal_count() == before


@both_databases
def test_the_posting_function_refuses_an_unbalanced_journal(app) -> None:
    trip = a_trip()
    with pytest.raises(UnbalancedJournalError):
        post_journal(
            "adjustment",
            1,
            [
                Posting("gateway_clearing", 100, "NGN"),
                Posting(operator_account(trip.id), -99, "NGN"),
            ],
            effective_at=trip.departs_at,
        )
    with pytest.raises(UnbalancedJournalError):
        post_journal(
            "adjustment",
            1,
            [Posting("gateway_clearing", 100, "NGN"), Posting("x", -100, "USD")],
            effective_at=trip.departs_at,
        )
    assert journal_count() == 0


def test_a_booking_made_by_a_factory_has_no_ledger_until_paid(app) -> None:
    booking = create_booked_seats(a_trip(), ["1A"])
    assert db.session.scalar(select(func.count()).where(Entry.booking_id == booking.id)) == 0
