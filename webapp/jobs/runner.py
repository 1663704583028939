"""Running a job: record a job-run row, call the job, record how it ended (SPEC §8).

The same function runs a job inside an RQ worker, inline when Redis is down, and from
`flask jobs run`; only the `trigger` differs.
"""

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from webapp import clock
from webapp.database import begin_write
from webapp.extensions import db
from webapp.jobs.models import JobRun, RunOutcome
from webapp.jobs.specs import job_specs

log = logging.getLogger(__name__)


class UnknownJobError(LookupError):
    pass


@dataclass(frozen=True)
class RunResult:
    id: int
    job: str
    outcome: str
    counts: dict[str, Any]
    error: str | None


def run_job(name: str, *args: Any, trigger: str = "cli", reraise: bool = True) -> RunResult:
    """Run `name` now, in this process. A failure is recorded on the run, then raised (RQ
    retries on it) unless `reraise` is False."""
    spec = job_specs().get(name)
    if spec is None:
        raise UnknownJobError(name)
    run_id = _start(name, trigger, spec.timeout_seconds)
    try:
        counts = spec.run(*args)
    except Exception as error:
        db.session.rollback()
        failed = _finish(
            run_id, RunOutcome.FAILED, {}, "".join(traceback.format_exception_only(error))
        )
        log.exception("job %s failed", name)
        if reraise:
            raise
        return failed
    run = _finish(run_id, RunOutcome.SUCCEEDED, counts, None)
    log.info("job %s done: %s", name, counts)
    return run


def _start(name: str, trigger: str, timeout_seconds: int) -> int:
    db.session.rollback()
    begin_write()
    now = clock.now()
    # A run still RUNNING long past its timeout died with its process (SIGKILL, a crash).
    db.session.execute(
        update(JobRun)
        .where(
            JobRun.job == name,
            JobRun.outcome == RunOutcome.RUNNING,
            JobRun.started_at < now - timedelta(seconds=timeout_seconds + 60),
        )
        .values(
            outcome=RunOutcome.FAILED, finished_at=now, error="did not finish: its process died"
        )
    )
    run = JobRun(job=name, trigger=trigger[:20], started_at=now)
    db.session.add(run)
    db.session.commit()
    return run.id


def _finish(run_id: int, outcome: str, counts: dict[str, Any], error: str | None) -> RunResult:
    begin_write()
    run = db.session.get(JobRun, run_id)
    assert run is not None
    run.outcome = outcome
    run.finished_at = clock.now()
    run.counts = counts
    run.error = error[:4000] if error else None
    result = RunResult(run.id, run.job, outcome, counts, run.error)
    db.session.commit()
    return result
