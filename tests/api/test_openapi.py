"""The published OpenAPI document: valid OpenAPI 3.1, generated from the URL map and the same
pydantic models the views validate with, so a route or a field cannot be left out of it."""

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from webapp.api.openapi import IGNORED_METHODS, api_rules, document, path_of
from webapp.booking.schemas import Hold, ReserveRequest
from webapp.cancellations.schemas import CancelRequest
from webapp.payments.schemas import PaymentRequest, PaymentStarted


def served_document(client: FlaskClient) -> dict:
    response = client.get("/api/openapi.json")  # no token: the contract is public
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    doc = served_document(client)

    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
    assert doc["openapi"].startswith("3.1")


def test_every_api_route_and_method_is_documented_and_nothing_else(
    app: Flask, client: FlaskClient
) -> None:
    in_url_map = {
        (path_of(rule), method.lower())
        for rule in api_rules(app)
        for method in rule.methods or ()
        if method not in IGNORED_METHODS
    }
    doc = served_document(client)
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}

    assert len(in_url_map) >= 12
    assert documented == in_url_map


def test_errors_auth_idempotency_and_etags_are_described(client: FlaskClient) -> None:
    doc = served_document(client)
    paths = doc["paths"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}

    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert paths["/api/trips"]["get"]["security"] == [{"bearerToken": []}]
    assert paths["/api/openapi.json"]["get"]["security"] == []
    reserve = paths["/api/bookings/reserve"]["post"]
    assert reserve["responses"]["422"]["content"]["application/json"]["schema"] == error_ref
    assert reserve["responses"]["409"]["content"]["application/json"]["schema"] == error_ref
    assert "Idempotent-Replayed" in reserve["responses"]["201"]["headers"]
    headers = {p["name"]: p for p in reserve["parameters"] if p["in"] == "header"}
    assert headers["Idempotency-Key"]["required"] is False
    payment_headers = {
        p["name"]: p for p in paths["/api/payments"]["post"]["parameters"] if p["in"] == "header"
    }
    assert payment_headers["Idempotency-Key"]["required"] is True
    assert "replays" in payment_headers["Idempotency-Key"]["description"]
    seats = paths["/api/trips/{tripId}/seats"]["get"]
    assert "If-None-Match" in {p["name"] for p in seats["parameters"]}
    assert "ETag" in seats["responses"]["200"]["headers"]
    assert "304" in seats["responses"]
    trip_id = next(p for p in seats["parameters"] if p["name"] == "tripId")
    assert trip_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_limits_come_from_the_settings(app: Flask) -> None:
    app.extensions.pop("roadpass.openapi", None)
    try:
        app.config["MAX_SEATS_PER_BOOKING"] = 4
        schemas = document(app)["components"]["schemas"]
    finally:
        app.config["MAX_SEATS_PER_BOOKING"] = 6
        app.extensions.pop("roadpass.openapi", None)

    assert schemas["ReserveRequest"]["properties"]["seatNumbers"]["maxItems"] == 4
    assert schemas["PaymentRequest"]["properties"]["passengers"]["maxItems"] == 4
    assert "x-configured-max-items" not in str(schemas)


def test_the_answer_examples_are_valid_answers(client: FlaskClient) -> None:
    paths = served_document(client)["paths"]
    answers = {
        Hold: paths["/api/bookings/reserve"]["post"]["responses"]["201"],
        PaymentStarted: paths["/api/payments"]["post"]["responses"]["201"],
    }
    for model, answer in answers.items():
        model.model_validate(answer["content"]["application/json"]["example"])


def test_the_request_examples_are_valid_requests(client: FlaskClient) -> None:
    paths = served_document(client)["paths"]
    examples = {
        ReserveRequest: paths["/api/bookings/reserve"]["post"],
        PaymentRequest: paths["/api/payments"]["post"],
        CancelRequest: paths["/api/bookings/{bookingId}/cancel"]["post"],
    }
    for model, operation in examples.items():
        example = operation["requestBody"]["content"]["application/json"]["example"]
        model.model_validate(example)
