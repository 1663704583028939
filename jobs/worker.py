"""RQ workers with a Flask app context.

`rq worker -w jobs.worker.AppWorker --with-scheduler default notifications` runs jobs in forked
children: each child drops the connection pool it inherited, so no database connection is ever
shared across a fork. `AppSimpleWorker` runs jobs in-process (tests, `flask jobs worker --burst`).
"""

from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker

from webapp.config import load_dotenv_file
from webapp.extensions import db


class _AppContextMixin:
    forks = False

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built once in the parent; forked children inherit it (but not its connections).
        self.app = app or _production_app()

    def perform_job(self, job: Any, queue: Any) -> bool:
        with self.app.app_context():
            if self.forks:
                db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
            try:
                return super().perform_job(job, queue)  # type: ignore[misc]
            finally:
                db.session.remove()


class AppWorker(_AppContextMixin, Worker):
    forks = True


class AppSimpleWorker(_AppContextMixin, SimpleWorker):
    pass


_app: Flask | None = None


def _production_app() -> Flask:
    """Built on first use in the worker process, never at import time."""
    global _app
    if _app is None:
        # webapp.app registers `flask jobs worker`, which imports this module: importing
        # create_app at the top would make the two modules wait on each other.
        from webapp.app import create_app

        load_dotenv_file()
        _app = create_app()
    return _app
