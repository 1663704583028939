"""Live sites with real commits: the whole app (and its sandbox gateway) served on a port, on its
own database per dialect (PostgreSQL: `<test db>_<name>`; SQLite: a temporary file), built by the
migrations. Tests using them never use the rolled-back `app` fixture: they see what concurrent,
committed requests leave behind."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from flask_migrate import upgrade
from rq import Queue
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from jobs.worker import AppSimpleWorker
from tests.apps import TEST_DATABASE_URL, make_app, served
from tests.conftest import ensure_postgres_database, reset_postgres_schema
from tests.factories import create_token, create_trip, create_user
from webapp.extensions import db, limiter
from webapp.jobs.queues import QUEUES, redis_connection

T = TypeVar("T")


@dataclass
class LiveSite:
    app: Flask
    url: str

    @contextmanager
    def context(self) -> Iterator[None]:
        with self.app.app_context():
            yield
            db.session.remove()

    def prepare(self, make: Callable[[], T]) -> T:
        """Create test data with `make()` while the site (and its worker) keep writing.

        The factories write in plain deferred transactions; on SQLite such a transaction can be
        refused with "database is locked" when a job commits at the same moment. Test set-up
        simply tries again; the application itself never writes that way (see begin_write).
        """
        for attempt in range(50):
            try:
                with self.context():
                    return make()
            except OperationalError as error:
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def passengers(self, count: int) -> list[dict[str, str]]:
        """`count` users, each with a bearer header."""
        with self.context():
            headers = []
            for _ in range(count):
                _, token = create_token(create_user())
                headers.append({"Authorization": f"Bearer {token}"})
            return headers

    def trip(self, **overrides: Any) -> int:
        with self.context():
            return create_trip(**overrides).id

    def sql(self, statement: str, **params: Any) -> list[tuple]:
        with self.context():
            return [tuple(row) for row in db.session.execute(text(statement), params)]

    def run_jobs(self) -> int:
        """Work the site's queues here, in the test's thread, until they are empty: every job
        queued so far, and every job those jobs queue, has run when this returns. A
        non-forking worker, so it sees the test's clock. Returns how many jobs ran."""
        with self.app.app_context():
            worker = DrainingWorker(list(QUEUES), connection=redis_connection(), app=self.app)
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
        return worker.jobs_run

    @contextmanager
    def registered_worker(self) -> Iterator[None]:
        """A worker of the site's queues that Redis knows is alive, as a running one is."""
        with self.app.app_context():
            worker = AppSimpleWorker(list(QUEUES), connection=redis_connection(), app=self.app)
        worker.register_birth()
        try:
            yield
        finally:
            worker.register_death()

    def empty_queues(self) -> None:
        """Drop jobs an earlier test queued and did not run, so each test starts clean."""
        with self.app.app_context():
            for name in QUEUES:
                Queue(name, connection=redis_connection()).empty()


class DrainingWorker(AppSimpleWorker):
    """The in-process worker of `run_jobs`, counting the jobs it performs."""

    jobs_run = 0

    def perform_job(self, job: Any, queue: Any) -> bool:
        self.jobs_run += 1
        return super().perform_job(job, queue)


class ThreadWorker(AppSimpleWorker):
    """An in-process RQ worker in a background thread: no signals, timer-based timeouts."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


@contextmanager
def worker_thread(app: Flask) -> Iterator[ThreadWorker]:
    """Work the app's queues in the background, as the worker beside `make run` does."""
    with app.app_context():
        worker = ThreadWorker(list(QUEUES), connection=redis_connection(), app=app)
    thread = threading.Thread(
        target=worker.work,
        kwargs={"with_scheduler": False, "logging_level": "WARNING"},
        daemon=True,
    )
    thread.start()
    try:
        yield worker
    finally:
        worker._stop_requested = True


@contextmanager
def live_site(dialect: str, name: str, folder: Path, **settings: Any) -> Iterator[LiveSite]:
    if dialect == "postgresql":
        url = make_url(TEST_DATABASE_URL)
        url = url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)
        ensure_postgres_database(url)
        app = make_app(url, **settings)
        reset_postgres_schema(app)
    else:
        app = make_app(f"sqlite:///{folder / f'{name}.db'}", **settings)
    app.config["TESTING"] = False  # serve as production does
    with app.app_context():
        upgrade()
    limiter.reset()
    with served(app) as base_url:
        yield LiveSite(app, base_url)
    with app.app_context():
        db.engine.dispose()
