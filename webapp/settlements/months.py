"""Calendar months in Africa/Lagos time, named `YYYY-MM`."""

import re
from datetime import UTC, date, datetime

from webapp import clock
from webapp.errors import ValidationError

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> str:
    """A valid `YYYY-MM` from 2000 to 2999 (the month after must exist), or ValidationError."""
    match = MONTH.match((text or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise ValidationError(
            "A month looks like 2026-11.", details={"month": "A month looks like 2026-11."}
        )
    return match.group(0)


def month_start(month: str) -> datetime:
    """The UTC instant at which the Lagos month begins."""
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=clock.LAGOS).astimezone(UTC)


def next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def month_end(month: str) -> datetime:
    """The UTC instant at which the next Lagos month begins (exclusive end)."""
    return month_start(next_month(month))


def month_of(moment: datetime) -> str:
    return clock.to_lagos(moment).strftime("%Y-%m")


def previous_month(today: date | None = None) -> str:
    today = today or clock.today_in_lagos()
    year, number = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{number:02d}"
