"""Requests and answers of the job endpoints (SPEC §8)."""

from typing import Any, Literal

from pydantic import ConfigDict, Field

from webapp.api.schemas import ApiModel, enum_names
from webapp.jobs.models import RunOutcome

DATE_TIME = {"format": "date-time"}


class JobRequest(ApiModel):
    """No fields yet: a body, when sent, must be a JSON object."""

    model_config = ConfigDict(extra="allow")


class JobQueued(ApiModel):
    job: str
    queued: bool = Field(description="true: queued on Redis for a worker")
    queueJobId: str


class JobRan(ApiModel):
    job: str
    queued: bool = Field(description="false: Redis is down, so the job ran in this request")
    runId: int
    outcome: enum_names(RunOutcome)
    counts: dict[str, Any]


class LastRun(ApiModel):
    runId: int
    trigger: str
    outcome: enum_names(RunOutcome)
    startedAt: str = Field(json_schema_extra=DATE_TIME)
    finishedAt: str | None = Field(json_schema_extra=DATE_TIME)
    counts: dict[str, Any]
    error: str | None


class JobHealth(ApiModel):
    schedule: str | None
    queue: str
    lastRun: LastRun | None


class JobsHealth(ApiModel):
    database: Literal["up", "down"]
    redis: Literal["up", "down"]
    queues: dict[str, int] | None = Field(description="jobs waiting per queue; none: Redis down")
    failedJobs: int | None
    workers: int | None
    jobs: dict[str, JobHealth]
