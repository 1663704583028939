"""A short-lived, per-process cache of each trip's seat rows, for the polling path only.

Every open seat map asks every few seconds whether anything changed. Without this, each of those
questions is a database query; with it, a process answers from rows at most
SEAT_STATE_CACHE_SECONDS old. Lazy expiry is still applied at read time (the rows carry each
hold's expiry), and this process's own writes drop the trip's entry at once, so only a change
made by another process can be seen up to that many seconds late. Holding seats never reads
from here: the database decides.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from webapp.extensions import db

MAX_ENTRIES = 5000

_entries: dict[tuple[str, int], tuple[float, Any]] = {}
_lock = threading.Lock()


def _key(trip_id: int) -> tuple[str, int]:
    return (db.engine.url.render_as_string(hide_password=True), trip_id)


def rows_for(trip_id: int, load: Callable[[], Any], max_age: float) -> Any:
    """The trip's cached rows if younger than `max_age` seconds, else freshly loaded ones."""
    if max_age <= 0:
        return load()
    key = _key(trip_id)
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    rows = load()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # crude but bounded; a full refill costs one query per trip
        _entries[key] = (now + max_age, rows)
    return rows


def forget(trip_id: int) -> None:
    """Drop a trip's rows after this process changed its seats."""
    with _lock:
        _entries.pop(_key(trip_id), None)
