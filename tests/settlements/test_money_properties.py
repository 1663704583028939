"""Random sequences of money events across a month boundary (hypothesis, stateful).

Bookings on several operators, payments with gateway fees, overpayments, underpayments and
other currencies, passenger cancellations in each policy tier, trip cancellations, late
payments that lose their seats, settlements calculated, approved and paid by transfers that
succeed, fail or time out. After every step: each journal sums to zero; all balances sum to
zero; each operator's balance, and the closing balance of each of its settlements, equal a
recomputation from bookings, payments, refunds, adjustments and payouts that never reads the
ledger; a
frozen settlement never changes; nothing is paid twice. Recalculating changes nothing.
"""

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.factories import create_layout, create_operator, create_trip, create_user
from tests.ledger.money import gateway_says, open_payment, refund_completes, unbalanced_journals
from webapp import clock
from webapp.booking.models import Booking
from webapp.booking.services import hold_seats
from webapp.cancellations.services import cancel_booking, cancel_trip
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.gateways.transfers import GatewayTransfer
from webapp.ledger.models import Entry
from webapp.payments.models import Payment
from webapp.refunds.models import Refund, RefundStatus
from webapp.settlements.adjustments import adjust
from webapp.settlements.models import Adjustment, Payout, Settlement, SettlementStatus
from webapp.settlements.months import month_end
from webapp.settlements.payouts import _unknown, apply_transfer, open_payout
from webapp.settlements.services import approve_settlement, calculate_settlements

START = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # three days before December, Lagos time
MONTHS = ("2026-11", "2026-12")
FARES = (1_000_000, 1_000_020, 1_234_567)  # 1,000,020 × 7.5% ends in half a kobo
RETURNED = (
    "UNDERPAYMENT",
    "WRONG_CURRENCY",
    "SEATS_LOST",
    "DUPLICATE_PAYMENT",
    "PAID_AFTER_CANCELLATION",
)


def half_up(amount: int, numerator: int, denominator: int) -> int:
    """Written again here on purpose: the recomputation shares no code with the ledger."""
    return 0 if denominator == 0 else (2 * amount * numerator + denominator) // (2 * denominator)


def figures(s: Settlement) -> tuple:
    return (
        s.status if s.status != SettlementStatus.PAYING else "frozen",
        s.opening_balance,
        s.bookings,
        s.gross_fares,
        s.commission,
        s.refunds,
        s.adjustments,
        s.payouts,
        s.closing_balance,
        s.entry_count,
    )


def owed_to(operator_id: int, until: datetime) -> int:
    """What Roadpass owes the operator for events up to `until`, from bookings, payments,
    refunds and payouts alone."""
    operator = db.session.get(Operator, operator_id)
    assert operator is not None
    owed = 0
    commission: dict[int, int] = {}
    payments = db.session.execute(
        select(Payment, Booking)
        .join(Booking, Booking.id == Payment.booking_id)
        .join(Booking.trip)
        .where(
            Booking.trip.has(operator_id=operator_id),
            Payment.status == "SUCCESSFUL",
            Payment.verified_at <= until,
        )
    ).all()
    for payment, booking in payments:
        returned = db.session.scalar(
            select(Refund.id).where(Refund.payment_id == payment.id, Refund.reason.in_(RETURNED))
        )
        if returned is None:
            commission[booking.id] = half_up(booking.fare_subtotal, operator.commission_bps, 10_000)
            owed += booking.fare_subtotal - commission[booking.id]
    refunds = db.session.execute(
        select(Refund, Booking)
        .join(Booking, Booking.id == Refund.booking_id)
        .where(
            Booking.trip.has(operator_id=operator_id),
            Refund.status == RefundStatus.COMPLETED,
            Refund.reason.in_(("PASSENGER_CANCELLED", "TRIP_CANCELLED")),
            Refund.completed_at <= until,
        )
    ).all()
    for refund, booking in refunds:
        fare_part = min(refund.amount, booking.fare_subtotal)
        back = half_up(commission.get(booking.id, 0), fare_part, booking.fare_subtotal)
        owed -= fare_part - back
    owed += db.session.scalar(
        select(func.coalesce(func.sum(Adjustment.amount), 0)).where(
            Adjustment.operator_id == operator_id, Adjustment.created_at <= until
        )
    )
    for payout in db.session.scalars(
        select(Payout).join(Settlement).where(Settlement.operator_id == operator_id)
    ):
        if payout.created_at <= until:
            owed -= payout.amount
        if payout.status == "FAILED" and payout.completed_at <= until:
            owed += payout.amount
    return owed


