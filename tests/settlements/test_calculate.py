"""Monthly settlements: statements that roll forward and freeze what they cover (SPEC §7)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import create_layout, create_operator, create_trip, create_user, held
from tests.ledger.money import complete_all_refunds, gateway_says, open_payment
from webapp import clock
from webapp.cancellations.services import cancel_booking
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.settlements.adjustments import adjust, parse_naira
from webapp.settlements.models import Settlement, SettlementEntry
from webapp.settlements.months import month_end, month_of, previous_month
from webapp.settlements.services import (
    SettlementStateError,
    approve_settlement,
    calculate_settlements,
)

both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
FARE = 1_000_000  # commission 8%: 80,000 per seat


def at(travel, moment: datetime) -> None:
    travel(moment - (clock.now() - clock._offset))


def paid_on(operator, labels: list[str], days_ahead: int = 5):
    trip = create_trip(
        operator=operator,
        fare_amount=FARE,
        layout=create_layout([["SS.SS"] * 2]),
        departs_at=clock.now() + timedelta(days=days_ahead),
    )
    booking = held(create_user().id, trip.id, labels)
    gateway_says(open_payment(booking), fee=500)
    return booking


def settlement(operator, month: str) -> Settlement:
    found = db.session.scalar(
        select(Settlement).where(Settlement.operator_id == operator.id, Settlement.month == month)
    )
    assert found is not None
    db.session.refresh(found)
    return found


def figures(s: Settlement) -> tuple:
    return (
        s.opening_balance,
        s.bookings,
        s.gross_fares,
        s.commission,
        s.refunds,
        s.adjustments,
        s.payouts,
        s.closing_balance,
    )


def test_months_are_lagos_months() -> None:
    assert month_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2026-12"  # 00:30 in Lagos
    assert month_end("2026-12") == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert previous_month(date(2027, 1, 15)) == "2026-12"


@both_databases
def test_a_month_rolls_forward_into_the_next(app, travel) -> None:
    busy, quiet = create_operator(), create_operator()
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    cancelled = paid_on(busy, ["1A", "1B"], days_ahead=30)
    paid_on(busy, ["1A"])
    paid_on(quiet, ["2A"])

    result = calculate_settlements("2026-11")

    assert result.created == 2
    november = settlement(busy, "2026-11")
    assert figures(november) == (0, 2, 3 * FARE, 240_000, 0, 0, 0, 3 * FARE - 240_000)
    assert figures(settlement(quiet, "2026-11"))[-1] == FARE - 80_000

    at(travel, datetime(2026, 12, 2, 9, tzinfo=UTC))
    cancel_booking(cancelled.user_id, cancelled.id)  # 90% of 2 fares back, in December
    complete_all_refunds()
    calculate_settlements("2026-12")

    december = settlement(busy, "2026-12")
    refunded = 2 * FARE * 9 // 10 - 144_000  # the fare back less the commission reversed
    assert figures(december) == (
        november.closing_balance,
        0,
        0,
        0,
        refunded,
        0,
        0,
        november.closing_balance - refunded,
    )
    assert figures(settlement(busy, "2026-11")) == figures(november)  # bookings stay in Nov


@both_databases
def test_recalculating_changes_nothing_and_takes_new_entries_while_open(app, travel) -> None:
    operator = create_operator()
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A"])
    calculate_settlements("2026-11")
    first = figures(settlement(operator, "2026-11"))

    again = calculate_settlements("2026-11")

    assert again.recalculated == 1
    assert figures(settlement(operator, "2026-11")) == first
    assert db.session.scalar(select(func.count(Settlement.id))) == 1

    paid_on(operator, ["2A"])
    calculate_settlements("2026-11")
    assert settlement(operator, "2026-11").bookings == 2


@both_databases
def test_a_late_entry_lands_in_the_next_open_month_never_a_frozen_one(app, travel) -> None:
    operator = create_operator()
    admin = create_user(role="admin")
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A"])
    calculate_settlements("2026-11")
    approve_settlement(settlement(operator, "2026-11").id, admin.id, "Operator Ltd")
    frozen = figures(settlement(operator, "2026-11"))
    covered = db.session.scalar(select(func.count(SettlementEntry.entry_id)))

    paid_on(operator, ["2A"])  # dated in November, recorded after November was frozen
    assert calculate_settlements("2026-11").frozen == 1
    at(travel, datetime(2026, 12, 3, 9, tzinfo=UTC))
    calculate_settlements("2026-12")

    assert figures(settlement(operator, "2026-11")) == frozen
    assert db.session.scalar(select(func.count(SettlementEntry.entry_id))) == covered + 2
    december = settlement(operator, "2026-12")
    assert (december.opening_balance, december.bookings) == (frozen[-1], 1)


@both_databases
def test_approval_needs_a_calculated_settlement_and_earlier_months_frozen(app, travel) -> None:
    operator = create_operator()
    admin = create_user(role="admin")
    at(travel, datetime(2026, 10, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A"])
    calculate_settlements("2026-10")
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A"])
    calculate_settlements("2026-11")

    with pytest.raises(SettlementStateError, match="2026-10"):
        approve_settlement(settlement(operator, "2026-11").id, admin.id, "X")
    approve_settlement(settlement(operator, "2026-10").id, admin.id, "X")
    with pytest.raises(SettlementStateError):
        approve_settlement(settlement(operator, "2026-10").id, admin.id, "X")


@pytest.mark.parametrize("month", ["2026-13", "26-11", "", "2026-1", "1999-12", "2026-11x"])
def test_a_bad_month_is_refused(app, month: str) -> None:
    with pytest.raises(ValidationError):
        calculate_settlements(month)


@both_databases
def test_an_adjustment_is_its_own_journal_on_the_month_it_is_made(app, travel) -> None:
    operator = create_operator()
    admin = create_user(role="admin")
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A"])

    adjust(operator.slug, parse_naira("1,500.50"), "Fuel surcharge agreed on the phone", admin.id)
    adjust(operator.slug, parse_naira("-250"), "Damaged seat repaired by us", admin.id)
    calculate_settlements("2026-11")

    november = settlement(operator, "2026-11")
    assert november.adjustments == 150_050 - 25_000
    assert november.closing_balance == FARE - 80_000 + 125_050


@pytest.mark.parametrize("text", ["", "abc", "0", "1.234", "-0.00", "1e3x", "2000000000"])
def test_a_bad_adjustment_amount_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_naira(text)


def test_an_adjustment_needs_a_reason_and_a_known_operator(app) -> None:
    admin = create_user(role="admin")
    with pytest.raises(ValidationError):
        adjust(create_operator().slug, 100, "no", admin.id)
    with pytest.raises(NotFoundError):
        adjust("nobody", 100, "a real reason", admin.id)
