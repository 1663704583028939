"""What the job machinery knows of a job: its name, function, queue, limits and schedule.

The jobs themselves are defined in the top-level `jobs.registry`, which imports the domains that
do the work. `create_app` hands those specs to the app (`install`), and everything here reads
them from the app, so queueing, running or reporting a job imports nothing from the domains.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

_EXTENSION = "roadpass.jobs"


@dataclass(frozen=True)
class JobSpec:
    name: str
    summary: str
    run: Callable[..., dict[str, Any]]
    queue: str = "default"
    timeout_seconds: int = 300
    retries: int = 2
    interval_seconds: int | None = None  # periodic jobs: every N seconds
    cron: str | None = None  # or a cron line (UTC)
    periodic: bool = True

    @property
    def schedule(self) -> str:
        if self.cron:
            return f"cron {self.cron} (UTC)"
        if self.interval_seconds:
            minutes = self.interval_seconds // 60
            return f"every {minutes} min" if minutes < 60 else f"every {minutes // 60} h"
        return "on events"


def install(app: Flask, specs: Iterable[JobSpec]) -> None:
    app.extensions[_EXTENSION] = {spec.name: spec for spec in specs}


def job_specs() -> dict[str, JobSpec]:
    """Every job of the current app, by name."""
    return current_app.extensions[_EXTENSION]


def periodic_specs() -> list[JobSpec]:
    return [spec for spec in job_specs().values() if spec.periodic]
