"""Many clients at once, on PostgreSQL and on SQLite: the database decides, and never twice.

After every race an SQL check confirms the core guarantee of SPEC §3 from the stored rows.
"""

import random
import uuid
from collections import Counter

import pytest
import requests

from tests.apps import seat_cache_for
from tests.concurrency.conftest import RaceSite, race
from webapp import clock

CLIENTS = 60
ALLOWED_LOSER_CODES = {"SEATS_UNAVAILABLE", "BUSY_RETRY"}

LIVE = (
    "(b.status = 'CONFIRMED' OR (b.status IN ('HELD', 'PENDING_PAYMENT') "
    "AND b.hold_expires_at > :now))"
)


def assert_no_seat_has_two_holders(site: RaceSite, trip_id: int) -> None:
    now = clock.now()
    doubled = site.sql(
        f"""SELECT bs.trip_seat_id, COUNT(*) FROM booking_seats bs
            JOIN bookings b ON b.id = bs.booking_id
            JOIN trip_seats ts ON ts.id = bs.trip_seat_id
            WHERE ts.trip_id = :trip AND {LIVE}
            GROUP BY bs.trip_seat_id HAVING COUNT(*) > 1""",
        trip=trip_id,
        now=now,
    )
    partial = site.sql(
        f"""SELECT b.id FROM bookings b
            JOIN booking_seats bs ON bs.booking_id = b.id
            JOIN trip_seats ts ON ts.id = bs.trip_seat_id
            WHERE b.trip_id = :trip AND {LIVE}
              AND (ts.booking_id IS NULL OR ts.booking_id <> b.id)""",
        trip=trip_id,
        now=now,
    )
    orphan = site.sql(
        """SELECT ts.label FROM trip_seats ts
           LEFT JOIN booking_seats bs ON bs.trip_seat_id = ts.id AND bs.booking_id = ts.booking_id
           WHERE ts.trip_id = :trip AND ts.status <> 'available' AND bs.id IS NULL""",
        trip=trip_id,
    )
    assert doubled == [], f"seats held by two live bookings: {doubled}"
    assert partial == [], f"live bookings missing some of their seats: {partial}"
    assert orphan == [], f"seats held with no matching booking row: {orphan}"


def reserve(site: RaceSite, session: requests.Session, headers: dict, trip: int, seats: list):
    return session.post(
        f"{site.url}/api/bookings/reserve",
        json={"tripId": trip, "seatNumbers": seats},
        headers=headers,
        timeout=60,
    )


def outcome(response: object) -> str:
    assert isinstance(response, requests.Response), f"request failed: {response!r}"
    if response.status_code == 201:
        return "won"
    assert response.status_code in (409, 503), (response.status_code, response.text)
    code = response.json()["code"]
    assert code in ALLOWED_LOSER_CODES, response.json()
    return code


@pytest.mark.parametrize("cache_seconds", [0, 1], ids=["seat-cache-off", "seat-cache-on"])
def test_sixty_clients_race_for_one_seat(race_site: RaceSite, cache_seconds: float) -> None:
    with seat_cache_for(race_site.app, cache_seconds):  # 1 s: on, as served
        _race_for_one_seat(race_site)


def _race_for_one_seat(race_site: RaceSite) -> None:
    trip = race_site.trip()
    passengers = race_site.passengers(CLIENTS)

    responses = race(CLIENTS, lambda i, s: reserve(race_site, s, passengers[i], trip, ["1A"]))

    outcomes = Counter(outcome(r) for r in responses)
    assert outcomes["won"] == 1, outcomes
    holders = race_site.sql(
        "SELECT status, booking_id FROM trip_seats WHERE trip_id = :t AND label = '1A'", t=trip
    )
    [winner] = [r.json() for r in responses if r.status_code == 201]
    assert holders == [("held", winner["bookingId"])]
    assert_no_seat_has_two_holders(race_site, trip)


