"""Job endpoints (SPEC §8): `POST /api/jobs/<job>` and `GET /api/jobs/health`, guarded by the
shared `X-Jobs-Secret` header (constant-time comparison), not by user tokens."""

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, jsonify, request

from webapp.api import bp
from webapp.errors import AuthenticationError, NotFoundError, ValidationError
from webapp.extensions import limiter
from webapp.jobs import health
from webapp.jobs.queues import enqueue
from webapp.jobs.runner import run_job
from webapp.jobs.specs import job_specs, periodic_specs

F = TypeVar("F", bound=Callable[..., Any])


def jobs_secret_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = request.headers.get("X-Jobs-Secret", "").encode()
        expected = current_app.config["JOBS_SECRET"].encode()
        if not given or not hmac.compare_digest(given, expected):
            raise AuthenticationError("Send the jobs secret in X-Jobs-Secret.", code="BAD_SECRET")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.post("/jobs/<job>")
@limiter.exempt
@jobs_secret_required
def start_job(job: str) -> tuple[Response, int]:
    spec = job_specs().get(job)
    if spec is None or not spec.periodic:
        raise NotFoundError(
            f"No job called {job!r}.",
            details={"jobs": [s.name for s in periodic_specs()]},
        )
    if request.content_length and request.get_json(silent=True) is None:
        raise ValidationError("The body, if any, must be JSON.")
    queued = enqueue(job, trigger="api")
    if queued is not None:
        return jsonify({"job": job, "queued": True, "queueJobId": queued}), 202
    finished = run_job(job, trigger="api-inline", reraise=False)  # no Redis: run it here
    return jsonify(
        {
            "job": job,
            "queued": False,
            "runId": finished.id,
            "outcome": finished.outcome,
            "counts": finished.counts,
        }
    ), 200


@bp.get("/jobs/health")
@limiter.exempt
@jobs_secret_required
def jobs_health() -> Response:
    return jsonify(health.report())
