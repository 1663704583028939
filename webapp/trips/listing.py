"""How the results page orders and narrows the day's trips, and the strip of nearby dates with
their lowest fare. Pure functions over trip cards; the view reads the choices from the query
string (unknown values fall back to the defaults, never an error)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from webapp.clock import LAGOS
from webapp.trips.queries import TripCard

SORTS = {
    "departure": ("Departure time", lambda t: (t.departs_at, t.fare_amount)),
    "price": ("Lowest price", lambda t: (t.fare_amount, t.departs_at)),
    "seats": ("Most seats left", lambda t: (-t.seats_left, t.departs_at)),
}
# Lagos clock hours [from, to) of each part of the day; night runs past midnight.
TIMES_OF_DAY = {
    "morning": ("Morning (5:00–12:00)", 5, 12),
    "afternoon": ("Afternoon (12:00–17:00)", 12, 17),
    "evening": ("Evening (17:00–21:00)", 17, 21),
    "night": ("Night (21:00–5:00)", 21, 29),
}
NEARBY_DAYS = 3


@dataclass(frozen=True)
class Choices:
    sort: str = "departure"
    operator: str = ""
    time_of_day: str = ""

    @classmethod
    def parse(cls, sort: str, operator: str, time_of_day: str, operators: list[str]) -> "Choices":
        return cls(
            sort=sort if sort in SORTS else "departure",
            operator=operator if operator in operators else "",
            time_of_day=time_of_day if time_of_day in TIMES_OF_DAY else "",
        )

    def as_args(self) -> dict[str, str]:
        args = {"sort": self.sort, "operator": self.operator, "time": self.time_of_day}
        return {key: value for key, value in args.items() if value and value != "departure"}


def _in_part_of_day(moment: datetime, part: str) -> bool:
    _, start, end = TIMES_OF_DAY[part]
    hour = moment.astimezone(LAGOS).hour
    return start <= hour < end or start <= hour + 24 < end


def arrange(trips: list[TripCard], choices: Choices) -> list[TripCard]:
    shown = [
        t
        for t in trips
        if (not choices.operator or t.operator_name == choices.operator)
        and (not choices.time_of_day or _in_part_of_day(t.departs_at, choices.time_of_day))
    ]
    return sorted(shown, key=SORTS[choices.sort][1])


@dataclass(frozen=True)
class NearbyDay:
    day: date
    lowest_fare: int | None  # None: no bus with a free seat that day
    currency: str
    chosen: bool


def nearby_days(
    day: date, today: date, last_day: date, fares: dict[date, tuple[int, str]]
) -> list[NearbyDay]:
    """The searched day and up to NEARBY_DAYS either side, within what can be searched."""
    first = max(today, day - timedelta(days=NEARBY_DAYS))
    last = min(last_day, first + timedelta(days=2 * NEARBY_DAYS))
    first = max(today, min(first, last - timedelta(days=2 * NEARBY_DAYS)))
    days = []
    current = first
    while current <= last:
        fare = fares.get(current)
        days.append(
            NearbyDay(
                current, fare[0] if fare else None, fare[1] if fare else "NGN", current == day
            )
        )
        current += timedelta(days=1)
    return days
