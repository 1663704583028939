"""The seat map page, its polling fragment, and holding seats from the browser."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.apps import seat_cache_for
from tests.factories import (
    PASSWORD,
    create_booked_seats,
    create_layout,
    create_trip,
    create_user,
    held,
)
from tests.helpers import csrf_from, log_in, page
from webapp import clock
from webapp.booking.models import Booking
from webapp.booking.services import hold_seats
from webapp.extensions import db

HTMX = {"HX-Request": "true"}


def seat_button(response, label: str):
    return page(response).find(id=f"seat-{label}")


def logged_in(client: FlaskClient, **user_fields: object):
    user = create_user(**user_fields)
    log_in(client, user.email, PASSWORD)
    return user


def hold_form(client: FlaskClient, trip_id: int) -> dict[str, str]:
    form = page(client.get(f"/trips/{trip_id}")).find(id="hold-form")
    return {field["name"]: field.get("value", "") for field in form.find_all("input")}


def test_every_seat_is_a_button_with_its_state_in_words(client: FlaskClient) -> None:
    layout = create_layout([["D...", "SS.S", "SS.S", "XL.L"]], name="Test 2+1")
    trip = create_trip(layout=layout)
    create_booked_seats(trip, ["1A"])
    hold_seats(create_user().id, trip.id, ["1B"])

    response = client.get(f"/trips/{trip.id}")

    assert response.status_code == 200
    buttons = page(response).select("#seat-map button.seat")
    assert [b["id"].removeprefix("seat-") for b in buttons] == ["1A", "1B", "1C", "2A", "2B", "2C"]
    assert seat_button(response, "1A")["aria-label"] == "Seat 1A, sold"
    assert seat_button(response, "1A")["aria-disabled"] == "true"
    assert seat_button(response, "1B")["aria-label"] == "Seat 1B, held"
    assert seat_button(response, "1C")["aria-label"] == "Seat 1C, free"
    assert seat_button(response, "1C")["aria-pressed"] == "false"
    assert seat_button(response, "1C").find("small").get_text() == "free"
    places = [p.get_text() for p in page(response).select("#seat-map .place")]
    assert places == ["Driver", "—", "Bags", "Bags"]
    assert page(response).find(id="seat-count").get_text() == "4 seats free"


def test_double_decker_has_two_labelled_decks(client: FlaskClient) -> None:
    layout = create_layout([["SS.S"], ["SS.SS"]], name="Test decker")
    trip = create_trip(layout=layout)

    response = client.get(f"/trips/{trip.id}")

    decks = page(response).select("#seat-map section.deck")
    assert [deck["aria-label"] for deck in decks] == ["Lower deck", "Upper deck"]
    assert seat_button(response, "U1D") is not None


def test_anonymous_visitors_see_the_map_and_are_asked_to_log_in(client: FlaskClient) -> None:
    trip = create_trip()

    doc = page(client.get(f"/trips/{trip.id}"))

    login_link = doc.select_one("#booking-panel a.button")
    assert login_link["href"] == f"/login?next=/trips/{trip.id}"
    assert doc.find(id="hold-button") is None


def test_seat_fragment_answers_304_until_something_changes(client: FlaskClient) -> None:
    trip = create_trip()
    url = f"/trips/{trip.id}/seats"

    first = client.get(url)
    etag = first.headers["ETag"]
    unchanged = client.get(url, headers={"If-None-Match": etag})
    hold_seats(create_user().id, trip.id, ["2A"])
    changed = client.get(url, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert seat_button(changed, "2A")["data-state"] == "held"


@pytest.fixture(params=[0, 60], ids=["seat-cache-off", "seat-cache-on"])
def seat_cache_seconds(request: pytest.FixtureRequest, app: Flask) -> Iterator[float]:
    """Both ways a poll is answered: from a fresh query, and from cached rows (as served)."""
    with seat_cache_for(app, request.param):
        yield request.param


def test_seat_fragment_changes_when_a_hold_dies(
    client: FlaskClient, travel, seat_cache_seconds: float
) -> None:
    trip = create_trip()
    hold_seats(create_user().id, trip.id, ["2A"])
    url = f"/trips/{trip.id}/seats"
    etag = client.get(url).headers["ETag"]
    still_held = client.get(url, headers={"If-None-Match": etag})

    travel(timedelta(minutes=16))
    response = client.get(url, headers={"If-None-Match": etag})
    travel(timedelta(0))  # a clock set back is not answered from what was worked out later
    back = client.get(url, headers={"If-None-Match": etag})

    assert still_held.status_code == 304
    assert response.status_code == 200
    assert seat_button(response, "2A")["data-state"] == "available"
    assert back.status_code == 304


def test_fragment_polls_only_while_on_sale(
    client: FlaskClient, travel, seat_cache_seconds: float
) -> None:
    trip = create_trip(departs_at=clock.now() + timedelta(hours=1))

    open_map = page(client.get(f"/trips/{trip.id}/seats")).find(id="seat-map")
    travel(timedelta(minutes=31))  # the 30-minute cut-off has passed
    closed = client.get(f"/trips/{trip.id}/seats")

    assert open_map["hx-trigger"].startswith("every 4s")
    assert not page(closed).find(id="seat-map").has_attr("hx-trigger")
    assert seat_button(closed, "1A")["aria-disabled"] == "true"
    assert page(client.get(f"/trips/{trip.id}")).find(id="sales-closed") is not None


def test_unknown_trip_fragment_is_404(client: FlaskClient) -> None:
    assert client.get("/trips/424242/seats").status_code == 404


def test_hold_from_the_page_then_see_it_as_yours(client: FlaskClient) -> None:
    user = logged_in(client)
    trip = create_trip()
    form = hold_form(client, trip.id)

    response = client.post(f"/trips/{trip.id}/hold", data={**form, "seats": "1A,1B"})

    assert response.status_code == 303
    trip_page = client.get(f"/trips/{trip.id}")
    assert seat_button(trip_page, "1A")["aria-label"] == "Seat 1A, yours, held"
    assert page(trip_page).find(id="held-seats").get_text() == "1A, 1B"
    assert page(trip_page).find(id="countdown")["data-expires-at"]
    booking = db.session.scalar(select(Booking).where(Booking.user_id == user.id))
    assert booking.seat_labels == ["1A", "1B"]


def test_htmx_hold_returns_the_panel_and_asks_the_map_to_refresh(client: FlaskClient) -> None:
    logged_in(client)
    trip = create_trip()
    form = hold_form(client, trip.id)

    response = client.post(f"/trips/{trip.id}/hold", data={**form, "seats": "2B"}, headers=HTMX)

    assert response.status_code == 201
    assert response.headers["HX-Trigger"] == "seats-changed"
    assert page(response).find(id="held-seats").get_text() == "2B"


def test_htmx_hold_of_a_taken_seat_explains_in_the_panel(client: FlaskClient) -> None:
    logged_in(client)
    trip = create_trip()
    hold_seats(create_user().id, trip.id, ["2B"])
    form = hold_form(client, trip.id)

    response = client.post(f"/trips/{trip.id}/hold", data={**form, "seats": "2A,2B"}, headers=HTMX)

    assert response.status_code == 409
    assert "2B was just taken" in page(response).find(id="panel-error").get_text()
    assert page(response).find(id="hold-form") is not None


def test_plain_form_errors_come_back_as_a_message(client: FlaskClient) -> None:
    logged_in(client)
    trip = create_trip()
    form = hold_form(client, trip.id)

    response = client.post(
        f"/trips/{trip.id}/hold", data={**form, "seats": ""}, follow_redirects=True
    )

    assert response.status_code == 200
    messages = [p.get_text() for p in page(response).select(".flash-error")]
    assert "Choose at least one seat." in messages


def test_double_submitted_hold_form_holds_once(client: FlaskClient) -> None:
    user = logged_in(client)
    trip = create_trip()
    form = hold_form(client, trip.id)

    first = client.post(f"/trips/{trip.id}/hold", data={**form, "seats": "1A"}, headers=HTMX)
    second = client.post(f"/trips/{trip.id}/hold", data={**form, "seats": "1A"}, headers=HTMX)

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_data() == first.get_data()
    count = db.session.scalar(select(func.count(Booking.id)).where(Booking.user_id == user.id))
    assert count == 1


def test_hold_needs_login_and_csrf(client: FlaskClient) -> None:
    trip = create_trip()

    anonymous = client.post(f"/trips/{trip.id}/hold", data={"seats": "1A"})
    logged_in(client)
    no_csrf = client.post(f"/trips/{trip.id}/hold", data={"seats": "1A"})

    assert anonymous.status_code == 400  # CSRF runs first: nothing is held either way
    assert no_csrf.status_code == 400
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_release_from_the_page(client: FlaskClient) -> None:
    user = logged_in(client)
    trip = create_trip()
    booking = held(user.id, trip.id, ["1A"])
    token = csrf_from(client, f"/trips/{trip.id}")

    response = client.post(
        f"/bookings/{booking.reference}/release", data={"csrf_token": token}, headers=HTMX
    )

    assert response.status_code == 200
    assert page(response).find(id="hold-form") is not None
    assert seat_button(client.get(f"/trips/{trip.id}"), "1A")["data-state"] == "available"


def test_nobody_else_can_release_my_hold(client: FlaskClient) -> None:
    trip = create_trip()
    booking = held(create_user().id, trip.id, ["1A"])
    logged_in(client)
    token = csrf_from(client, f"/trips/{trip.id}")

    response = client.post(f"/bookings/{booking.reference}/release", data={"csrf_token": token})

    assert response.status_code == 404
    assert seat_button(client.get(f"/trips/{trip.id}"), "1A")["data-state"] == "held"


def test_my_dead_hold_shows_as_expired(app: Flask, client: FlaskClient, travel) -> None:
    user = logged_in(client)
    trip = create_trip()
    hold_seats(user.id, trip.id, ["1A"])

    travel(timedelta(minutes=16))
    hold_seats(create_user().id, trip.id, ["1A"])  # someone else takes it, no job has run
    response = client.get(f"/trips/{trip.id}")

    assert "expired" in page(response).find(id="hold-expired").get_text()
    assert seat_button(response, "1A")["aria-label"] == "Seat 1A, held"
    assert page(response).find(id="hold-form") is not None


def test_hold_rate_limit_per_account(app: Flask, client: FlaskClient) -> None:
    logged_in(client)
    trip = create_trip()
    app.config["HOLD_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = []
        for _ in range(4):
            form = hold_form(client, trip.id)
            response = client.post(
                f"/trips/{trip.id}/hold", data={**form, "seats": "9Z"}, headers=HTMX
            )
            statuses.append(response.status_code)
    finally:
        app.config["HOLD_RATE_LIMIT"] = "20 per minute"

    assert statuses == [422, 422, 422, 429]


def test_poll_cache_serves_recent_rows_and_forgets_them_on_local_writes(
    app: Flask, client: FlaskClient
) -> None:
    from sqlalchemy import update

    from webapp.trips.models import TripSeat

    trip = create_trip()
    url = f"/trips/{trip.id}/seats"
    with seat_cache_for(app, 60):
        etag = client.get(url).headers["ETag"]
        # A change made behind this process's back (as another worker would) is not seen yet...
        booking = create_booked_seats(trip, ["2C"])
        db.session.execute(
            update(TripSeat)
            .where(TripSeat.trip_id == trip.id, TripSeat.label == "2B")
            .values(status="booked", booking_id=booking.id)
        )
        db.session.commit()
        behind_its_back = client.get(url, headers={"If-None-Match": etag})
        # ...but a hold made through this process clears the trip's rows at once.
        hold_seats(create_user().id, trip.id, ["1A"])
        after_local_write = client.get(url, headers={"If-None-Match": etag})

    assert behind_its_back.status_code == 304
    assert after_local_write.status_code == 200
    assert seat_button(after_local_write, "1A")["data-state"] == "held"
    assert seat_button(after_local_write, "2B")["data-state"] == "booked"


def test_each_viewer_sees_their_own_seats_in_polls(
    app: Flask, client: FlaskClient, seat_cache_seconds: float
) -> None:
    trip = create_trip()
    holder = logged_in(client)
    onlooker = app.test_client()
    logged_in(onlooker)
    hold_seats(holder.id, trip.id, ["1A"])
    url = f"/trips/{trip.id}/seats"

    anonymous = app.test_client().get(url)
    seen_by_onlooker = onlooker.get(url)
    seen_by_holder = client.get(url)

    assert seat_button(anonymous, "1A")["aria-label"] == "Seat 1A, held"
    assert seat_button(seen_by_onlooker, "1A")["aria-label"] == "Seat 1A, held"
    assert seen_by_onlooker.headers["ETag"] == anonymous.headers["ETag"]
    assert seat_button(seen_by_holder, "1A")["aria-label"] == "Seat 1A, yours, held"
    assert seen_by_holder.headers["ETag"] != anonymous.headers["ETag"]


def test_a_crowd_watching_a_trip_costs_one_render_per_change(app: Flask) -> None:
    trip = create_trip()
    url = f"/trips/{trip.id}/seats"
    crowd = [app.test_client() for _ in range(5)]
    renders: list[str] = []

    def count(_sender: Flask, template: object, **_: object) -> None:
        renders.append(getattr(template, "name", ""))

    with seat_cache_for(app, 60), template_rendered.connected_to(count, app):
        before = [viewer.get(url) for viewer in crowd]
        hold_seats(create_user().id, trip.id, ["2B"])
        after = [viewer.get(url) for viewer in crowd]

    assert renders.count("booking/_seat_map.html") == 2  # once before the hold, once after
    assert len({r.get_data() for r in before}) == len({r.get_data() for r in after}) == 1
    assert all(seat_button(r, "2B")["data-state"] == "held" for r in after)
    assert all(seat_button(r, "2B")["data-state"] == "available" for r in before)
