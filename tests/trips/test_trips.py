from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests.factories import (
    create_booked_seats,
    create_layout,
    create_operator,
    create_route,
    create_token,
    create_trip,
    create_user,
)
from tests.helpers import field_error, page
from webapp import clock
from webapp.booking.services import hold_seats
from webapp.clock import LAGOS
from webapp.trips.models import TripStatus


def lagos(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment `day` days from today at a Lagos wall-clock time."""
    base = clock.today_in_lagos() + timedelta(days=day)
    return datetime(base.year, base.month, base.day, hour, minute, tzinfo=LAGOS)


def search(client: FlaskClient, day: int = 1, **params: str):
    query = {"origin": "lagos", "destination": "abuja", "date": lagos(day, 0).date().isoformat()}
    query.update(params)
    return client.get("/trips", query_string=query)


def listed_trip_ids(response) -> list[int]:
    return [int(li["data-trip-id"]) for li in page(response).select("#trip-list li.trip")]


@pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
def test_search_lists_the_days_trips_in_order_with_fare_and_seats_left(
    client: FlaskClient,
) -> None:
    route = create_route("Lagos", "Abuja")
    later = create_trip(route=route, departs_at=lagos(1, 20, 30), fare_amount=1_850_000)
    earlier = create_trip(route=route, departs_at=lagos(1, 6, 0))
    create_trip(route=route, departs_at=lagos(2, 6, 0))  # another day
    create_trip(route=create_route("Abuja", "Lagos"), departs_at=lagos(1, 7, 0))  # other way

    response = search(client)

    assert response.status_code == 200
    assert listed_trip_ids(response) == [earlier.id, later.id]
    card = page(response).select_one(f'li[data-trip-id="{later.id}"]')
    assert card.select_one(".depart").get_text() == "20:30"
    assert card.select_one(".fare").get_text() == "₦18,500.00"
    assert card.select_one(".seats-left").get_text() == "6 of 6 seats left"
    assert card.select_one(".next-day").get_text() == "+1 day"  # 20:30 + 10 h
    assert page(response).select_one(f'li[data-trip-id="{earlier.id}"] .next-day') is None


@pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
def test_seats_left_counts_dead_holds_as_free(client: FlaskClient, travel) -> None:
    trip = create_trip(departs_at=lagos(1, 9))
    travel(-timedelta(minutes=20))
    hold_seats(create_user().id, trip.id, ["2A"])  # made 20 minutes ago: dead by now
    travel(timedelta(0))
    hold_seats(create_user().id, trip.id, ["1A", "1B"])
    create_booked_seats(trip, ["2B"])

    response = search(client)

    assert page(response).select_one(".seats-left").get_text() == "3 of 6 seats left"


def test_lagos_calendar_day_decides_the_date(client: FlaskClient) -> None:
    route = create_route("Lagos", "Abuja")
    late_night = create_trip(route=route, departs_at=lagos(1, 23, 30))  # 22:30 UTC
    after_midnight = create_trip(route=route, departs_at=lagos(2, 0, 30))  # 23:30 UTC, day 1

    assert listed_trip_ids(search(client, day=1)) == [late_night.id]
    assert listed_trip_ids(search(client, day=2)) == [after_midnight.id]


def test_departed_cancelled_and_closed_trips(client: FlaskClient, travel) -> None:
    route = create_route("Lagos", "Abuja")
    create_trip(route=route, departs_at=lagos(1, 8), status=TripStatus.CANCELLED)
    closing = create_trip(route=route, departs_at=lagos(1, 10))
    gone = create_trip(route=route, departs_at=lagos(1, 7))
    # Stand 20 minutes before the 10:00 departure: inside the 30-minute sales cut-off.
    travel(lagos(1, 9, 40).astimezone(UTC) - datetime.now(UTC))

    response = search(client, day=0)

    assert listed_trip_ids(response) == [closing.id]
    assert gone.id not in listed_trip_ids(response)
    card = page(response).select_one(f'li[data-trip-id="{closing.id}"]')
    assert "Online sales closed" in card.select_one(".closed").get_text()
    assert card.select_one("a.primary") is None


def test_no_trips_says_so(client: FlaskClient) -> None:
    create_route("Lagos", "Abuja")

    response = search(client)

    assert response.status_code == 200
    assert page(response).find(id="no-trips") is not None


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date": "28/11/2026"}, "date", "YYYY-MM-DD"),
        ({"date": "2026-02-30"}, "date", "YYYY-MM-DD"),
        ({"date": "2020-01-01"}, "date", "has passed"),
        ({"date": "2999-01-01"}, "date", "days ahead"),
        ({"origin": "Atlantis"}, "origin", "don't serve"),
        ({"destination": ""}, "destination", "Choose a city"),
        ({"destination": "LAGOS"}, "destination", "different"),
        ({"origin": "x" * 5000}, "origin", "don't serve"),
    ],
)
def test_bad_searches_are_explained_on_the_form(
    client: FlaskClient, params: dict, field: str, message: str
) -> None:
    create_route("Lagos", "Abuja")

    response = search(client, **params)

    assert response.status_code == 422
    assert message in field_error(response, field)
    assert page(response).find(id="search-form") is not None


def test_city_names_work_as_well_as_slugs(client: FlaskClient) -> None:
    trip = create_trip(route=create_route("Lagos", "Abuja"), departs_at=lagos(1, 9))

    response = search(client, origin="Lagos", destination="abuja")

    assert listed_trip_ids(response) == [trip.id]


def test_trip_page_and_unknown_trip(client: FlaskClient) -> None:
    trip = create_trip(departs_at=lagos(3, 6, 30), layout=create_layout([["SS.SS"] * 3]))

    response = client.get(f"/trips/{trip.id}")

    assert response.status_code == 200
    assert page(response).find(id="seat-count").get_text() == "12 seats free"
    assert len(page(response).select("#seat-map button.seat")) == 12
    assert client.get("/trips/999999").status_code == 404
    assert client.get("/trips/abc").status_code == 404


def test_api_search_returns_camel_case_trips(client: FlaskClient) -> None:
    _, plain = create_token(create_user())
    trip = create_trip(route=create_route("Lagos", "Abuja"), departs_at=lagos(1, 6))
    date = lagos(1, 0).date().isoformat()

    response = client.get(
        f"/api/trips?origin=lagos&destination=abuja&date={date}",
        headers={"Authorization": f"Bearer {plain}"},
    )

    assert response.status_code == 200
    [item] = response.get_json()["trips"]
    assert item["tripId"] == trip.id
    assert item["fareAmount"] == 1_500_000
    assert item["currency"] == "NGN"
    assert item["seatsLeft"] == 6
    assert item["departsAt"].endswith("+01:00")
    assert item["onSale"] is True


def test_api_search_validation_error_lists_every_field(client: FlaskClient) -> None:
    _, plain = create_token(create_user())

    response = client.get(
        "/api/trips?origin=atlantis&date=yesterday", headers={"Authorization": f"Bearer {plain}"}
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "VALIDATION_ERROR"
    assert set(body["details"]) == {"origin", "destination", "date"}


@pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)
def test_results_sort_filter_and_nearby_dates(client: FlaskClient) -> None:
    """Deliverable 4: sort by departure, price or seats left; filter by operator and time of
    day; a strip of nearby dates with their lowest fare, links even on a day with no bus."""
    route = create_route("Lagos", "Abuja")
    abc, gig = create_operator(name="ABC Transport"), create_operator(name="GIG Mobility")
    dawn = create_trip(route=route, operator=abc, departs_at=lagos(2, 6), fare_amount=1_900_000)
    noon = create_trip(route=route, operator=gig, departs_at=lagos(2, 13), fare_amount=1_200_000)
    night = create_trip(route=route, operator=gig, departs_at=lagos(2, 22), fare_amount=1_500_000)
    create_booked_seats(noon, ["1A", "1B", "1C"])
    create_trip(route=route, departs_at=lagos(4, 9), fare_amount=990_000)
    create_trip(route=route, departs_at=lagos(4, 10), fare_amount=2_000_000)

    assert listed_trip_ids(search(client, 2)) == [dawn.id, noon.id, night.id]
    assert listed_trip_ids(search(client, 2, sort="price")) == [noon.id, night.id, dawn.id]
    assert listed_trip_ids(search(client, 2, sort="seats")) == [dawn.id, night.id, noon.id]
    assert listed_trip_ids(search(client, 2, operator="GIG Mobility")) == [noon.id, night.id]
    assert listed_trip_ids(search(client, 2, time="night")) == [night.id]
    both = search(client, 2, operator="GIG Mobility", time="morning")
    assert listed_trip_ids(both) == []
    assert "No bus matches" in page(both).find(id="no-trips").get_text()
    odd = search(client, 2, sort="'; drop", operator="Nobody", time="noonish")
    assert odd.status_code == 200
    assert listed_trip_ids(odd) == [dawn.id, noon.id, night.id]  # unknown choices: defaults

    empty_day = search(client, 3, sort="price")
    assert listed_trip_ids(empty_day) == []
    strip = {
        a.select_one(".day").get_text(): (a.select_one(".low-fare").get_text(), a["href"])
        for a in page(empty_day).select("#nearby-days a")
    }
    label = {d: lagos(d, 0).strftime("%a %d %b") for d in (2, 3, 4)}
    assert strip[label[2]][0] == "from ₦12,000.00"
    assert strip[label[3]][0] == "no bus"
    assert strip[label[4]][0] == "from ₦9,900.00"
    assert f"date={lagos(4, 0).date().isoformat()}" in strip[label[4]][1]
    assert "sort=price" in strip[label[4]][1]  # the choices travel with the date
    chosen = page(empty_day).select_one("#nearby-days a[aria-current=date]")
    assert chosen.select_one(".day").get_text() == label[3]


def test_help_terms_and_refund_policy_state_the_configured_figures(
    app, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app is the session's: the figures go back afterwards, or every later test holds for
    # 12 minutes and charges ₦300 a seat.
    monkeypatch.setitem(app.config, "SEAT_HOLD_MINUTES", 12)
    monkeypatch.setitem(app.config, "SERVICE_FEE_PER_SEAT", 30_000)
    monkeypatch.setitem(app.config, "SALES_CUTOFF_MINUTES", 45)

    terms = page(client.get("/terms")).find(id="terms").get_text(" ")
    policy = page(client.get("/refund-policy")).get_text(" ")
    help_page = client.get("/help")

    assert "held for 12 minutes" in terms
    assert "₦300.00 per seat" in terms
    assert "45 minutes before departure" in terms
    rows = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in page(client.get("/refund-policy")).select("#refund-tiers tbody tr")
    ]
    assert rows == [
        ["48 hours or more before departure", "90% of the fare"],
        ["12 to 48 hours before", "50% of the fare"],
        ["less than 12 hours before", "nothing"],
    ]
    assert "₦300.00 per seat is not refunded" in policy
    assert help_page.status_code == 200
    assert "12 minutes" in page(help_page).get_text()
