"""`make bench`: gunicorn on PostgreSQL, load from separate processes, one table and a JSON file.

Scenarios, all against one server in one run, each compared with a trivial endpoint (`/livez`)
measured in the same run:
  trivial      GET /livez
  poll-200     GET /trips/<id>/seats (the seat-map fragment a browser polls), full answer;
               the rendered map is shared by viewers seeing the same seats, as in a crowd
  poll-304     the same with a matching If-None-Match
  holds        POST /api/bookings/reserve, every request a distinct seat on one of many trips
  hot-seat     200 clients send POST /api/bookings/reserve for one seat at the same instant
  livez-burst  the same 200-client burst, of GET /livez: the hot seat's p99 is judged against it
  flow         the whole booking flow (bench/flow.py): hold, POST /api/payments with the
               passenger details, the sandbox's hosted page paid, its webhook, verification by
               an RQ worker, polled until CONFIRMED. The sandbox runs as its own gunicorn, as
               Flutterwave would, so its CPU ("gateway") is not the app's

Settings (environment): BENCH_DATABASE_URL, BENCH_REDIS_URL (the server's Redis), BENCH_SECONDS
(8), BENCH_CONNECTIONS (32), BENCH_WORKERS (4), BENCH_THREADS (4), BENCH_ROUNDS (3).

A 2-core machine is noisy, so the scenarios run interleaved for several rounds; each ratio is
taken against the trivial run of the same round, and the table shows medians. The passengers'
API tokens have been used before (their last use is recorded), as a partner app's would be.

Each scenario also records the CPU it cost per request, read from /proc for the app's gunicorn,
the sandbox's, the RQ worker, the PostgreSQL backends of the bench database and the bench's
Redis (other sessions on a shared machine are not counted), and from rusage for the load
generators. On a machine where CPU is the limit this explains the ratios: the table ends with
the best holds ratio the machine allows. Every target of issue #16 is printed as met or missed;
a missed target is a figure, not a failure: the bench exits 0 once it has measured everything.
The peak RSS of each web worker and of the RQ worker is printed last.
"""

import hashlib
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from sqlalchemy import insert, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import clock  # noqa: E402
from webapp.accounts.models import ApiToken, User  # noqa: E402
from webapp.accounts.passwords import hash_password  # noqa: E402
from webapp.app import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.fleet.layouts import build_layout  # noqa: E402
from webapp.fleet.models import Operator  # noqa: E402
from webapp.fleet.policy import DEFAULT_POLICY  # noqa: E402
from webapp.trips.models import City, Route  # noqa: E402
from webapp.trips.services import add_trip  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/roadpass_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DATA_SETS = ROUNDS + 1  # fresh seats and passengers for every round, and for the warm-up
HOLD_TRIPS_PER_ROUND = 150  # 7,800 distinct seats a round: more than one round can take
FLOW_TRIPS_PER_ROUND = 12  # 624 whole flows a round: more than one round completes
FLOW_THREADS = int(os.environ.get("BENCH_FLOW_THREADS", "8"))
HOT_SEAT_CLIENTS = 200
SECRET = "bench-secret-key-" + "x" * 32
PASSWORD = "bench password 2026"
RESULTS = ROOT / "bench" / "results"
# Issue #16's targets. Ratios are throughput against /livez in the same round; "cpu" targets
# are the app's CPU per request against the app's CPU per /livez request.
RATIO_TARGETS = {"holds": 0.22, "poll-304": 0.8, "flow": 0.05}
CPU_TARGETS = {"holds": 2.5, "hot-seat": 1.5}
HOT_SEAT_P99_TIMES_LIVEZ = 3.0
CPU_REPORTED = ("server", "database", "redis", "load")
FLOW_CPU_REPORTED = ("server", "gateway", "worker", "database", "redis", "load")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SERVER_ENV = {
    "APP_ENV": "development",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": SECRET,
    "HOLD_RATE_LIMIT": "1000000 per minute",
    "HOLD_IP_RATE_LIMIT": "1000000 per minute",
    "CHECKOUT_RATE_LIMIT": "1000000 per minute",
    "CHECKOUT_IP_RATE_LIMIT": "1000000 per minute",
    "MAX_ACTIVE_HOLDS_PER_USER": "2",
    "SANDBOX_STATE_FILE": "",  # the sandbox keeps its payments in memory
    "SANDBOX_WEBHOOK_DELIVERY": "background",
    "MAIL_SMTP_HOST": "",
    "FLASK_SKIP_DOTENV": "1",  # a developer's .env must not reach the bench
}


