"""The function RQ calls for every job. It takes a job name and ids, never ORM objects, and runs
inside the app context that `jobs.worker` provides."""

from typing import Any

from webapp.jobs.dispatch import run_inline_jobs
from webapp.jobs.runner import run_job


def run(job: str, *args: Any, trigger: str = "queue") -> dict[str, Any]:
    finished = run_job(job, *args, trigger=trigger)
    run_inline_jobs()
    return {"runId": finished.id, "counts": finished.counts}
