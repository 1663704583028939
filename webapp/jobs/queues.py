"""Redis and the RQ queues. Redis is optional: `enqueue` says False when it is unreachable and
the caller runs the job inline instead (SPEC §12)."""

import logging
from typing import Any

import redis
from flask import current_app
from rq import Queue, Retry

from webapp.jobs.specs import job_specs
from webapp.observability import current_request_id

log = logging.getLogger(__name__)

QUEUES = ("default", "notifications")
ENTRY_POINT = "jobs.tasks.run"  # every job goes through one function that records its run


def redis_connection() -> redis.Redis:
    """The app's Redis client for queues (one per app, built on first use)."""
    client = current_app.extensions.get("jobs_redis")
    if client is None:
        client = redis.Redis.from_url(
            current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=5
        )
        current_app.extensions["jobs_redis"] = client
    return client


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue(job: str, *args: Any, trigger: str = "event") -> str | None:
    """Put a run of `job` on its queue; the RQ job id, or None when Redis cannot be reached."""
    spec = job_specs()[job]
    try:
        queued = queue(spec.queue).enqueue(
            ENTRY_POINT,
            job,
            *args,
            trigger=trigger,
            job_timeout=spec.timeout_seconds,
            retry=Retry(max=spec.retries, interval=[10, 60, 300][: spec.retries] or None),
            description=f"{job}{args if args else ''}",
            # The job's log lines carry the id of the request (or job) that queued it.
            meta={"request_id": current_request_id()},
        )
    except (redis.RedisError, OSError) as error:
        log.warning("could not enqueue %s: %s", job, error)
        return None
    return queued.id