def recreate_database() -> None:
    url = make_url(DATABASE_URL)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')


def make_tokens(count: int) -> list[tuple[dict, dict]]:
    """(user row, token row) pairs; plain tokens are returned in the token row's 'plain'."""
    password_hash = hash_password(PASSWORD)
    rows = []
    for _ in range(count):
        n = secrets.token_hex(6)
        plain = "rp_" + secrets.token_urlsafe(32)
        user = {
            "email": f"bench-{n}@example.com",
            "name": f"Bench {n}",
            "role": "passenger",
            "password_hash": password_hash,
            "is_active": True,
            "created_at": clock.now(),
        }
        token = {
            "name": "bench",
            "token_hash": hashlib.sha256(plain.encode()).hexdigest(),
            "prefix": plain[:10],
            "created_at": clock.now(),
            "last_used_at": clock.now(),
            "plain": plain,
        }
        rows.append((user, token))
    return rows


def insert_users(pairs: list[tuple[dict, dict]]) -> list[str]:
    ids = db.session.execute(insert(User).returning(User.id), [u for u, _ in pairs]).scalars().all()
    db.session.execute(
        insert(ApiToken),
        [
            {**{k: v for k, v in t.items() if k != "plain"}, "user_id": uid}
            for uid, (_, t) in zip(ids, pairs, strict=True)
        ],
    )
    return [t["plain"] for _, t in pairs]