def test_overlapping_pairs_never_both_and_never_partial(race_site: RaceSite) -> None:
    trip = race_site.trip()
    passengers = race_site.passengers(CLIENTS)
    wants = [["1A", "1B"] if i % 2 else ["1B", "1C"] for i in range(CLIENTS)]

    responses = race(CLIENTS, lambda i, s: reserve(race_site, s, passengers[i], trip, wants[i]))

    outcomes = Counter(outcome(r) for r in responses)
    assert outcomes["won"] == 1, outcomes  # every request wants 1B
    [winner] = [r.json() for r in responses if r.status_code == 201]
    held = dict(
        race_site.sql(
            "SELECT label, status FROM trip_seats WHERE trip_id = :t AND label IN ('1A','1B','1C')",
            t=trip,
        )
    )
    loser_seat = ({"1A", "1C"} - set(winner["seatNumbers"])).pop()
    assert held[loser_seat] == "available"
    assert all(held[label] == "held" for label in winner["seatNumbers"])
    assert_no_seat_has_two_holders(race_site, trip)


def test_random_overlapping_requests_keep_every_invariant(race_site: RaceSite) -> None:
    trip = race_site.trip()  # 6 seats: 1A 1B 1C 2A 2B 2C
    passengers = race_site.passengers(CLIENTS)
    labels = ["1A", "1B", "1C", "2A", "2B", "2C"]
    picker = random.Random(20261128)
    wants = [picker.sample(labels, picker.randint(1, 3)) for _ in range(CLIENTS)]

    responses = race(CLIENTS, lambda i, s: reserve(race_site, s, passengers[i], trip, wants[i]))

    winners = [r.json() for r in responses if outcome(r) == "won"]
    won_seats = [seat for w in winners for seat in w["seatNumbers"]]
    assert len(won_seats) == len(set(won_seats)), "a seat was won twice"
    held = race_site.sql(
        "SELECT label FROM trip_seats WHERE trip_id = :t AND status = 'held' ORDER BY label", t=trip
    )
    assert sorted(won_seats) == [label for (label,) in held]
    for winner in winners:
        index = next(
            i for i, r in enumerate(responses) if r.status_code == 201 and r.json() == winner
        )
        assert sorted(winner["seatNumbers"]) == sorted(wants[index]), "partial hold"
    assert_no_seat_has_two_holders(race_site, trip)


def test_ten_concurrent_requests_with_one_key_hold_once(race_site: RaceSite) -> None:
    trip = race_site.trip()
    [headers] = race_site.passengers(1)
    keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}

    responses = race(10, lambda i, s: reserve(race_site, s, keyed, trip, ["2B", "2C"]))

    first = [
        r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    ]
    replays = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    in_flight = [
        r for r in responses if r.status_code == 409 and r.json()["code"] == "REQUEST_IN_PROGRESS"
    ]
    assert len(first) == 1
    assert len(first) + len(replays) + len(in_flight) == 10, [r.status_code for r in responses]
    assert all(r.json() == first[0].json() for r in replays)
    bookings = race_site.sql("SELECT COUNT(*) FROM bookings WHERE trip_id = :t", t=trip)
    assert bookings == [(1,)]
    assert_no_seat_has_two_holders(race_site, trip)


def test_one_passenger_racing_for_six_seats_gets_no_more_holds_than_allowed(
    race_site: RaceSite,
) -> None:
    trip = race_site.trip()  # 6 seats, one request each, all from the same passenger
    [headers] = race_site.passengers(1)
    labels = ["1A", "1B", "1C", "2A", "2B", "2C"]
    allowed = race_site.app.config["MAX_ACTIVE_HOLDS_PER_USER"]

    responses = race(len(labels), lambda i, s: reserve(race_site, s, headers, trip, [labels[i]]))

    assert all(isinstance(r, requests.Response) for r in responses), responses
    codes = Counter(
        "won" if r.status_code == 201 else r.json()["code"] for r in responses if r is not None
    )
    assert codes["won"] == allowed, codes
    assert set(codes) <= {"won", "HOLD_LIMIT_REACHED", "BUSY_RETRY"}, codes
    live = race_site.sql(
        "SELECT COUNT(*) FROM bookings WHERE trip_id = :t AND status = 'HELD'", t=trip
    )
    assert live == [(allowed,)]
    assert_no_seat_has_two_holders(race_site, trip)
