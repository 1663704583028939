"""Read-only views of seats and holds for the seat map, the polling fragment and the API.

Seat state is computed with lazy expiry: a held seat whose hold has passed reads as available,
whether or not any job has tidied it up. The ETag is a hash of exactly what a client would see,
so an unchanged map is answered 304 without rendering anything.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select
from werkzeug.datastructures import ETags

from webapp.booking import seat_cache
from webapp.booking.models import Booking, hold_is_live
from webapp.booking.seat_cache import SeatRow, SeatRows
from webapp.extensions import db
from webapp.fleet.grid import layout_grid
from webapp.trips.models import SeatStatus, Trip, TripSeat, is_on_sale

FOREVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SeatState:
    label: str
    state: str  # available | held | booked
    mine: bool


@dataclass(frozen=True)
class SeatStates:
    trip_id: int
    on_sale: bool
    seats: dict[str, SeatState]
    etag: str

    def unchanged_for(self, if_none_match: ETags) -> bool:
        """Whether the viewer's copy (its If-None-Match) still shows these seats."""
        return if_none_match.contains_weak(self.etag.removeprefix("W/").strip('"'))

    @property
    def available(self) -> list[str]:
        return [s.label for s in self.seats.values() if s.state == SeatStatus.AVAILABLE]


def _seat_rows(trip_id: int) -> SeatRows:
    return tuple(
        SeatRow(*row)
        for row in db.session.execute(
            select(
                TripSeat.label,
                TripSeat.status,
                TripSeat.hold_expires_at,
                Booking.user_id,
                Trip.status,
                Trip.departs_at,
            )
            .join(Trip, Trip.id == TripSeat.trip_id)
            .outerjoin(Booking, Booking.id == TripSeat.booking_id)
            .where(TripSeat.trip_id == trip_id)
            .order_by(TripSeat.id)
        )
    )


def seat_states(
    trip_id: int,
    viewer_id: int | None,
    now: datetime,
    cutoff_minutes: int,
    max_age: float = 0,
) -> SeatStates | None:
    """Every sellable seat's state as this viewer sees it, from one query (or rows at most
    `max_age` seconds old, see seat_cache). None: no such trip."""
    rows = seat_cache.rows_for(trip_id, lambda: _seat_rows(trip_id), max_age)
    if not rows:
        return None
    if max_age <= 0:
        return _states_from(rows, trip_id, viewer_id, now, cutoff_minutes)
    # Cached rows: what the viewer sees changes only when a hold in them expires or sales
    # close, so the states worked out for these rows serve every poll until then. Viewers
    # holding no seat here all see the same thing and share one entry.
    if viewer_id is not None and all(row.holder_id != viewer_id for row in rows):
        viewer_id = None
    key = (trip_id, viewer_id, cutoff_minutes)
    known = _worked_out.get(key)
    if known is not None and known[0] is rows and known[1] <= now < known[2]:
        return known[3]
    states = _states_from(rows, trip_id, viewer_id, now, cutoff_minutes)
    if len(_worked_out) >= MAX_WORKED_OUT:
        _worked_out.clear()  # bounded, like seat_cache; refilling costs a little CPU per poll
    _worked_out[key] = (rows, now, _next_change(rows, now, cutoff_minutes), states)
    return states


# (trip, viewer, cutoff) -> (the cached rows, valid from, valid until, states): see seat_states.
_worked_out: dict[tuple[int, int | None, int], tuple[SeatRows, datetime, datetime, SeatStates]] = {}
MAX_WORKED_OUT = 2000  # about 10 kB each for a 52-seat coach


def _states_from(
    rows: SeatRows, trip_id: int, viewer_id: int | None, now: datetime, cutoff: int
) -> SeatStates:
    on_sale = is_on_sale(rows[0].trip_status, rows[0].departs_at, cutoff, now)
    seats = {}
    for row in rows:
        state = _state_at(row.status, row.hold_expires_at, now)
        mine = (
            state != SeatStatus.AVAILABLE and viewer_id is not None and row.holder_id == viewer_id
        )
        seats[row.label] = SeatState(row.label, state, mine)
    fingerprint = "|".join(f"{s.label}:{s.state}:{int(s.mine)}" for s in seats.values())
    digest = hashlib.sha256(f"{int(on_sale)}|{fingerprint}".encode()).hexdigest()[:32]
    # Weak: the compression middleware leaves a weak validator as it is (a strong one gets
    # ":gzip" appended, and then a poll's If-None-Match would never match again).
    return SeatStates(trip_id, on_sale, seats, f'W/"{digest}"')


