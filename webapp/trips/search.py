"""Reading a trip search from untrusted query parameters into checked criteria."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.trips.models import City

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SearchCriteria:
    origin: City
    destination: City
    day: date


def find_city(value: str) -> City | None:
    """A city by slug or by name, ignoring case."""
    value = value.strip().lower()
    if not value or len(value) > 80:
        return None
    return db.session.scalar(
        select(City).where(or_(City.slug == value, func.lower(City.name) == value))
    )


def parse_search(
    origin: str | None, destination: str | None, day: str | None, *, today: date, max_days: int
) -> SearchCriteria:
    """Check every field and report all problems at once, keyed by field name."""
    errors: dict[str, str] = {}
    cities = {}
    for field, raw in (("origin", origin), ("destination", destination)):
        if not raw or not raw.strip():
            errors[field] = f"Choose a city to travel {'from' if field == 'origin' else 'to'}."
            continue
        city = find_city(raw)
        if city is None:
            errors[field] = "We don't serve that city yet. Pick one from the list."
        else:
            cities[field] = city
    if "origin" in cities and "destination" in cities and cities["origin"] == cities["destination"]:
        errors["destination"] = "Origin and destination must be different cities."

    travel_day = today
    if day and day.strip():
        raw_day = day.strip()
        parsed = None
        if ISO_DATE.match(raw_day):
            try:
                parsed = date.fromisoformat(raw_day)
            except ValueError:
                parsed = None
        if parsed is None:
            errors["date"] = "Enter the date as YYYY-MM-DD."
        elif parsed < today:
            errors["date"] = "That date has passed. Choose today or a later date."
        elif parsed > today + timedelta(days=max_days):
            errors["date"] = f"Tickets go on sale at most {max_days} days ahead."
        else:
            travel_day = parsed

    if errors:
        raise ValidationError("Please check your search.", details=errors)
    return SearchCriteria(cities["origin"], cities["destination"], travel_day)
