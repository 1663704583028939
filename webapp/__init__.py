"""Roadpass: intercity bus seats sold online. `create_app` builds the Flask application."""

import logging
from typing import Any

from flask import Flask

from webapp import config as config_module
from webapp.config import ROOT
from webapp.database import configure_engine
from webapp.extensions import csrf, db, limiter, login_manager, migrate


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then `overrides` (tests use these)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(config_module.from_environment())
    app.config.update(overrides or {})
    config_module.check_production_settings(app.config)
    _prepare_sqlite_folder(app)
    _choose_rate_limit_storage(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    import webapp.models  # noqa: F401 - every table must be known to Alembic and create_all

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["DB_LOCK_TIMEOUT_MS"])

    _register_blueprints(app)
    from webapp import gateways
    from webapp.jobs import dispatch

    gateways.init_app(app)
    dispatch.init_app(app)
    _register_webhook_handlers()
    _register_cli(app)

    from webapp import presentation, security
    from webapp.errors import register_error_handlers

    security.init_app(app)
    _trust_proxies(app)
    presentation.init_app(app)
    register_error_handlers(app)
    return app


def _prepare_sqlite_folder(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _choose_rate_limit_storage(app: Flask) -> None:
    """Redis when it answers, memory otherwise (SPEC §1); the choice is logged, not hidden."""
    if app.config.get("RATELIMIT_STORAGE_URI"):
        return
    from webapp.health.checks import redis_is_up

    if redis_is_up(app.config["REDIS_URL"]):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    else:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        logging.getLogger(__name__).warning("Redis unreachable: rate limits kept in memory")


def _trust_proxies(app: Flask) -> None:
    """Behind N load balancers, take the client's address and scheme from X-Forwarded-*;
    otherwise every passenger would share the balancer's IP and its rate limits."""
    hops = app.config["PROXY_HOPS"]
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _register_blueprints(app: Flask) -> None:
    from webapp.accounts.views import bp as accounts_bp
    from webapp.admin import bp as admin_bp
    from webapp.api import bp as api_bp
    from webapp.booking.views import bp as booking_bp
    from webapp.health.views import bp as health_bp
    from webapp.payments.views import bp as payments_bp
    from webapp.tickets.views import bp as tickets_bp
    from webapp.trips.views import bp as trips_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(trips_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # bearer tokens only; the API never reads the session cookie


def _register_webhook_handlers() -> None:
    from webapp.payments.webhooks import EVENT_HANDLERS
    from webapp.settlements.payouts import process_transfer_event

    EVENT_HANDLERS["transfer.completed"] = process_transfer_event


def _register_cli(app: Flask) -> None:
    from webapp.accounts.cli import users_cli
    from webapp.demo.cli import seed_demo_command
    from webapp.jobs.cli import jobs_cli
    from webapp.ledger.cli import ledger_cli
    from webapp.payments.ledger_backfill import backfill_command
    from webapp.settlements.cli import settlements_cli

    ledger_cli.add_command(backfill_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(settlements_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