def _next_change(rows: SeatRows, now: datetime, cutoff: int) -> datetime:
    """The first moment after `now` when these rows read differently: a hold expires or the
    trip's online sales close."""
    moments = [row.hold_expires_at for row in rows if row.status == SeatStatus.HELD]
    moments.append(rows[0].departs_at - timedelta(minutes=cutoff))
    return min(
        (moment for moment in moments if moment is not None and moment > now), default=FOREVER
    )


def _state_at(status: str, hold_expires_at: datetime | None, now: datetime) -> str:
    """A seat's state with lazy expiry: a hold past its expiry reads as available."""
    if status == SeatStatus.HELD and hold_expires_at is not None and hold_expires_at <= now:
        return SeatStatus.AVAILABLE
    return status


def seen_taken(trip_id: int, labels: list[str], now: datetime) -> list[str]:
    """Those of `labels` that this process's cached rows show held or booked now; none when it
    has no fresh rows for the trip. For refusing a hold at once, never for granting one."""
    rows = seat_cache.cached_rows(trip_id)
    if rows is None:
        return []
    taken = {
        row.label
        for row in rows
        if _state_at(row.status, row.hold_expires_at, now) != SeatStatus.AVAILABLE
    }
    return [label for label in labels if label in taken]


def remember_seat_rows(trip_id: int, max_age: float) -> None:
    """Reload the trip's rows into this process's cache (after a hold lost a seat here)."""
    seat_cache.reload(trip_id, lambda: _seat_rows(trip_id), max_age)


@dataclass(frozen=True)
class Cell:
    """One place in the drawn grid: a seat with its live state, or a blocked/luggage place."""

    label: str
    kind: str  # seat | blocked | driver | luggage
    seat_class: str
    state: str | None
    mine: bool


@dataclass(frozen=True)
class Deck:
    number: int
    columns: int
    rows: list[list[Cell | None]]


def seat_map(trip: Trip, states: SeatStates, *, cached: bool = False) -> list[Deck]:
    """The trip's layout as rows of cells (None for aisles), with each seat's current state.
    `cached`: take the layout from this process's seat cache (layouts never change once built;
    a trip copies its seats from one)."""
    load = partial(layout_grid, trip.layout_id)
    grid = seat_cache.layout(trip.layout_id, load) if cached else load()
    decks = []
    for number in range(1, grid.decks + 1):
        rows: list[list[Cell | None]] = [[None] * grid.columns for _ in range(grid.rows)]
        used_rows = 0
        for place in (p for p in grid.places if p.deck == number):
            seat = states.seats.get(place.label)
            rows[place.row - 1][place.col - 1] = Cell(
                place.label,
                place.kind,
                place.seat_class,
                seat.state if seat else None,
                seat.mine if seat else False,
            )
            used_rows = max(used_rows, place.row)
        decks.append(Deck(number, grid.columns, rows[:used_rows]))
    return decks


def live_hold(user_id: int, trip_id: int, now: datetime) -> Booking | None:
    """The user's hold on this trip that is still alive, if any."""
    return db.session.scalar(
        select(Booking)
        .where(Booking.user_id == user_id, Booking.trip_id == trip_id, hold_is_live(now))
        .order_by(Booking.id.desc())
        .limit(1)
    )


def live_holds(user_id: int, now: datetime, limit: int = 10) -> list[Booking]:
    """Every hold of the user's that is still alive, on any trip, soonest to end first."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.user_id == user_id, hold_is_live(now))
            .order_by(Booking.hold_expires_at)
            .limit(limit)
        )
    )


def latest_booking(user_id: int, trip_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking)
        .where(Booking.user_id == user_id, Booking.trip_id == trip_id)
        .order_by(Booking.id.desc())
        .limit(1)
    )


def dead_holds(status: str, now: datetime, limit: int) -> list[int]:
    """Ids of bookings still marked `status` (HELD or PENDING_PAYMENT) whose hold has ended,
    oldest first: the work list of the expiry job."""
    return list(
        db.session.scalars(
            select(Booking.id)
            .where(Booking.status == status, Booking.hold_expires_at <= now)
            .order_by(Booking.hold_expires_at)
            .limit(limit)
        )
    )
