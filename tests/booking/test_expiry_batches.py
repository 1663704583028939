"""The expiry job ends dead holds in batches: set-based statements, one transaction per batch,
every dead hold of the run ended, whatever their number."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from tests.booking.test_holds import audit_actions, seats_of
from tests.factories import create_trip, create_user, held
from webapp.booking.models import Booking, BookingStatus
from webapp.booking.services import expire_stale_holds
from webapp.extensions import db

both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)


@both_databases
def test_more_dead_holds_than_one_batch_all_end_in_one_run(app: Flask, travel) -> None:
    trip = create_trip()
    dead = [held(create_user().id, trip.id, [label]).id for label in ("1A", "1B", "1C", "2A")]
    travel(timedelta(minutes=16))
    alive = held(create_user().id, trip.id, ["2B"]).id
    statements: list[str] = []

    def note(_conn, _cursor, statement: str, *_args: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        ended = expire_stale_holds(batch=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    assert ended == 4
    statuses = dict(db.session.execute(select(Booking.id, Booking.status)).all())
    assert [statuses[i] for i in dead] == [BookingStatus.EXPIRED] * 4
    assert statuses[alive] == BookingStatus.HELD
    seats = seats_of(trip.id)
    assert [seats[label][0] for label in ("1A", "1B", "1C", "2A")] == ["available"] * 4
    assert seats["2B"] == ("held", alive)
    assert all(audit_actions(i) == ["booking.held", "booking.expired"] for i in dead)
    # Two batches (3 + 1), each a handful of statements whatever its size.
    assert statements.count("UPDATE") == 4
    assert expire_stale_holds(batch=3) == 0
    assert db.session.scalar(select(func.count()).where(Booking.status == "EXPIRED")) == 4
