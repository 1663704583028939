import base64
import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.apps import TEST_DATABASE_URL, make_app
from tests.helpers import page
from webapp.config import HTMX_CDN_URL, HTMX_SRI, HTMX_VERSION


@pytest.mark.parametrize(
    "path", ["/", "/login", "/trips?origin=x", "/no-such-page", "/healthz", "/api/trips"]
)
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers

    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in ["/", "/login", "/register"]:
        doc = page(client.get(path))
        assert all(script.get("src") for script in doc.find_all("script")), path
        assert not doc.find_all("style"), path
        assert not doc.select("[style]"), path


def test_local_htmx_is_served_with_the_pinned_hash(app: Flask, client: FlaskClient) -> None:
    tag = page(client.get("/")).find("script", src=lambda src: src and "htmx" in src)

    assert tag["integrity"] == HTMX_SRI
    assert tag["src"] == f"/static/vendor/htmx-{HTMX_VERSION}.min.js"
    body = client.get(tag["src"]).get_data()
    digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert digest == HTMX_SRI


def test_cdn_htmx_is_allowed_by_exact_url_only(app: Flask, client: FlaskClient) -> None:
    app.config["HTMX_SOURCE"] = "cdn"
    try:
        response = client.get("/")
    finally:
        app.config["HTMX_SOURCE"] = "local"

    tag = page(response).find("script", src=HTMX_CDN_URL)
    assert tag["integrity"] == HTMX_SRI
    assert tag["crossorigin"] == "anonymous"
    assert f"script-src 'self' {HTMX_CDN_URL}" in response.headers["Content-Security-Policy"]


def test_not_found_is_a_page_not_a_trace(client: FlaskClient) -> None:
    response = client.get("/definitely/not/here")

    assert response.status_code == 404
    assert page(response).select_one(".error-page")["data-status"] == "404"


def test_method_not_allowed_page(client: FlaskClient) -> None:
    response = client.delete("/")

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_oversized_form_is_413(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024)})

    assert response.status_code == 413
    assert page(response).select_one(".error-page")["data-status"] == "413"


def test_unexpected_error_is_a_friendly_500_without_details(postgresql_app: Flask) -> None:
    crashing_app = make_app(TEST_DATABASE_URL)
    crashing_app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    crashing_app.add_url_rule("/api/boom", "api_boom", lambda: 1 / 0)
    crashing_app.testing = False  # let the handler run, as in production
    client = crashing_app.test_client()

    html = client.get("/boom")
    api = client.get("/api/boom")

    assert html.status_code == 500
    assert "ZeroDivisionError" not in html.get_data(as_text=True)
    assert page(html).find(id="error-message").get_text().startswith("Something went wrong")
    assert api.status_code == 500
    assert api.get_json()["code"] == "INTERNAL_ERROR"
    assert "division" not in api.get_data(as_text=True)


def test_database_lock_contention_anywhere_is_a_polite_503(postgresql_app: Flask) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def busy() -> None:
        raise OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
        )

    busy_app = make_app(TEST_DATABASE_URL)
    busy_app.add_url_rule("/api/busy", "api_busy", busy)
    busy_app.testing = False

    response = busy_app.test_client().get("/api/busy")

    assert response.status_code == 503
    assert response.get_json()["code"] == "BUSY_RETRY"
    assert "locked" not in response.get_data(as_text=True)


def test_behind_a_proxy_rate_limits_see_each_client(postgresql_app: Flask) -> None:
    proxied = make_app(TEST_DATABASE_URL, PROXY_HOPS=1, LOGIN_RATE_LIMIT="2 per minute")
    from webapp.extensions import limiter

    limiter.reset()
    client = proxied.test_client()

    def attempt(ip: str) -> int:
        form_page = client.get("/login", headers={"X-Forwarded-For": ip})
        token = page(form_page).find("meta", attrs={"name": "csrf-token"})["content"]
        return client.post(
            "/login",
            data={"csrf_token": token, "email": f"x{ip}@example.com", "password": "wrong pass"},
            headers={"X-Forwarded-For": ip},
        ).status_code

    first_client = [attempt("203.0.113.7") for _ in range(3)]
    second_client = attempt("198.51.100.9")

    assert first_client == [401, 401, 429]
    assert second_client == 401
    limiter.reset()
