from flask import Flask
from flask.testing import FlaskClient


def test_healthz_reports_database_and_redis(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "up", "redis": "up"}


def test_healthz_with_redis_absent_still_serves(app: Flask, client: FlaskClient) -> None:
    original = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = original

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "up", "redis": "down"}


def test_livez_answers_without_touching_services(client: FlaskClient) -> None:
    response = client.get("/livez")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
