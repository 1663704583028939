"""Small helpers for reading pages the way a browser would: parsed HTML, never substrings."""

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def page(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_from(client: FlaskClient, url: str) -> str:
    """The CSRF token a real browser would find in the page at `url`."""
    meta = page(client.get(url)).find("meta", attrs={"name": "csrf-token"})
    assert meta is not None, f"no CSRF meta tag on {url}"
    return meta["content"]


def post_form(
    client: FlaskClient, url: str, data: dict[str, str], **kwargs: object
) -> TestResponse:
    """Submit a form with the CSRF token from the same page, as the browser would."""
    return client.post(url, data={"csrf_token": csrf_from(client, url), **data}, **kwargs)


def log_in(client: FlaskClient, email: str, password: str) -> TestResponse:
    return post_form(client, "/login", {"email": email, "password": password})


def field_error(response: TestResponse, field_id: str) -> str | None:
    error = page(response).find(id=f"{field_id}-error")
    return error.get_text(strip=True) if error else None


def assert_api_error(response: TestResponse, status: int, code: str) -> dict:
    """The API's error body, checked for its shape: `{"error", "code", "statusCode", "details"}`."""
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert body["statusCode"] == status
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["details"], dict)
    return body
