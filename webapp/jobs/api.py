"""Job endpoints (SPEC §8): `POST /api/jobs/<job>` and `GET /api/jobs/health`, guarded by the
shared `X-Jobs-Secret` header (constant-time comparison), not by user tokens."""

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request
from werkzeug.routing import BaseConverter

from webapp.api import bp
from webapp.api.operations import Answer, Auth, api_operation
from webapp.api.schemas import parse_body, respond
from webapp.errors import AuthenticationError, NotFoundError
from webapp.extensions import limiter
from webapp.jobs import health
from webapp.jobs.queues import enqueue
from webapp.jobs.runner import run_job
from webapp.jobs.schemas import JobQueued, JobRan, JobRequest, JobsHealth
from webapp.jobs.specs import job_specs, periodic_specs

F = TypeVar("F", bound=Callable[..., Any])


class JobNameConverter(BaseConverter):
    """A job's name in `/api/jobs/<job>`: never `health`, the health report's own path (so
    `POST /api/jobs/health` is a 405 and OPTIONS there allows only GET)."""

    regex = r"(?!health$)[A-Za-z0-9_.-]{1,64}"
    schema = {"type": "string", "pattern": r"^[A-Za-z0-9_.-]{1,64}$", "not": {"const": "health"}}


# Registered before the rule below is added to the app's URL map (deferred in this order).
bp.record_once(lambda state: state.app.url_map.converters.setdefault("job", JobNameConverter))


def jobs_secret_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = request.headers.get("X-Jobs-Secret", "").encode()
        expected = current_app.config["JOBS_SECRET"].encode()
        if not given or not hmac.compare_digest(given, expected):
            raise AuthenticationError("Send the jobs secret in X-Jobs-Secret.", code="BAD_SECRET")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.post("/jobs/<job:job>")
@api_operation(
    summary="Run a periodic job now",
    description="Queues the job (202); when Redis is down it runs in this request (200).",
    tag="Jobs",
    auth=Auth.JOBS,
    body=JobRequest,
    body_required=False,
    responses={
        202: Answer(JobQueued, "queued for a worker"),
        200: Answer(JobRan, "Redis is down: the job ran here"),
    },
    errors={
        404: "no periodic job of that name (`details.jobs` lists them)",
        405: "`health` is the report's own path, where only GET is allowed",
    },
    path_examples={"job": "expire-seats"},
)
@limiter.exempt
@jobs_secret_required
def start_job(job: str) -> tuple[Response, int]:
    spec = job_specs().get(job)
    if spec is None or not spec.periodic:
        raise NotFoundError(
            f"No job called {job!r}.",
            details={"jobs": [s.name for s in periodic_specs()]},
        )
    parse_body(JobRequest, "{}", empty_is={})
    queued = enqueue(job, trigger="api")
    if queued is not None:
        return respond(JobQueued(job=job, queued=True, queueJobId=queued), 202)
    finished = run_job(job, trigger="api-inline", reraise=False)  # no Redis: run it here
    return respond(
        JobRan(
            job=job,
            queued=False,
            runId=finished.id,
            outcome=finished.outcome,
            counts=finished.counts,
        )
    )


@bp.get("/jobs/health")
@api_operation(
    summary="Jobs health",
    description="The database, Redis, queue depths, failed jobs and each job's last run.",
    tag="Jobs",
    auth=Auth.JOBS,
    responses={200: Answer(JobsHealth, "how the jobs are doing")},
)
@limiter.exempt
@jobs_secret_required
def jobs_health() -> tuple[Response, int]:
    return respond(JobsHealth.model_validate(health.report()))
