import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_token, create_trip, create_user
from tests.helpers import assert_api_error, log_in
from webapp import clock
from webapp.accounts import token_cache
from webapp.accounts.models import ApiCaller
from webapp.accounts.services import revoke_api_token
from webapp.accounts.token_cache import CachedToken, TokenCache
from webapp.extensions import db

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


# --- the token cache ---------------------------------------------------------------------------


def listening_cache(app: Flask) -> TokenCache:
    with app.app_context():
        cache = token_cache.cache()
    assert cache is not None, "the test app has Redis, so it caches tokens"
    assert cache.wait_until_listening(timeout=10)
    return cache


def test_a_cached_token_is_refused_at_once_after_its_revocation(
    app: Flask, client: FlaskClient
) -> None:
    listening_cache(app)
    user = create_user()
    token, plain = create_token(user)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get(SEARCH, headers=headers).status_code != 401  # read and cached

    revoke_api_token(user.id, token.id)

    assert_api_error(client.get(SEARCH, headers=headers), 401, "INVALID_TOKEN")


def test_a_cached_token_is_refused_once_its_owner_is_deactivated(
    app: Flask, client: FlaskClient
) -> None:
    listening_cache(app)
    user = create_user()
    _, plain = create_token(user)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get(SEARCH, headers=headers).status_code != 401

    user.is_active = False
    db.session.commit()

    assert_api_error(client.get(SEARCH, headers=headers), 401, "INVALID_TOKEN")


def test_a_revocation_in_another_process_drops_the_cached_token_here(app: Flask) -> None:
    here = listening_cache(app)
    there = TokenCache(here.redis_url, here.seconds)  # another process's cache, same Redis
    assert there.wait_until_listening(timeout=10)
    caller = ApiCaller(987_654, "far@example.com", "passenger")
    here.put("a" * 64, CachedToken(1, caller, None, time.monotonic()))
    seen = here.announcements_seen
    assert here.get("a" * 64) is not None

    there.announce({caller.id})

    assert here.wait_for_announcements(seen + 1, timeout=10)
    assert here.get("a" * 64) is None


def test_without_a_subscription_nothing_is_cached(app: Flask) -> None:
    cache = TokenCache("redis://127.0.0.1:1/0", 10)  # nothing listens there
    caller = ApiCaller(1, "a@example.com", "passenger")

    cache.put("b" * 64, CachedToken(1, caller, None, time.monotonic()))

    assert cache.get("b" * 64) is None