class MoneyMachine(RuleBasedStateMachine):
    bookings = Bundle("bookings")
    trips = Bundle("trips")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in its own savepoint of the test's connection, rolled back at the
        # end, so examples never see each other's rows and a failure replays exactly.
        db.session.remove()
        self.example = db.session.get_bind().begin_nested()
        self.operators: list[int] = []
        self.frozen: dict[int, tuple] = {}
        self.admins: tuple[int, int] = (0, 0)

    @initialize(target=bookings)
    def start(self):
        clock.set_offset(START - (clock.now() - clock._offset))
        self.operators = [
            create_operator(commission_bps=800).id,
            create_operator(commission_bps=750).id,
        ]
        self.admins = (create_user(role="admin").id, create_user(role="admin").id)
        paid = []
        for operator in (0, 1):  # every run starts with a paid booking on each operator
            trip = self._trip(operator, 1, 100)
            booking = db.session.get(Booking, hold_seats(create_user().id, trip, ["1A"]).booking_id)
            gateway_says(open_payment(booking), fee=700)
            paid.append(booking.id)
        return multiple(*paid)

    def _trip(self, operator: int, fare: int, hours: int) -> int:
        trip = create_trip(
            operator=db.session.get(Operator, self.operators[operator]),
            fare_amount=FARES[fare],
            layout=create_layout([["SS.SS"] * 4]),
            departs_at=clock.now() + timedelta(hours=hours),
        )
        return trip.id

    @rule(
        target=trips,
        operator=st.integers(0, 1),
        fare=st.integers(0, 2),
        hours=st.sampled_from([6, 30, 72, 200]),
    )
    def new_trip(self, operator: int, fare: int, hours: int):
        return self._trip(operator, fare, hours)

    @rule(target=bookings, trip=trips, seats=st.integers(1, 3), start=st.integers(0, 12))
    def hold(self, trip: int, seats: int, start: int):
        labels = [f"{row}{col}" for row in range(1, 5) for col in "ABCD"]
        wanted = [labels[(start + n) % len(labels)] for n in range(seats)]
        try:
            return hold_seats(create_user().id, trip, wanted).booking_id
        except DomainError:
            db.session.rollback()
            return 0

    @rule(
        booking=bookings,
        variant=st.sampled_from(["exact", "exact", "over", "under", "currency"]),
        fee=st.integers(0, 2_000),
    )
    def pay(self, booking: int, variant: str, fee: int) -> None:
        found = db.session.get(Booking, booking) if booking else None
        if found is None:
            return
        payment = open_payment(found)
        amount = {"over": payment.amount + 40_000, "under": payment.amount - 1}.get(
            variant, payment.amount
        )
        gateway_says(
            payment, amount=amount, fee=fee, currency="USD" if variant == "currency" else None
        )

    @rule(booking=bookings)
    def someone_takes_the_seats_of_a_dead_hold(self, booking: int) -> None:
        found = db.session.get(Booking, booking) if booking else None
        if found is None or found.is_live_hold() or found.status == "CONFIRMED":
            return
        try:
            hold_seats(create_user().id, found.trip_id, found.seat_labels)
        except DomainError:
            db.session.rollback()

    @rule(booking=bookings)
    def passenger_cancels(self, booking: int) -> None:
        found = db.session.get(Booking, booking) if booking else None
        if found is None:
            return
        try:
            cancel_booking(found.user_id, found.id)
        except DomainError:
            db.session.rollback()

    @rule(trip=trips)
    def trip_cancelled(self, trip: int) -> None:
        try:
            cancel_trip(self.admins[0], trip, "bus broke down")
        except DomainError:
            db.session.rollback()

    @rule(share=st.integers(1, 3))
    def refunds_complete(self, share: int) -> None:
        waiting = db.session.scalars(
            select(Refund.id).where(Refund.status != RefundStatus.COMPLETED).order_by(Refund.id)
        ).all()
        for refund_id in waiting[: len(waiting) * share // 3 + 1]:
            refund_completes(refund_id)

    @rule(operator=st.integers(0, 1), naira=st.integers(-5_000, 5_000).filter(bool))
    def adjustment(self, operator: int, naira: int) -> None:
        slug = db.session.get(Operator, self.operators[operator]).slug
        adjust(slug, naira * 100 + 37, "correction from the property test", self.admins[0])

    @rule(hours=st.sampled_from([0.4, 3, 13, 30]))
    def time_passes(self, hours: float) -> None:
        clock.set_offset(clock._offset + timedelta(hours=hours))

    @rule(month=st.sampled_from(MONTHS))
    def calculate(self, month: str) -> None:
        for operator_id in self.operators:
            slug = db.session.get(Operator, operator_id).slug
            calculate_settlements(month, slug)
            before = self._figures()
            calculate_settlements(month, slug)
            again = self._figures()
            assert {k: v[1:] for k, v in again.items()} == {k: v[1:] for k, v in before.items()}

    @precondition(lambda self: self._with_status(SettlementStatus.CALCULATED))
    @rule(pick=st.integers(0, 9))
    def approve(self, pick: int) -> None:
        candidates = self._with_status(SettlementStatus.CALCULATED)
        settlement = candidates[pick % len(candidates)]
        try:
            approve_settlement(settlement, self.admins[0], "Test Account")
        except DomainError:
            db.session.rollback()
            return
        self.frozen[settlement] = figures(db.session.get(Settlement, settlement))

    @precondition(lambda self: self._with_status(SettlementStatus.APPROVED))
    @rule(pick=st.integers(0, 9), outcome=st.sampled_from(["successful", "failed", "timeout"]))
    def send(self, pick: int, outcome: str) -> None:
        candidates = self._with_status(SettlementStatus.APPROVED)
        settlement = candidates[pick % len(candidates)]
        try:
            payout_id, mine = open_payout(settlement, self.admins[1])
        except DomainError:
            db.session.rollback()
            return
        assert mine
        self._transfer_answers(payout_id, outcome)

    @precondition(lambda self: self._with_status(SettlementStatus.PAYING))
    @rule(outcome=st.sampled_from(["successful", "failed", "timeout"]))
    def transfer_finishes(self, outcome: str) -> None:
        settlement = self._with_status(SettlementStatus.PAYING)[0]
        payout = db.session.scalar(
            select(Payout.id).where(
                Payout.settlement_id == settlement,
                Payout.status.in_(("SENDING", "NEW", "PENDING")),
            )
        )
        assert payout is not None
        self._transfer_answers(payout, outcome)

    def _transfer_answers(self, payout_id: int, outcome: str) -> None:
        payout = db.session.get(Payout, payout_id)
        assert payout is not None
        if outcome == "timeout":
            _unknown(payout_id, "The payment service is not answering.")
            return
        transfer = GatewayTransfer(
            transfer_id=str(700_000 + payout_id),
            reference=payout.reference,
            amount=payout.amount,
            currency=payout.currency,
            status=outcome.upper(),
            complete_message="" if outcome == "successful" else "Beneficiary bank unavailable",
            fee=2_688,
            raw={},
        )
        db.session.rollback()
        apply_transfer(payout_id, transfer)

    # -- what must hold after every step -------------------------------------------------

    def _with_status(self, status: str) -> list[int]:
        return list(
            db.session.scalars(
                select(Settlement.id)
                .where(Settlement.operator_id.in_(self.operators), Settlement.status == status)
                .order_by(Settlement.month, Settlement.id)
            )
        )

    def _figures(self) -> dict[int, tuple]:
        db.session.expire_all()
        found = db.session.scalars(
            select(Settlement).where(Settlement.operator_id.in_(self.operators))
        )
        return {s.id: figures(s) for s in found}

    @invariant()
    def every_journal_balances_and_all_balances_sum_to_zero(self) -> None:
        assert unbalanced_journals() == []
        totals = db.session.execute(
            select(Entry.currency, func.sum(Entry.amount)).group_by(Entry.currency)
        ).all()
        assert all(total == 0 for _, total in totals)

    @invariant()
    def each_operator_is_owed_what_its_bookings_and_payouts_say(self) -> None:
        for operator_id in self.operators:
            ledger = db.session.scalar(
                select(func.coalesce(func.sum(Entry.amount), 0)).where(
                    Entry.operator_id == operator_id
                )
            )
            assert -ledger == owed_to(operator_id, clock.now())
            for settlement in db.session.scalars(
                select(Settlement).where(Settlement.operator_id == operator_id)
            ):
                cutoff = min(settlement.calculated_at, month_end(settlement.month))
                assert settlement.closing_balance == owed_to(operator_id, cutoff), settlement.month

    @invariant()
    def frozen_settlements_never_change_and_none_is_paid_twice(self) -> None:
        now = self._figures()
        for settlement_id, frozen in self.frozen.items():
            assert now[settlement_id][1:] == frozen[1:]
        paid_twice = db.session.scalar(
            select(func.count())
            .select_from(Payout)
            .where(Payout.status == "SUCCESSFUL")
            .group_by(Payout.settlement_id)
            .having(func.count() > 1)
        )
        assert paid_twice is None
        open_payouts = db.session.execute(
            select(Payout.settlement_id, func.count())
            .where(Payout.status.in_(("SENDING", "NEW", "PENDING")))
            .group_by(Payout.settlement_id)
        ).all()
        assert all(count == 1 for _, count in open_payouts)

    def teardown(self) -> None:
        clock.set_offset(timedelta(0))
        db.session.remove()
        self.example.rollback()


@pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
def test_money_adds_up_whatever_happens(app) -> None:
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=int(os.environ.get("MONEY_EXAMPLES", "10")),
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
