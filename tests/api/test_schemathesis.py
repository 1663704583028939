"""Schemathesis against a live site, from its own /api/openapi.json: examples, coverage,
fuzzing (valid and invalid data) and stateful sequences (hold → pay → poll → cancel), with every
check it has: no 5xx, each status code, content type, header and body as documented, invalid
data refused, valid data accepted, no answer without the token.

Deterministic (schemathesis's deterministic mode, which keeps no example database) and small
(a few dozen cases per operation), so it adds about a minute. It sends nothing anywhere but the
site on 127.0.0.1: schemathesis has no telemetry (SCHEMATHESIS_TELEMETRY=false is set all the
same) and the site's gateway is its own sandbox.

The webhook is sent without Flutterwave's secret, so only its refusals are checked here:
bodies with a genuine signature are tested by the webhook tests."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import create_layout, create_trip
from tests.live import LiveSite, live_site
from webapp import clock

SETTINGS = {
    "HOLD_RATE_LIMIT": "100000 per minute",
    "HOLD_IP_RATE_LIMIT": "100000 per minute",
    "CHECKOUT_RATE_LIMIT": "100000 per minute",
    "CHECKOUT_IP_RATE_LIMIT": "100000 per minute",
    "MAX_ACTIVE_HOLDS_PER_USER": 10_000,  # one caller makes every hold of the run
}
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25")


@pytest.fixture
def site(tmp_path: Path, redis_client: object) -> LiveSite:
    with live_site("postgresql", "schemathesis", tmp_path, **SETTINGS) as site:
        site.empty_queues()
        yield site
        site.empty_queues()  # POST /api/jobs/<job> queued runs no test should take


def test_the_api_keeps_its_published_contract(site: LiveSite, tmp_path: Path) -> None:
    headers = site.passengers(1)[0]
    soon = clock.now() + timedelta(hours=1)
    for departs_at in (soon, soon + timedelta(days=2)):
        # Lagos to Abuja, the document's example search, on a coach of 40 seats.
        site.prepare(
            lambda at=departs_at: (
                create_trip(departs_at=at, layout=create_layout([["SS.SS"] * 10])).id
            )
        )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{site.url}/api/openapi.json",
        "--url",
        site.url,
        "--header",
        f"Authorization:{headers['Authorization']}",
        "--header",
        f"X-Jobs-Secret:{site.app.config['JOBS_SECRET']}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        MAX_EXAMPLES,
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"}
    run = (
        subprocess.run(  # in tmp_path: schemathesis keeps its crash cache in the folder it runs in
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False
        )
    )

    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-4000:]
    [report] = (tmp_path / "report").glob("json-*.json")
    summary = json.loads(report.read_text())
    operations, cases = summary["operations"], summary["test_cases"]
    print(  # shown with -rP or -s
        f"schemathesis {summary['schemathesis_version']}: {operations['tested']} of "
        f"{operations['total']} operations, {cases['generated']} test cases in "
        f"{summary['running_time']:.0f} s, {len(summary['failures'])} failures, "
        f"{len(summary['errors'])} errors"
    )
    assert operations["tested"] == operations["total"]
    assert not summary["failures"]
    assert not summary["errors"]
