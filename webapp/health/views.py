"""`GET /healthz`: is the app able to serve, and is Redis there (it may be absent)."""

from flask import Blueprint, Response, current_app, jsonify

from webapp.extensions import limiter
from webapp.health.checks import database_is_up, redis_is_up

bp = Blueprint("health", __name__)


@bp.get("/livez")
@limiter.exempt
def livez() -> Response:
    """Liveness: the process answers. No database, no Redis (load balancers poll this)."""
    return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    db_ok = database_is_up()
    redis_ok = redis_is_up(current_app.config["REDIS_URL"])
    body = {
        "status": "ok" if db_ok else "unavailable",
        "db": "up" if db_ok else "down",
        "redis": "up" if redis_ok else "down",
    }
    response = jsonify(body)
    response.status_code = 200 if db_ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
