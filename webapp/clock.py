"""The application clock: aware UTC time, Africa/Lagos for people.

Every rule that depends on time (hold expiry, sales cut-off, refund tiers) reads `now()` from here,
never the database's clock, so tests can move time forward and SQL sees the same instant as Python.
"""

import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LAGOS = ZoneInfo("Africa/Lagos")

_offset = timedelta(0)


def now() -> datetime:
    """The current instant, in UTC, shifted by any offset a test has set."""
    return datetime.now(UTC) + _offset


def monotonic() -> float:
    """Seconds on a clock that never goes back, for ages of cached values; moved by the same
    offset as `now()`, so a test can age a cache without waiting."""
    return time_module.monotonic() + _offset.total_seconds()


def set_offset(offset: timedelta) -> None:
    """Shift the clock (tests and demos only); `timedelta(0)` restores real time."""
    global _offset
    _offset = offset


def today_in_lagos() -> date:
    return now().astimezone(LAGOS).date()


def to_lagos(moment: datetime) -> datetime:
    return moment.astimezone(LAGOS)


def lagos_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a Lagos calendar day starts and the next one starts."""
    start = datetime.combine(day, time.min, tzinfo=LAGOS)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
