"""A protocol-faithful Flutterwave v3 simulator (SPEC §4), for development and tests only.

Registered only outside production and only while no live secret key is configured.
"""

from flask import Blueprint

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox/flutterwave")

from webapp.gateways.sandbox import api, pages, transfers  # noqa: E402, F401 - routes register on import
