"""How test apps are built: settings pointing at the test services, and a test client that
behaves like separate production requests."""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from webapp.app import create_app
from webapp.booking import seat_cache
from webapp.gateways import configure_gateway

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/roadpass_test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# Live sites and workers that must not take each other's jobs get Redis databases of their own:
# the one TEST_REDIS_URL names and the ones after it (wrapping at 16).
REDIS_DATABASES = ("app", "pay-postgresql", "pay-sqlite", "no-redis", "killed-worker")


def redis_url_for(purpose: str) -> str:
    """The Redis URL reserved for `purpose` (one of REDIS_DATABASES)."""
    base, _, number = TEST_REDIS_URL.rpartition("/")
    offset = REDIS_DATABASES.index(purpose)
    return f"{base}/{(int(number or 0) + offset) % 16}"


def app_settings(database_url: str, **extra: object) -> dict[str, object]:
    return {
        "APP_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL,
        "RATELIMIT_KEY_PREFIX": "roadpass-test",
        "HTMX_SOURCE": "local",
        # Rolled-back tests reuse ids on SQLite; the poll cache has its own test.
        "SEAT_STATE_CACHE_SECONDS": 0,
        # Every payment poll asks the gateway; the interval between questions has its own test.
        "PAYMENT_VERIFY_INTERVAL_SECONDS": 0,
        "SERVER_NAME": None,
        "SANDBOX_STATE_FILE": "",  # each test server's sandbox lives in memory only
        # Webhooks wait until a test sends them (Sandbox.deliver): no test waits on a clock.
        "SANDBOX_WEBHOOK_DELIVERY": "manual",
        # A webhook the receiver did not take is sent again at once, not 30 s later.
        "SANDBOX_WEBHOOK_RETRY_SECONDS": 0,
        **extra,
    }


class FreshGlobalsClient(FlaskClient):
    """Gives every request an empty `g`, as production does.

    The test holds an app context (for its own queries), and Flask reuses it for the requests the
    client makes; without this, Flask-WTF's cached CSRF token and Flask-Login's cached user would
    leak from one request into the next.
    """

    def open(self, *args: object, **kwargs: object):
        saved = dict(g.__dict__) if has_app_context() else None
        if saved is not None:
            g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            if saved is not None:
                g.__dict__.clear()
                g.__dict__.update(saved)


def make_app(database_url: str, **extra: object) -> Flask:
    # An empty environment: exported secrets or a staging DATABASE_URL must not reach a test.
    app = create_app(app_settings(database_url, **extra), environ={})
    app.test_client_class = FreshGlobalsClient
    return app


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve `app` on a free port in a thread, with its gateway client pointed at the sandbox
    it serves itself (as `make run` does); yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["FLUTTERWAVE_BASE_URL"] = f"{url}/sandbox/flutterwave/v3"
    app.config["PUBLIC_BASE_URL"] = url
    configure_gateway(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()


@contextmanager
def seat_cache_for(app: Flask, seconds: float) -> Iterator[None]:
    """The per-process seat cache on for `seconds`, as served, and emptied before and after.
    The suite otherwise runs with it off: rolled-back tests reuse ids on SQLite."""
    seat_cache.clear()
    app.config["SEAT_STATE_CACHE_SECONDS"] = seconds
    try:
        yield
    finally:
        app.config["SEAT_STATE_CACHE_SECONDS"] = 0
        seat_cache.clear()
