"""Throwaway services for fault tests: a PostgreSQL cluster and a Redis server of the test's own
(never the shared ones, which other suites use), and the app served from separate processes.
Each waits on the service's own signal of readiness (pg_ctl -w, a line on stdout), never on a
clock."""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.apps import TEST_DATABASE_URL, TEST_REDIS_URL

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a port of its own."""

    bin: Path
    data: Path
    port: int

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        # -w: pg_ctl returns once the server accepts connections.
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.log), "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (their transactions roll back); `immediate` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def log(self) -> Path:
        return self.data.parent / "postgres.log"


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """A fresh cluster (trust authentication, superuser `postgres`), removed afterwards. Its
    folder is a new one under the system's temporary folder, which the `postgres` user can
    reach (pytest's own temporary folders are private to the user running the tests)."""
    binaries = _postgres_bin()
    if binaries is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="roadpass-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(binaries, folder / "data", free_port())
    cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync")
    cluster.start()
    try:
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped by the test
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and return once it says it accepts connections. Nothing is persisted:
        a restart comes back empty, as a crashed Redis without persistence does."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in self.process.stdout:
            if "Ready to accept connections" in line:
                return
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # a crash, not a polite shutdown
            self.process.wait(timeout=30)
            self.process.stdout.close()
            self.process = None


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def web_process(database_url: str, **settings: object) -> Iterator[str]:
    """The app served by another Python process (its own seat cache, its own pool); yields its
    base URL once it listens. Stopped when the block ends."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT),
        "TEST_DATABASE_URL": TEST_DATABASE_URL,
        "TEST_REDIS_URL": TEST_REDIS_URL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.serve", database_url, json.dumps(settings)],
        cwd=PROJECT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"the web process did not start: {line!r}")
        yield line.split()[1]
    finally:
        process.stdin.close()  # the child serves until its stdin closes
        process.wait(timeout=60)
        process.stdout.close()
