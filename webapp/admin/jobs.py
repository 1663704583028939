"""The admin jobs page: health, last runs, run now, failed jobs with a requeue button."""

import redis
from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from webapp.admin import admin_required, bp
from webapp.audit import services as audit
from webapp.errors import NotFoundError
from webapp.extensions import db
from webapp.jobs import health
from webapp.jobs.models import JobRun
from webapp.jobs.queues import QUEUES, enqueue, redis_connection
from webapp.jobs.runner import run_job
from webapp.jobs.specs import job_specs, periodic_specs

FAILED_SHOWN = 50


def _failed_jobs() -> list[dict]:
    try:
        connection = redis_connection()
        failed = []
        for name in QUEUES:
            registry = FailedJobRegistry(name, connection=connection)
            for job_id in registry.get_job_ids(0, FAILED_SHOWN):
                try:
                    job = Job.fetch(job_id, connection=connection)
                except NoSuchJobError:
                    continue
                failed.append(
                    {
                        "id": job_id,
                        "queue": name,
                        "description": job.description,
                        "ended_at": job.ended_at,
                        "error": (job.latest_result().exc_string if job.latest_result() else "")
                        or "",
                    }
                )
        return failed
    except (redis.RedisError, OSError):
        return []


@bp.get("/jobs")
@admin_required
def jobs() -> str:
    recent = db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(30)).all()
    return render_template(
        "admin/jobs.html",
        report=health.report(),
        specs=job_specs(),
        periodic=periodic_specs(),
        recent=recent,
        failed=_failed_jobs(),
    )


@bp.post("/jobs/<job>/run")
@admin_required
def run_now(job: str) -> Response:
    spec = job_specs().get(job)
    if spec is None or not spec.periodic:
        raise NotFoundError(f"No job called {job!r}.")
    audit.record_action(current_user.id, "job.run_now", "job", 0, job=job)
    if enqueue(job, trigger="admin") is not None:
        flash(f"{job} is queued; it will show below when it has run.", "success")
    else:
        run = run_job(job, trigger="admin-inline", reraise=False)
        flash(f"Redis is down, so {job} ran here: {run.outcome} {run.counts}", "info")
    return redirect(url_for("admin.jobs"), 303)


@bp.post("/jobs/failed/<queue_name>/<job_id>/requeue")
@admin_required
def requeue(queue_name: str, job_id: str) -> Response:
    if queue_name not in QUEUES:
        raise NotFoundError("No such queue.")
    try:
        FailedJobRegistry(queue_name, connection=redis_connection()).requeue(job_id)
    except (NoSuchJobError, redis.RedisError, OSError, ValueError) as error:
        flash(f"Could not requeue {job_id}: {error}", "error")
    else:
        audit.record_action(
            current_user.id, "job.requeued", "job", 0, queue=queue_name, job_id=job_id[:60]
        )
        flash(f"Requeued {job_id}.", "success")
    return redirect(url_for("admin.jobs"), 303)
