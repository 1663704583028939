"""A real server on a port and Debian's Chromium driven by Playwright.

The server runs the app on its own SQLite file with the demo data, in a thread, exactly as
`make run` serves it; nothing here shares the rollback session of the other tests.
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from tests.apps import make_app, served
from tests.conftest import service_missing
from webapp.demo.services import seed_demo
from webapp.extensions import limiter

# How long an expectation may wait for the page to get there. Expectations end the moment the page
# is as expected; this bound only decides when a page that never gets there fails, so it is
# generous enough for a machine busy with other work.
PATIENCE_MS = 30_000

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, redis_client: object) -> Flask:
    path = tmp_path_factory.mktemp("live") / "roadpass.db"
    # The browser tests log the same demo passenger in many times within a minute (the phone
    # layout test alone four times); the log-in limit has its own tests.
    app = make_app(f"sqlite:///{path}", LOGIN_RATE_LIMIT="1000 per minute")
    app.config["TESTING"] = False  # behave as served: real error pages, real limits
    app.config["SEAT_POLL_SECONDS"] = 1  # poll faster than a phone would, to keep tests short
    app.config["SEAT_STATE_CACHE_SECONDS"] = 1.0  # as served
    with app.app_context():
        upgrade()
        seed_demo(days=3)
    limiter.reset()  # counts left in Redis by an earlier run must not lock this one out
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    with served(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        service_missing("Debian's chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=PATIENCE_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: str) -> Iterator[object]:
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 860})
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message) -> None:
        # A page answered 401/422 on purpose (bad input) logs its own status; that is expected.
        expected = re.search(r"status of (401|422)", message.text)
        if message.type == "error" and not expected:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.console_problems = problems
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots(project_root: Path) -> Path:
    folder = project_root / "instance" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def a11y(browser, live_server: str) -> Iterator[object]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make axe` (make test does).")
    # axe is injected as a script tag: the page's CSP (no inline scripts) is set aside for it.
    context = browser.new_context(
        base_url=live_server, viewport={"width": 412, "height": 900}, bypass_csp=True
    )
    yield context
    context.close()
