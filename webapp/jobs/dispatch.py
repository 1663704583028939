"""Jobs that a change needs are started only after that change commits (SPEC §8).

A service calls `after_commit("process-refunds", refund_id)` inside its transaction. When the
transaction commits, the job goes on its queue; when Redis is unreachable it is run inline at the
end of the request instead (or right away outside a request). A rollback drops it.
"""

import logging
from typing import Any

from flask import Flask, Response, g
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.jobs.queues import enqueue
from webapp.jobs.runner import run_job

log = logging.getLogger(__name__)

PENDING = "roadpass_jobs"


def after_commit(job: str, *args: Any) -> None:
    db.session().info.setdefault(PENDING, []).append((job, args))


def _committed(session: Session) -> None:
    jobs = session.info.pop(PENDING, [])
    if not jobs:
        return
    for job, args in jobs:
        if enqueue(job, *args) is None:
            _later_inline(job, args)


def _dropped(session: Session, _previous: Any = None) -> None:
    session.info.pop(PENDING, None)


def _later_inline(job: str, args: tuple) -> None:
    # In a request: run by the after_request hook. Elsewhere (CLI, a job): by run_inline_jobs(),
    # which the job runner calls when a run ends.
    g.setdefault("inline_jobs", []).append((job, args))


def run_inline_jobs() -> None:
    """Run the jobs that could not be queued. Each records its own run; a failure is logged
    and left to the periodic run of the same job, which finds the same work in the database."""
    while g.get("inline_jobs"):
        job, args = g.inline_jobs.pop(0)
        try:
            run_job(job, *args, trigger="inline")
        except Exception:  # already recorded on the job run; the schedule will retry
            log.warning("inline job %s%s failed; its periodic run will pick it up", job, args)


def _after_request(response: Response) -> Response:
    run_inline_jobs()
    return response


def init_app(app: Flask) -> None:
    if not getattr(Session, "_roadpass_jobs_hooked", False):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _dropped)
        Session._roadpass_jobs_hooked = True  # type: ignore[attr-defined]
    app.after_request(_after_request)