def seed(workdir: Path) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "SECRET_KEY": SECRET})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        lagos = City(slug="lagos", name="Lagos", state="Lagos")
        abuja = City(slug="abuja", name="Abuja", state="FCT")
        operator = Operator(
            slug="bench", name="Bench Lines", commission_bps=800, cancellation_policy=DEFAULT_POLICY
        )
        layout = build_layout("Coach 2+2 (52)", [["D....", *["SS.SS"] * 13]])
        db.session.add_all([lagos, abuja, operator, layout])
        db.session.flush()
        route = Route(
            origin_id=lagos.id, destination_id=abuja.id, duration_minutes=600, distance_km=760
        )
        db.session.add(route)
        db.session.flush()
        start = clock.now() + timedelta(days=2)
        trips = [
            add_trip(
                route=route,
                operator_id=operator.id,
                layout=layout,
                departs_at=start + timedelta(minutes=i),
                fare_amount=1_850_000,
                boarding_point="Jibowu",
            ).id
            for i in range(HOLD_TRIPS_PER_ROUND * DATA_SETS + DATA_SETS + 1)
        ]
        poll_trip, hot_trips = trips[0], trips[1 : DATA_SETS + 1]
        labels = [seat.label for seat in layout.sellable_seats]
        for round_number in range(DATA_SETS):
            start_at = DATA_SETS + 1 + round_number * HOLD_TRIPS_PER_ROUND
            hold_trips = trips[start_at : start_at + HOLD_TRIPS_PER_ROUND]
            holds = [(trip, label) for trip in hold_trips for label in labels]
            tokens = insert_users(make_tokens(len(holds) // 2 + 1))
            # Each passenger holds two seats, within the limit of two live holds.
            lines = [f"{tokens[i // 2]} {trip} {label}" for i, (trip, label) in enumerate(holds)]
            (workdir / f"holds-{round_number}.txt").write_text("\n".join(lines) + "\n")
            hot = insert_users(make_tokens(HOT_SEAT_CLIENTS))
            (workdir / f"hot-{round_number}.txt").write_text("\n".join(hot) + "\n")
        flow_trips = [
            add_trip(
                route=route,
                operator_id=operator.id,
                layout=layout,
                departs_at=start + timedelta(hours=12, minutes=i),
                fare_amount=1_850_000,
                boarding_point="Jibowu",
            ).id
            for i in range(FLOW_TRIPS_PER_ROUND * DATA_SETS)
        ]
        for round_number in range(DATA_SETS):
            first = round_number * FLOW_TRIPS_PER_ROUND
            seats = [
                (trip, label)
                for trip in flow_trips[first : first + FLOW_TRIPS_PER_ROUND]
                for label in labels
            ]
            tokens = insert_users(make_tokens(len(seats)))  # one passenger, one flow
            flows = [f"{t} {trip} {label}" for t, (trip, label) in zip(tokens, seats, strict=True)]
            (workdir / f"flow-{round_number}.txt").write_text("\n".join(flows) + "\n")
        db.session.commit()
        db.engine.dispose()
    settle(DATABASE_URL)
    return {"hot_trips": hot_trips, "poll_trip": poll_trip, "holds": len(lines)}


def settle(database_url: str) -> None:
    """Vacuum, analyse and checkpoint after seeding, so that autovacuum and the checkpointer
    do not compete with the first round (they did: its trivial run measured half the rest)."""
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def median_of(runs: list[dict]) -> dict:
    """Per-figure medians across rounds (numbers, also nested; other values from round one)."""
    merged = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, dict):
            merged[key] = median_of([run[key] for run in runs])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


# Process session id → CPU group, for the processes the bench starts (each in its own session).
SESSIONS: dict[int, str] = {}
DATABASE_NAME = make_url(DATABASE_URL).database
REDIS_PORT = urlsplit(REDIS_URL).port or 6379


def _group_of(comm: str, session: int, pid: str) -> str | None:
    if session in SESSIONS:
        return SESSIONS[session]
    if comm not in ("postgres", "redis-server"):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    if comm == "postgres" and f" {DATABASE_NAME} " in cmdline:
        return "database"  # a backend serving the bench database, not another session's
    if comm == "redis-server" and f":{REDIS_PORT}" in cmdline:
        return "redis"
    return None


def _stat_fields(pid: str) -> tuple[str, list[str]]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()


def cpu_seconds() -> Counter:
    """CPU time used so far by the bench's servers, RQ worker, PostgreSQL backends and Redis
    (with their reaped children, such as RQ's work horses), and by our load generators."""
    used: Counter = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm, fields = _stat_fields(pid)
        except OSError:  # the process ended meanwhile
            continue
        group = _group_of(comm, int(fields[3]), pid)
        if group:
            used[group] += sum(int(f) for f in fields[11:15]) / CLOCK_TICKS
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["load"] = children.ru_utime + children.ru_stime
    return used


def peak_rss_mib(session: int) -> list[float]:
    """VmHWM (the peak resident set) of every process of a session but its leader (gunicorn's
    master, the RQ worker's parent shell if any), in MiB, largest first."""
    peaks = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(_stat_fields(pid)[1][3]) != session or int(pid) == session:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        peaks.append(round(kib / 1024, 1))
    return sorted(peaks, reverse=True)


def worker_rss(pid: int) -> list[float]:
    """The RQ worker is its session's leader: its own VmHWM, listed before its children's
    (its scheduler, and a work horse if one is running)."""
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    return [round(kib / 1024, 1)]


def measured(run: Callable[[], dict], groups: tuple[str, ...] = CPU_REPORTED) -> dict:
    """Run one scenario and add the CPU it cost per request, by process group, in ms."""
    before = cpu_seconds()
    figures = run()
    after = cpu_seconds()
    count = figures.get("requests") or figures["clients"]
    figures["cpu_ms"] = {g: round((after[g] - before[g]) * 1000 / count, 3) for g in groups}
    return figures


def holds_ceiling(results: dict) -> dict:
    """The best holds ratio this machine allows when CPU is the limit: a hold costs at least a
    whole trivial request plus what PostgreSQL and Redis spend on it."""
    trivial = sum(results["trivial"]["cpu_ms"].values())
    outside_app = results["holds"]["cpu_ms"]["database"] + results["holds"]["cpu_ms"]["redis"]
    return {
        "trivial_cpu_ms": round(trivial, 3),
        "hold_cpu_ms_outside_app": round(outside_app, 3),
        "holds_ratio_ceiling": round(trivial / (trivial + outside_app), 3),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(command: list[str], env: dict, log: Path, group: str) -> subprocess.Popen:
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **SERVER_ENV, **env},
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    SESSIONS[process.pid] = group
    return process


def start_server(
    port: int, log: Path, env: dict, *, workers: int = WORKERS, group: str = "server"
) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(THREADS),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    server = start_process(command, env, log, group)
    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{port}/livez", timeout=2).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)  # gunicorn is still starting
    stop_server(server)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def logged_in_cookie(base: str) -> str:
    """A real session cookie of a passenger, as a browser polling the seat map sends it."""
    session = requests.Session()
    page = session.get(f"{base}/register").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    email = f"poller-{secrets.token_hex(4)}@example.com"
    form = {
        "csrf_token": token,
        "name": "Poll Er",
        "email": email,
        "phone": "0803 123 4567",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    registered = session.post(f"{base}/register", data=form, allow_redirects=False)
    if registered.status_code != 303:
        raise SystemExit(f"could not register the polling passenger: {registered.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def wrk(url: str, *args: str, seconds: int = SECONDS) -> dict:
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(ROOT / "bench" / "wrk.lua"),
        url,
        "--",
        *args,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def machine_speed_ms() -> float:
    """Milliseconds a fixed piece of pure Python takes here, best of three: the absolute
    figures (the hot seat's p99) move with it from one run or machine to the next."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for step in range(2_000_000):
            total += step
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)


def hot_seat_client(port: int, *args: str) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "hot_seat.py"), "127.0.0.1", str(port), *args]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def flow_client(base: str, flows_file: Path, seconds: int) -> dict:
    command = [
        sys.executable,
        str(ROOT / "bench" / "flow.py"),
        base,
        str(flows_file),
        str(FLOW_THREADS),
        str(seconds),
    ]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def judge(results: dict, rounds: list[dict]) -> dict[str, dict]:
    """Each target of issue #16: the figure measured, the bound, and whether it was met."""
    livez_cpu = results["trivial"]["cpu_ms"]["server"]
    verdicts: dict[str, dict] = {}
    for name, times in CPU_TARGETS.items():
        figure = results[name]["cpu_ms"]["server"] / livez_cpu
        label = f"{name} app cpu / livez app cpu"
        verdicts[label] = {
            "figure": round(figure, 2),
            "bound": f"<= {times}",
            "met": figure <= times,
        }
    for name, floor in RATIO_TARGETS.items():
        figure = results[name]["ratio"]
        verdicts[f"{name} ratio"] = {
            "figure": figure,
            "bound": f">= {floor}",
            "met": figure >= floor,
        }
    winners = results["hot-seat"]["winners"]
    verdicts["hot-seat one winner every round"] = {
        "figure": winners,
        "bound": "all 1",
        "met": all(w == 1 for w in winners),
    }
    p99 = results["hot-seat"]["p99_ms"] / results["livez-burst"]["p99_ms"]
    verdicts["hot-seat p99 / livez-burst p99"] = {
        "figure": round(p99, 2),
        "bound": f"<= {HOT_SEAT_P99_TIMES_LIVEZ}",
        "met": p99 <= HOT_SEAT_P99_TIMES_LIVEZ,
    }
    errors = sum(
        r[name]["status_errors"] + r[name]["socket_errors"]
        for r in rounds
        for name in ("trivial", "poll-200", "poll-304", "holds", "flow")
    )
    verdicts["no errors"] = {"figure": errors, "bound": "0", "met": errors == 0}
    return verdicts


def main() -> int:
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        raise SystemExit("wrk is needed: apt-get install wrk")
    speed_before = machine_speed_ms()
    recreate_database()
    workdir = Path(tempfile.mkdtemp(prefix="roadpass-bench-"))
    setup = seed(workdir)
    port, gateway_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    gateway_env = {"SANDBOX_WEBHOOK_URL": f"{base}/api/payments/webhook/flutterwave"}
    app_env = {"FLUTTERWAVE_BASE_URL": f"http://127.0.0.1:{gateway_port}/sandbox/flutterwave/v3"}
    # One sandbox process: its payments live in that process's memory, as one Flutterwave would.
    gateway = start_server(
        gateway_port, workdir / "sandbox.log", gateway_env, workers=1, group="gateway"
    )
    server = start_server(port, workdir / "gunicorn.log", app_env)
    worker = start_process(
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi:app", "jobs", "worker"],
        app_env,
        workdir / "worker.log",
        "worker",
    )
    try:
        cookie = logged_in_cookie(base)
        poll_url = f"{base}/trips/{setup['poll_trip']}/seats"
        first = requests.get(poll_url, headers={"Cookie": cookie}, timeout=5)
        etag = first.headers["ETag"]
        check = requests.get(poll_url, headers={"Cookie": cookie, "If-None-Match": etag}, timeout=5)
        assert check.status_code == 304, check.status_code
        scenarios = {
            "trivial": lambda _, seconds: wrk(f"{base}/livez", seconds=seconds),
            "poll-200": lambda _, seconds: wrk(poll_url, f"Cookie: {cookie}", seconds=seconds),
            "poll-304": lambda _, seconds: wrk(
                poll_url, f"Cookie: {cookie}", f"If-None-Match: {etag}", seconds=seconds
            ),
            "holds": lambda data_set, seconds: wrk(
                base, "holds", str(workdir / f"holds-{data_set}.txt"), "2", seconds=seconds
            ),
            "flow": lambda data_set, seconds: flow_client(
                base, workdir / f"flow-{data_set}.txt", seconds
            ),
        }

        def hot_seat(data_set: int) -> dict:
            tokens = str(workdir / f"hot-{data_set}.txt")
            return hot_seat_client(port, str(setup["hot_trips"][data_set]), "1A", tokens)

        def livez_burst() -> dict:
            return hot_seat_client(port, "get", "/livez", str(HOT_SEAT_CLIENTS))

        # Warm up every path in every worker on the last data set, which no round uses.
        for scenario in scenarios.values():
            scenario(ROUNDS, 2)
        hot_seat(ROUNDS)
        livez_burst()

        rounds = []
        for number in range(ROUNDS):
            figures = {
                name: measured(
                    lambda: scenario(number, SECONDS),  # noqa: B023
                    FLOW_CPU_REPORTED if name == "flow" else CPU_REPORTED,
                )
                for name, scenario in scenarios.items()
            }
            # The client's own CPU is left out here: it includes starting a Python interpreter.
            figures["hot-seat"] = measured(
                lambda: hot_seat(number),  # noqa: B023
                groups=("server", "database", "redis"),
            )
            figures["livez-burst"] = measured(livez_burst, groups=("server", "database", "redis"))
            for entry in figures.values():
                entry["ratio"] = round(entry["rps"] / figures["trivial"]["rps"], 3)
            rounds.append(figures)
            print(
                f"round {number + 1}/{ROUNDS}: "
                + ", ".join(f"{name} {entry['rps']:.0f}/s" for name, entry in figures.items()),
                flush=True,
            )
        memory = {
            "web_workers_mib": peak_rss_mib(server.pid),
            "rq_worker_mib": worker_rss(worker.pid) + peak_rss_mib(worker.pid),
            "sandbox_mib": peak_rss_mib(gateway.pid),
        }
    finally:
        for process in (worker, server, gateway):
            stop_server(process)

    results = {name: median_of([r[name] for r in rounds]) for name in rounds[0]}
    results["hot-seat"]["winners"] = [r["hot-seat"]["winners"] for r in rounds]
    verdicts = judge(results, rounds)
    report = {
        "when": clock.now().isoformat(),
        "setup": {
            "server": f"gunicorn gthread {WORKERS}x{THREADS}",
            "database": "postgresql",
            "load": f"wrk -t2 -c{CONNECTIONS} -d{SECONDS}s; hot seat: asyncio client; "
            f"flow: {FLOW_THREADS} threads",
            "cpus": os.cpu_count(),
            "hold_requests_available": setup["holds"],
            "python_loop_ms": {"before": speed_before, "after": machine_speed_ms()},
        },
        "rounds": ROUNDS,
        "results": results,
        "each_round": rounds,
        "targets": verdicts,
        "analysis": holds_ceiling(results),
        "peak_rss": memory,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    return 0


def print_report(report: dict) -> None:
    results = report["results"]
    print(f"\nRoadpass bench: {report['setup']['server']}, PostgreSQL, {report['setup']['load']}")
    print(f"medians of {ROUNDS} interleaved rounds; each ratio against its own round's trivial run")
    loop = report["setup"]["python_loop_ms"]
    print(
        f"machine speed: a 2-million-step Python loop took {loop['before']} ms before the run "
        f"and {loop['after']} ms after it (lower is faster)"
    )
    print(
        f"{'scenario':<11} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'app cpu':>8} {'pg cpu':>7}  notes"
    )
    for name, figures in results.items():
        if name in ("hot-seat", "livez-burst"):
            note = f"{figures['clients']} clients, {figures['statuses']}"
            if name == "hot-seat":
                note += f", winners={figures['winners']}"
        elif name == "flow":
            cpu = figures["cpu_ms"]
            note = (
                f"{figures['requests']} flows, {figures['http_requests']} HTTP requests, "
                f"sandbox cpu {cpu['gateway']:.2f}, RQ worker cpu {cpu['worker']:.2f} ms/flow, "
                f"failures={figures['failures']}"
            )
        else:
            note = (
                f"{figures['requests']} requests, {figures['bytes_per_request']:.0f} B each, "
                f"errors={figures['status_errors'] + figures['socket_errors']}"
            )
        print(
            f"{name:<11} {figures['rps']:>9.1f} {figures['ratio']:>7.3f} "
            f"{figures['p50_ms']:>8.2f} {figures['p99_ms']:>8.2f} "
            f"{figures['cpu_ms']['server']:>8.2f} {figures['cpu_ms']['database']:>7.2f}  {note}"
        )
    ceiling = report["analysis"]
    print(
        "CPU ms per request (app = gunicorn, pg = the bench database's PostgreSQL backends; "
        "flow: per whole flow). A whole /livez request costs "
        f"{ceiling['trivial_cpu_ms']:.2f} ms of CPU (server and load generator); PostgreSQL and "
        f"Redis alone spend {ceiling['hold_cpu_ms_outside_app']:.2f} ms on each hold, so on this "
        f"machine holds could reach at most {ceiling['holds_ratio_ceiling']:.2f} of /livez even "
        "if a hold cost the app no more than /livez."
    )
    print("targets (issue #16):")
    for name, verdict in report["targets"].items():
        state = "met" if verdict["met"] else "MISSED"
        print(f"  {name:<34} {verdict['figure']!s:>14}  (target {verdict['bound']})  {state}")
    memory = report["peak_rss"]
    print(
        f"peak RSS after the bench: web workers {memory['web_workers_mib']} MiB, "
        f"RQ worker {memory['rq_worker_mib']} MiB, sandbox worker {memory['sandbox_mib']} MiB"
    )
    print(f"figures written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    sys.exit(main())
