"""`seed_demo`: load the demo world. Idempotent: every row is found by its natural key first."""

import zlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from webapp import clock
from webapp.accounts.models import Role, User
from webapp.accounts.passwords import hash_password, verify_password
from webapp.database import begin_write
from webapp.demo import data
from webapp.extensions import db
from webapp.fleet.layouts import build_layout
from webapp.fleet.models import Operator, SeatLayout
from webapp.fleet.policy import DEFAULT_POLICY
from webapp.trips.models import City, Route, Trip
from webapp.trips.services import add_trip

FARE_BASE_KOBO = 2_000_00
FARE_PER_KM_KOBO = 22_00
FARE_ROUNDING_KOBO = 500_00
CLASS_MULTIPLIER_PERCENT = {"standard": 100, "executive": 140}
MINIBUS_DISCOUNT_PERCENT = 90


@dataclass
class SeedReport:
    cities: int = 0
    routes: int = 0
    operators: int = 0
    layouts: int = 0
    trips_created: int = 0
    trips_total: int = 0


def fare_for(distance_km: int, layout: SeatLayout) -> int:
    """A plausible fare in kobo, rounded to ₦500, by distance and bus class."""
    fare = FARE_BASE_KOBO + FARE_PER_KM_KOBO * distance_km
    seat_class = layout.seats[0].seat_class if layout.seats else "standard"
    fare = fare * CLASS_MULTIPLIER_PERCENT.get(seat_class, 100) // 100
    if layout.name.startswith("Minibus"):
        fare = fare * MINIBUS_DISCOUNT_PERCENT // 100
    return max(FARE_ROUNDING_KOBO, round(fare / FARE_ROUNDING_KOBO) * FARE_ROUNDING_KOBO)


def _stable_index(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def _get_or_add(model: type, lookup: dict[str, object], **values: object) -> object:
    found = db.session.scalar(select(model).filter_by(**lookup))
    if found is None:
        found = model(**lookup, **values)
        db.session.add(found)
        db.session.flush()
    return found


def seed_demo(days: int = 14) -> SeedReport:
    """Cities, roads both ways, operators, layouts, trips for `days` days, and the accounts
    (a passenger, an admin, and a member of an operator's staff)."""
    begin_write()
    report = SeedReport()
    cities = {
        slug: _get_or_add(City, {"slug": slug}, name=name, state=state)
        for slug, name, state in data.CITIES
    }
    report.cities = len(cities)

    routes: list[tuple[Route, int]] = []
    for a, b, km, minutes in data.ROADS:
        for origin, destination in ((a, b), (b, a)):
            route = _get_or_add(
                Route,
                {"origin_id": cities[origin].id, "destination_id": cities[destination].id},
                distance_km=km,
                duration_minutes=minutes,
            )
            routes.append((route, km))
    report.routes = len(routes)

    layouts = {}
    for name, spec in data.LAYOUTS.items():
        layout = db.session.scalar(select(SeatLayout).where(SeatLayout.name == name))
        if layout is None:
            layout = build_layout(
                name, spec["decks"], description=spec["description"], seat_class=spec["seat_class"]
            )
            db.session.add(layout)
            db.session.flush()
        layouts[name] = layout
    report.layouts = len(layouts)

    operators = []
    for spec in data.OPERATORS:
        bank, account_name, account_number, bank_code = spec["bank"]
        operator = _get_or_add(
            Operator,
            {"slug": spec["slug"]},
            name=spec["name"],
            commission_bps=spec["commission_bps"],
            cancellation_policy=DEFAULT_POLICY,
            payout_bank_name=bank,
            payout_account_name=account_name,
            payout_account_number=account_number,
            payout_bank_code=bank_code,
            contact_email=f"accounts@{spec['slug']}.example.com",
        )
        operators.append((operator, spec))
    report.operators = len(operators)

    report.trips_created = _seed_trips(routes, operators, layouts, cities, days)
    report.trips_total = (
        db.session.scalar(select(db.func.count(Trip.id)).where(Trip.departs_at > clock.now())) or 0
    )
    _seed_users()
    db.session.commit()
    return report


def _seed_trips(
    routes: list[tuple[Route, int]],
    operators: list[tuple[Operator, dict]],
    layouts: dict[str, SeatLayout],
    cities: dict[str, City],
    days: int,
) -> int:
    now = clock.now()
    first_day = clock.today_in_lagos()
    existing = {
        (operator_id, route_id, departs_at)
        for operator_id, route_id, departs_at in db.session.execute(
            select(Trip.operator_id, Trip.route_id, Trip.departs_at).where(Trip.departs_at >= now)
        )
    }
    slug_of = {city.id: slug for slug, city in cities.items()}
    created = 0
    for route_index, (route, km) in enumerate(routes):
        # Two or three operators serve each road, chosen the same way on every run.
        serving = [op for i, op in enumerate(operators) if (route_index + i) % 4 != 3]
        for op_index, (operator, spec) in enumerate(serving):
            times = list(data.MORNING_TIMES)
            if km >= 400:
                times += data.NIGHT_TIMES
            departures = {
                times[_stable_index(route.id, operator.slug, n) % len(times)] for n in range(2)
            }
            layout = layouts[spec["layouts"][(route_index + op_index) % len(spec["layouts"])]]
            origin_slug = slug_of[route.origin_id]
            boarding = spec["boarding"].get(
                origin_slug, f"{cities[origin_slug].name} main motor park"
            )
            for offset in range(days):
                day = first_day + timedelta(days=offset)
                for hhmm in sorted(departures):
                    departs_at = datetime.combine(
                        day, time.fromisoformat(hhmm), tzinfo=clock.LAGOS
                    ).astimezone(now.tzinfo)
                    if departs_at <= now or (operator.id, route.id, departs_at) in existing:
                        continue
                    add_trip(
                        route=route,
                        operator_id=operator.id,
                        layout=layout,
                        departs_at=departs_at,
                        fare_amount=fare_for(km, layout),
                        boarding_point=boarding,
                    )
                    created += 1
    return created


def _seed_users() -> None:
    staff_of = db.session.scalar(
        select(Operator.id).where(Operator.slug == data.DEMO_STAFF_OPERATOR)
    )
    for email, name, role in data.DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=Role(role))
            user.password_hash = hash_password(data.DEMO_PASSWORD)
            db.session.add(user)
        elif not verify_password(user.password_hash, data.DEMO_PASSWORD):
            user.password_hash = hash_password(data.DEMO_PASSWORD)  # the printed one must work
        user.role = role
        user.operator_id = staff_of if role == Role.OPERATOR_STAFF else None
        user.is_active = True
