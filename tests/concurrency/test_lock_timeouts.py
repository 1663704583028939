"""A lock held too long by someone else ends in a polite 503 BUSY_RETRY, never a raw error."""

import requests
from sqlalchemy import create_engine, text

from tests.concurrency.conftest import RaceSite


def test_a_seat_locked_elsewhere_answers_busy_retry(race_site: RaceSite) -> None:
    trip = race_site.trip()
    [headers] = race_site.passengers(1)
    other = create_engine(race_site.app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # another writer holds the database
        else:
            connection.execute(
                text("SELECT id FROM trip_seats WHERE trip_id = :t AND label = '1A' FOR UPDATE"),
                {"t": trip},
            )
        response = requests.post(
            f"{race_site.url}/api/bookings/reserve",
            json={"tripId": trip, "seatNumbers": ["1A"]},
            headers=headers,
            timeout=30,
        )
        connection.rollback()
    other.dispose()

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "BUSY_RETRY"
    assert "try again" in body["error"]
    assert "locked" not in response.text.lower()
    seats = race_site.sql(
        "SELECT status FROM trip_seats WHERE trip_id = :t AND label = '1A'", t=trip
    )
    assert seats == [("available",)]
    after = requests.post(
        f"{race_site.url}/api/bookings/reserve",
        json={"tripId": trip, "seatNumbers": ["1A"]},
        headers=headers,
        timeout=30,
    )
    assert after.status_code == 201
