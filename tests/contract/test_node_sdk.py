"""Contract test: Flutterwave's official Node client against the sandbox served on a port.

`make test` installs the pinned client into tests/contract/node (npm ci); the script there
checks each answer as the SDK hands it over. Without Node, or without the installed client, the
test says so and is skipped, except under CI=true, where that fails the run.
"""

import os
import shutil
import subprocess
from pathlib import Path

import requests

from tests.conftest import service_missing
from tests.live import live_site
from webapp.config import SANDBOX_SECRET_KEY

NODE_DIR = Path(__file__).parent / "node"
TIMEOUT = 120  # a bound on a hung run, not a measure of speed


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        service_missing("Node.js (for the Flutterwave SDK contract test)")
    if not (NODE_DIR / "node_modules" / "flutterwave-node-v3" / "package.json").exists():
        service_missing("flutterwave-node-v3 in tests/contract/node (run `make test`)")
    return node


def test_the_official_node_sdk_reads_every_answer_of_the_sandbox(
    tmp_path: Path, redis_client: object
) -> None:
    node = node_or_skip()
    with live_site("sqlite", "contract", tmp_path) as site:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "SANDBOX_URL": f"{site.url}/sandbox/flutterwave",
            "FLW_SECRET_KEY": SANDBOX_SECRET_KEY,
            # Where the SDK's telemetry would cache its identity, were it not stubbed.
            "FLW_SDK_STATE_PATH": str(tmp_path / "flw_sdk.json"),
        }
        run = subprocess.run(
            [node, "contract.js"],
            cwd=NODE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        print(run.stdout)
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.stdout.strip().endswith("passed, 0 failed")
        transaction_id = int(run.stdout.split("transaction ", 1)[1].split()[0])
        # The payment's webhook and the one resend_hooks asked for both reach the site.
        requests.post(f"{site.url}/sandbox/flutterwave/control/deliver", timeout=60)
        assert delivered(site, transaction_id) == [200, 200]
    assert not (tmp_path / "flw_sdk.json").exists()


def delivered(site, transaction_id: int) -> list[int | None]:
    deliveries = requests.get(f"{site.url}/sandbox/flutterwave/control/deliveries", timeout=5)
    return [d["answered"] for d in deliveries.json() if d["transactionId"] == transaction_id]
