"""`flask jobs list`, `flask jobs run <job> [ids]`, `flask jobs worker`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from jobs.worker import AppWorker
from webapp.jobs.queues import QUEUES, redis_connection
from webapp.jobs.runner import run_job
from webapp.jobs.specs import job_specs


@click.group("jobs")
def jobs_cli() -> None:
    """Background jobs."""


@jobs_cli.command("list")
@with_appcontext
def list_jobs() -> None:
    """Every job, its queue and schedule."""
    for spec in job_specs().values():
        click.echo(f"{spec.name:22} {spec.queue:14} {spec.schedule:24} {spec.summary}")


@jobs_cli.command("run")
@click.argument("job")
@click.argument("ids", nargs=-1, type=int)
@with_appcontext
def run(job: str, ids: tuple[int, ...]) -> None:
    """Run JOB now, in this process (no Redis needed)."""
    if job not in job_specs():
        known = ", ".join(job_specs())
        raise click.BadParameter(f"unknown job; one of: {known}", param_hint="JOB")
    try:
        finished = run_job(job, *ids, trigger="cli")
    except TypeError as error:
        raise click.UsageError(f"{job} does not take those arguments: {error}") from error
    except Exception as error:
        raise click.ClickException(f"{job} failed: {error}") from error
    click.echo(f"{job}: {finished.outcome} {finished.counts}")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """An RQ worker (forking, with the scheduler for retries) on this app's queues."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    AppWorker(list(QUEUES), connection=redis_connection(), app=app).work(
        burst=burst, with_scheduler=True
    )
