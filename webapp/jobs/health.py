"""What the jobs health endpoint and the admin jobs page show."""

from typing import Any

import redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from webapp.clock import to_lagos
from webapp.extensions import db
from webapp.health.checks import database_is_up
from webapp.jobs.models import JobRun
from webapp.jobs.queues import QUEUES, redis_connection
from webapp.jobs.specs import job_specs


def last_runs() -> dict[str, JobRun]:
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    rows = db.session.scalars(select(JobRun).join(latest, latest.c.id == JobRun.id)).all()
    return {run.job: run for run in rows}


def queue_depths() -> tuple[dict[str, int] | None, int | None, int | None]:
    """Jobs waiting per queue, failed jobs and live workers; all None when Redis is down."""
    try:
        connection = redis_connection()
        depths = {name: Queue(name, connection=connection).count for name in QUEUES}
        failed = sum(FailedJobRegistry(name, connection=connection).count for name in QUEUES)
        workers = Worker.count(connection=connection)
    except (redis.RedisError, OSError):
        return None, None, None
    return depths, failed, workers


def report() -> dict[str, Any]:
    depths, failed, workers = queue_depths()
    runs = last_runs()
    return {
        "database": "up" if database_is_up() else "down",
        "redis": "up" if depths is not None else "down",
        "queues": depths,
        "failedJobs": failed,
        "workers": workers,
        "jobs": {
            spec.name: {
                "schedule": spec.schedule,
                "queue": spec.queue,
                "lastRun": _run_json(runs.get(spec.name)),
            }
            for spec in job_specs().values()
        },
    }


def _run_json(run: JobRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "runId": run.id,
        "trigger": run.trigger,
        "outcome": run.outcome,
        "startedAt": to_lagos(run.started_at).isoformat(),
        "finishedAt": to_lagos(run.finished_at).isoformat() if run.finished_at else None,
        "counts": run.counts,
        "error": run.error,
    }
