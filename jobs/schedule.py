"""The periodic schedule, for exactly one `rq cron jobs/schedule.py` process (SPEC §8)."""

from rq import cron

from jobs.registry import PERIODIC
from jobs.tasks import run

for spec in PERIODIC:
    cron.register(
        run,
        spec.queue,
        args=(spec.name,),
        kwargs={"trigger": "schedule"},
        interval=spec.interval_seconds,
        cron=spec.cron,
        job_timeout=spec.timeout_seconds,
        name=spec.name,
    )
