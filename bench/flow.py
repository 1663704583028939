"""The whole booking flow, as a partner app and its passengers go through it, from N threads.

Each flow: POST /api/bookings/reserve → POST /api/payments (passenger details, Idempotency-Key)
→ GET the sandbox's hosted page → pay on it (the sandbox, in its own process, redirects and
sends the charge.completed webhook; an RQ worker verifies the payment with the sandbox) →
GET /api/payments/<id> until the booking is CONFIRMED. Runs in its own process; prints one JSON
line: completed flows per second, p50/p99 of a whole flow, how many requests it took.
Usage: python bench/flow.py BASE_URL FLOWS_FILE THREADS SECONDS
"""

import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter

import requests

POLL_PAUSE_SECONDS = 0.02  # between two looks at the payment while the webhook is processed
GIVE_UP_SECONDS = 30


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if values else 0.0


class Flows:
    def __init__(self, base: str, entries: list[tuple[str, int, str]], seconds: float) -> None:
        self.base = base
        self.entries = entries
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.requests = 0
        self.polls = 0
        self.failures: Counter = Counter()

    def next_entry(self) -> tuple[str, int, str] | None:
        with self.lock:
            if time.monotonic() >= self.deadline or not self.entries:
                return None
            return self.entries.pop()

    def run(self) -> None:
        app = requests.Session()
        gateway = requests.Session()
        while (entry := self.next_entry()) is not None:
            started = time.perf_counter()
            try:
                outcome, count, polls = self.one(app, gateway, *entry)
            except requests.RequestException as error:
                outcome, count, polls = f"error: {type(error).__name__}", 0, 0
            with self.lock:
                self.requests += count
                self.polls += polls
                if outcome == "CONFIRMED":
                    self.latencies.append((time.perf_counter() - started) * 1000)
                else:
                    self.failures[outcome] += 1

    def one(
        self, app: requests.Session, gateway: requests.Session, token: str, trip: int, seat: str
    ) -> tuple[str, int, int]:
        auth = {"Authorization": f"Bearer {token}"}
        hold = app.post(
            f"{self.base}/api/bookings/reserve",
            json={"tripId": trip, "seatNumbers": [seat]},
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )
        if hold.status_code != 201:
            return f"hold {hold.status_code}", 1, 0
        booking = hold.json()
        passengers = [{"seatNumber": seat, "name": "Bench Passenger", "phone": "08031234567"}]
        payment = app.post(
            f"{self.base}/api/payments",
            json={
                "bookingId": booking["bookingId"],
                "email": "p@example.com",
                "passengers": passengers,
            },
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )
        if payment.status_code != 201:
            return f"payment {payment.status_code}", 2, 0
        started = payment.json()
        page = gateway.get(started["checkoutUrl"], timeout=30)
        paid = gateway.post(
            started["checkoutUrl"],
            data={"outcome": "successful"},
            allow_redirects=False,
            timeout=30,
        )
        if page.status_code != 200 or paid.status_code != 303:
            return f"hosted page {page.status_code}/{paid.status_code}", 4, 0
        polls = 0
        give_up = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < give_up:
            polls += 1
            status = app.get(
                f"{self.base}/api/payments/{started['paymentId']}", headers=auth, timeout=30
            )
            if status.status_code == 200 and status.json()["bookingStatus"] == "CONFIRMED":
                return "CONFIRMED", 4 + polls, polls
            time.sleep(POLL_PAUSE_SECONDS)  # the webhook is on its way through the queue
        return "not confirmed in time", 4 + polls, polls


def main(base: str, flows_file: str, threads: int, seconds: float) -> dict:
    with open(flows_file) as handle:
        entries = [line.split() for line in handle if line.strip()]
    flows = Flows(base, [(t, int(trip), seat) for t, trip, seat in reversed(entries)], seconds)
    started = time.perf_counter()
    workers = [threading.Thread(target=flows.run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    done = len(flows.latencies)
    return {
        "requests": done,  # the bench divides CPU by this: CPU per whole flow
        "http_requests": flows.requests,
        "polls_per_flow": round(flows.polls / max(done, 1), 2),
        "seconds": round(wall, 3),
        "rps": round(done / wall, 2),
        "p50_ms": round(statistics.median(flows.latencies), 2) if done else 0.0,
        "p99_ms": round(percentile(flows.latencies, 99), 2),
        "status_errors": sum(flows.failures.values()),
        "socket_errors": 0,
        "failures": ", ".join(f"{what}: {n}" for what, n in flows.failures.items()) or "none",
    }


if __name__ == "__main__":
    base, flows_file, threads, seconds = sys.argv[1:5]
    print(json.dumps(main(base, flows_file, int(threads), float(seconds))))
