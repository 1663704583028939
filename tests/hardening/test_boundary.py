"""The input boundary's own rules: body size, malformed encodings, headers, path values, the
JSON checks and the WTForms validator, each refused with the structured error body."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.helpers import assert_api_error, csrf_from
from webapp.accounts.forms import LoginForm
from webapp.boundary import strict_loads
from webapp.boundary.converters import IdConverter
from webapp.boundary.jsonbody import JsonFieldRefusedError, JsonRefusedError, nesting_depth_exceeds


def test_a_body_over_the_limit_is_a_413_in_the_format_of_its_side(
    app: Flask, client: FlaskClient
) -> None:
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/api/bookings/reserve", data=big, content_type="application/json")
    assert_api_error(response, 413, "PAYLOAD_TOO_LARGE")
    response = client.post("/login", data=big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    "url", ["/trips?origin=%zz", "/trips?origin=%", "/trips?origin=%FF", "/trips/%zz"]
)
def test_malformed_percent_escapes_and_bad_utf8_are_a_400(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 400
    assert_api_error(client.get("/api" + url), 400, "BAD_REQUEST")


def test_a_malformed_form_body_is_a_400(client: FlaskClient) -> None:
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data=f"email=a%zz&password=x&csrf_token={token}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "header", ["Idempotency-Key", "If-None-Match", "Authorization", "verif-hash"]
)
def test_a_control_character_in_a_header_that_matters_is_a_400_naming_it(
    client: FlaskClient, header: str
) -> None:
    response = client.get("/api/trips", headers={header: "a\x00b"})
    body = assert_api_error(response, 400, "BAD_REQUEST")
    assert header in body["details"]


def test_a_path_value_with_a_control_character_is_not_found(client: FlaskClient) -> None:
    assert client.get("/bookings/RP-%01X").status_code == 404
    assert_api_error(client.get("/api/jobs/%00/x"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[" * 33 + "]" * 33, JsonRefusedError),
        ('{"a": NaN}', JsonRefusedError),
        ('{"a": -Infinity}', JsonRefusedError),
        ('{"a": 1e309}', JsonRefusedError),
        ('{"a": ' + "9" * 5000 + "}", JsonRefusedError),
        ('{"a": [1, {"b": "\\u0000"}]}', JsonFieldRefusedError),
        ('{"\\ud800": 1}', JsonFieldRefusedError),
        (b'{"a": "\xed\xa0\x80"}', JsonFieldRefusedError),  # a surrogate as raw UTF-8 bytes
    ],
)
def test_strict_json_refuses(text: str | bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        strict_loads(text, max_depth=32)


def test_strict_json_names_the_field() -> None:
    with pytest.raises(JsonFieldRefusedError) as refused:
        strict_loads('{"passengers": [{"name": "A\\u0000"}]}', max_depth=32)
    assert refused.value.details == {"passengers[0].name": refused.value.message}


def test_nesting_is_counted_outside_strings_only() -> None:
    assert not nesting_depth_exceeds(b'{"a": "[[[[[[[[[[\\"[[[[["}', 2)
    assert nesting_depth_exceeds(b"[[[", 2)
    assert strict_loads('{"a": [[1.5, "x"]]}', max_depth=3) == {"a": [[1.5, "x"]]}


def test_every_form_refuses_nul_in_any_field(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        try:
            form = LoginForm(formdata=MultiDict({"email": "a\x00@b.c", "password": "x"}))
            assert not form.validate()
        finally:
            app.config["WTF_CSRF_ENABLED"] = True
    assert form.errors == {"email": ["This field contains a NUL character."]}


@pytest.mark.parametrize(
    ("number", "matches"),
    [
        ("0", True),
        ("2147483647", True),
        ("0002147483", True),
        ("2147483648", False),
        ("2999999999", False),
        ("9223372036854775808", False),
        ("1" + "0" * 400, False),
    ],
)
def test_an_id_matches_only_within_the_integer_column(number: str, matches: bool) -> None:
    assert bool(re.fullmatch(IdConverter.regex, number)) is matches


def test_an_id_past_the_range_is_a_404_even_where_another_method_shares_the_path(
    client: FlaskClient,
) -> None:
    """A converter refusing after the match made Werkzeug answer 405 for the POST of a path
    whose GET rule it had seen first."""
    token = csrf_from(client, "/login")
    assert (
        client.post("/admin/trips/2147483648/board", data={"csrf_token": token}).status_code == 404
    )
    assert client.post("/trips/2147483648/hold", data={"csrf_token": token}).status_code == 404
