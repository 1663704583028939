"""POST /api/payments idempotency, validation and ownership (SPEC §5, §10)."""

import threading
import uuid
from datetime import timedelta

import requests

from tests.paysite import status_of


def test_same_key_and_body_replays_and_another_body_is_refused(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["1A"])
    key = str(uuid.uuid4())

    first = ada.start_payment(booking, key=key)
    again = ada.start_payment(booking, key=key)
    other = ada.start_payment(booking, key=key, email="someone-else@example.com")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(status_of(pay_site, booking["bookingId"])[1]) == 1


def test_a_key_is_required(pay_site, sandbox, shopper, trip_id) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["1B"])

    response = requests.post(
        f"{pay_site.url}/api/payments",
        json={"bookingId": booking["bookingId"], "email": ada.email, "passengers": []},
        headers=ada.headers,
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert status_of(pay_site, booking["bookingId"]) == ("HELD", [])


def test_ten_concurrent_requests_with_one_key_make_one_payment_and_one_gateway_call(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["1C", "1D"])
    key = str(uuid.uuid4())
    barrier = threading.Barrier(10)
    answers: list[requests.Response] = []

    def send() -> None:
        barrier.wait()
        answers.append(ada.start_payment(booking, key=key))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {201, 409}, [a.text for a in answers]
    created = [a.json() for a in answers if a.status_code == 201]
    assert created
    assert all(c == created[0] for c in created)
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.json()["code"] == "REQUEST_IN_PROGRESS"
    assert len(status_of(pay_site, booking["bookingId"])[1]) == 1
    links = [ln for ln in sandbox.links() if ln["txRef"].startswith(booking["reference"])]
    assert len(links) == 1


def test_bad_bodies_are_422_and_change_nothing(pay_site, sandbox, shopper, trip_id) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["2A", "2B"])
    good = [
        {"seatNumber": "2A", "name": "Ada Obi", "phone": "08031234567"},
        {"seatNumber": "2B", "name": "Bola Ade", "phone": "+2348031234567"},
    ]
    bodies = [
        "not json",
        {"bookingId": "x", "email": ada.email, "passengers": good},
        {"bookingId": True, "email": ada.email, "passengers": good},
        {"bookingId": booking["bookingId"], "email": "not-an-email", "passengers": good},
        {"bookingId": booking["bookingId"], "email": ada.email, "passengers": good[:1]},
        {"bookingId": booking["bookingId"], "email": ada.email, "passengers": "2A"},
        {"bookingId": booking["bookingId"], "email": ada.email, "passengers": [good[0], good[0]]},
        {
            "bookingId": booking["bookingId"],
            "email": ada.email,
            "passengers": [good[0], {**good[1], "phone": "12"}],
        },
        {
            "bookingId": booking["bookingId"],
            "email": ada.email,
            "passengers": [good[0], {**good[1], "seatNumber": "9Z"}],
        },
        {
            "bookingId": booking["bookingId"],
            "email": ada.email,
            "passengers": [good[0], {**good[1], "name": "<b></b>"}],
        },
    ]
    for body in bodies:
        headers = {**ada.headers, "Idempotency-Key": str(uuid.uuid4())}
        kwargs = {"data": body} if isinstance(body, str) else {"json": body}
        response = requests.post(
            f"{pay_site.url}/api/payments", headers=headers, timeout=5, **kwargs
        )
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "VALIDATION_ERROR"

    assert status_of(pay_site, booking["bookingId"]) == ("HELD", [])
    names = pay_site.sql(
        "SELECT passenger_name FROM booking_seats WHERE booking_id = :b", b=booking["bookingId"]
    )
    assert names == [(None,), (None,)]


def test_names_are_stored_without_markup_and_phones_normalised(
    pay_site, sandbox, shopper, trip_id
) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["3A"])
    body = {
        "bookingId": booking["bookingId"],
        "email": " Ada@Example.COM ",
        "passengers": [
            {"seatNumber": "3a", "name": "Ada <script>x</script> Obi", "phone": "0803-123-4567"}
        ],
    }
    response = requests.post(
        f"{pay_site.url}/api/payments",
        json=body,
        headers={**ada.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )

    assert response.status_code == 201, response.text
    assert pay_site.sql(
        "SELECT passenger_name, passenger_phone FROM booking_seats WHERE booking_id = :b",
        b=booking["bookingId"],
    ) == [("Ada x Obi", "+2348031234567")]
    assert pay_site.sql(
        "SELECT contact_email FROM bookings WHERE id = :b", b=booking["bookingId"]
    ) == [("ada@example.com",)]


def test_another_users_booking_and_payment_are_404(pay_site, sandbox, shopper, trip_id) -> None:
    ada, mallory = shopper(), shopper()
    booking = ada.hold(trip_id, ["4A"])
    payment = ada.pay(booking)

    paying = mallory.start_payment(booking)
    reading = requests.get(
        f"{pay_site.url}/api/payments/{payment['paymentId']}", headers=mallory.headers, timeout=5
    )
    pages = [
        mallory.browser.get(f"{pay_site.url}{path}", timeout=5)
        for path in (
            f"/bookings/{booking['reference']}",
            f"/bookings/{booking['reference']}/checkout",
            f"/bookings/{booking['reference']}/summary",
            f"/payments/{payment['paymentId']}/status",
            f"/payments/return?status=successful&tx_ref={payment['txRef']}",
        )
    ]

    assert paying.status_code == 404
    assert reading.status_code == 404
    assert [p.status_code for p in pages] == [404] * 5
    assert len(status_of(pay_site, booking["bookingId"])[1]) == 1
    assert (
        requests.get(
            f"{pay_site.url}/api/payments/999999", headers=ada.headers, timeout=5
        ).status_code
        == 404
    )


def test_paying_an_expired_hold_is_refused(pay_site, sandbox, shopper, trip_id, travel) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["4B"])
    travel(timedelta(minutes=16))

    response = ada.start_payment(booking)

    assert response.status_code == 409
    assert response.json()["code"] == "HOLD_NOT_ACTIVE"
    assert status_of(pay_site, booking["bookingId"]) == ("HELD", [])


def test_payment_attempts_are_rate_limited_per_account(pay_site, sandbox, shopper, trip_id) -> None:
    ada = shopper()
    booking = ada.hold(trip_id, ["5A"])
    pay_site.app.config["CHECKOUT_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [ada.start_payment(booking).status_code for _ in range(3)]
    finally:
        pay_site.app.config["CHECKOUT_RATE_LIMIT"] = "100000 per minute"

    assert codes == [201, 201, 429]
    assert len(status_of(pay_site, booking["bookingId"])[1]) == 2
