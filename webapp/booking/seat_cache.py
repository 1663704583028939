"""A short-lived, per-process cache of each trip's seat rows, for polls and for quick refusals.

Every open seat map asks every few seconds whether anything changed. Without this, each of those
questions is a database query; with it, a process answers from rows at most
SEAT_STATE_CACHE_SECONDS old. Lazy expiry is still applied at read time (the rows carry each
hold's expiry), and this process's own writes drop the trip's entry at once, so only a change
made by another process can be seen up to that many seconds late.

A hold may be refused from here when the rows show a wanted seat taken (a rush of passengers
on one seat then costs the database one read per process, not one per passenger); at worst a
seat freed by another process within those seconds is refused, as the passenger's own seat map
still shows it taken. A hold is never granted from here: the database decides.

Seat layouts, which never change once built, are kept once read. Rendered seat-map fragments
are kept by trip and ETag: an ETag is a hash of everything the fragment shows, so a crowd
watching one trip costs one render per change, not one per viewer.
"""

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from webapp import clock
from webapp.extensions import db


class SeatRow(NamedTuple):
    """One trip seat as the seat map needs it, with its trip's facts (one query loads them)."""

    label: str
    status: str
    hold_expires_at: datetime | None
    holder_id: int | None  # the user whose booking holds or booked the seat
    trip_status: str
    departs_at: datetime


SeatRows = tuple[SeatRow, ...]

MAX_ENTRIES = 5000
MAX_FRAGMENTS = 500  # about 16 kB each for a 52-seat coach

_entries: dict[tuple[object, int], tuple[float, SeatRows]] = {}
_lock = threading.Lock()
_fragments: dict[tuple[object, int, str], str] = {}
_layouts: dict[tuple[object, int], Any] = {}


def _key(trip_id: int) -> tuple[object, int]:
    return (db.engine.url, trip_id)


def rows_for(trip_id: int, load: Callable[[], SeatRows], max_age: float) -> SeatRows:
    """The trip's cached rows if younger than `max_age` seconds, else freshly loaded ones."""
    if max_age <= 0:
        return load()
    rows = cached_rows(trip_id)
    if rows is None:
        rows = load()
        _store(trip_id, rows, max_age)
    return rows


def cached_rows(trip_id: int) -> SeatRows | None:
    """The trip's rows if this process holds fresh ones; never loads."""
    entry = _entries.get(_key(trip_id))
    if entry is not None and entry[0] > clock.monotonic():
        return entry[1]
    return None


def reload(trip_id: int, load: Callable[[], SeatRows], max_age: float) -> None:
    """Replace the trip's rows with freshly loaded ones, after this process saw them change."""
    if max_age > 0:
        _store(trip_id, load(), max_age)


def _store(trip_id: int, rows: SeatRows, max_age: float) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # crude but bounded; a full refill costs one query per trip
        _entries[_key(trip_id)] = (clock.monotonic() + max_age, rows)


def forget(trip_id: int) -> None:
    """Drop a trip's rows after this process changed its seats. Called only by the seat
    inventory's commit hook (`webapp.booking.seats`)."""
    with _lock:
        _entries.pop(_key(trip_id), None)


def fragment(trip_id: int, etag: str, render: Callable[[], str]) -> str:
    """The trip's seat map as rendered for this ETag, rendering it only the first time."""
    return _once(_fragments, (db.engine.url, trip_id, etag), render, MAX_FRAGMENTS)


def layout(layout_id: int, load: Callable[[], Any]) -> Any:
    """A seat layout's grid, loaded once per process: layouts never change once built."""
    return _once(_layouts, (db.engine.url, layout_id), load, MAX_ENTRIES)


def _once(store: dict, key: tuple, load: Callable[[], Any], limit: int) -> Any:
    """`store[key]`, loaded the first time it is asked for; a full store starts again empty."""
    value = store.get(key)
    if value is None:
        value = load()
        with _lock:
            if len(store) >= limit:
                store.clear()
            store[key] = value
    return value


def clear() -> None:
    """Drop everything cached (tests that switch the cache on start clean)."""
    with _lock:
        _entries.clear()
        _fragments.clear()
        _layouts.clear()
