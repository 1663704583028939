from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_token, create_trip, create_user
from tests.helpers import assert_api_error, log_in
from webapp import clock
from webapp.accounts.services import revoke_api_token

SEARCH = "/api/trips?origin=lagos&destination=abuja"


def test_missing_token_is_401_with_a_bearer_challenge(client: FlaskClient) -> None:
    response = client.get(SEARCH)

    assert_api_error(response, 401, "UNAUTHENTICATED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer rp_not-a-real-token", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "]
)
def test_unknown_or_malformed_token_is_401(client: FlaskClient, header: str) -> None:
    response = client.get(SEARCH, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.get_json()["code"] in {"INVALID_TOKEN", "UNAUTHENTICATED"}


def test_revoked_token_is_401(client: FlaskClient) -> None:
    user = create_user()
    token, plain = create_token(user)
    revoke_api_token(user.id, token.id)

    response = client.get(SEARCH, headers={"Authorization": f"Bearer {plain}"})

    assert_api_error(response, 401, "INVALID_TOKEN")


def test_token_of_inactive_user_is_401(client: FlaskClient) -> None:
    user = create_user(is_active=False)
    _, plain = create_token(user)

    response = client.get(SEARCH, headers={"Authorization": f"Bearer {plain}"})

    assert_api_error(response, 401, "INVALID_TOKEN")


def test_valid_token_is_accepted_and_its_use_noted(client: FlaskClient) -> None:
    user = create_user()
    token, plain = create_token(user)
    trip = create_trip(departs_at=clock.now() + timedelta(hours=3))
    date = clock.to_lagos(trip.departs_at).date().isoformat()

    response = client.get(f"{SEARCH}&date={date}", headers={"Authorization": f"Bearer {plain}"})

    assert response.status_code == 200
    assert [item["tripId"] for item in response.get_json()["trips"]] == [trip.id]
    from webapp.accounts.models import ApiToken
    from webapp.extensions import db

    last_used = db.session.get(ApiToken, token.id).last_used_at
    assert last_used is not None
    assert last_used <= clock.now()


def test_browser_session_does_not_authenticate_the_api(client: FlaskClient) -> None:
    create_user(email="ada@example.com")
    log_in(client, "ada@example.com", PASSWORD)

    assert_api_error(client.get(SEARCH), 401, "UNAUTHENTICATED")


def test_unknown_api_path_and_method_answer_json(client: FlaskClient) -> None:
    assert_api_error(client.get("/api/nope"), 404, "NOT_FOUND")
    assert_api_error(client.delete("/api/trips"), 405, "METHOD_NOT_ALLOWED")
