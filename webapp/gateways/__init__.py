"""Payment gateways. `payment_gateway()` gives the configured one; the sandbox is wired here."""

from pathlib import Path

from flask import Flask, current_app

from webapp.extensions import csrf
from webapp.gateways.base import PaymentGateway
from webapp.gateways.flutterwave import FlutterwaveGateway
from webapp.gateways.sandbox import bp as sandbox_bp
from webapp.gateways.sandbox.state import SandboxState


def payment_gateway() -> PaymentGateway:
    """The app's gateway client: one per app, so its HTTP connections are reused."""
    return current_app.extensions["payment_gateway"]


def sandbox_enabled(config: dict) -> bool:
    """The sandbox serves only outside production and only while the key is a test key."""
    return config.get("APP_ENV") != "production" and "_TEST" in config["FLUTTERWAVE_SECRET_KEY"]


def configure_gateway(app: Flask) -> None:
    """(Re)build the gateway client from the app's settings."""
    config = app.config
    app.extensions["payment_gateway"] = FlutterwaveGateway(
        config["FLUTTERWAVE_BASE_URL"],
        config["FLUTTERWAVE_SECRET_KEY"],
        config["FLUTTERWAVE_WEBHOOK_HASH"],
        connect_timeout=config["FLUTTERWAVE_CONNECT_TIMEOUT"],
        read_timeout=config["FLUTTERWAVE_READ_TIMEOUT"],
    )


def init_app(app: Flask) -> None:
    configure_gateway(app)
    config = app.config
    if sandbox_enabled(config):
        state_file = config["SANDBOX_STATE_FILE"]
        app.extensions["flutterwave_sandbox"] = SandboxState(
            Path(state_file) if state_file else None
        )
        app.register_blueprint(sandbox_bp)
        csrf.exempt(sandbox_bp)  # it stands for another website, which our CSRF tokens do not reach
