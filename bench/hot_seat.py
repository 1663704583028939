"""200 clients, one seat: connect them all, then send every request at the same instant.

Runs in its own process so the load is not generated inside the server. Prints one JSON line.
Usage: python bench/hot_seat.py HOST PORT TRIP_ID SEAT TOKENS_FILE
       python bench/hot_seat.py HOST PORT get PATH CLIENTS
The second form sends the same burst as GETs of PATH (the bench bursts /livez with it, so the
hot seat's p99 is compared with the p99 of the cheapest request under the same rush).
"""

import asyncio
import json
import statistics
import sys
import time


async def one_client(host: str, port: int, request: bytes, go: asyncio.Event) -> tuple[int, float]:
    reader, writer = await asyncio.open_connection(host, port)
    await go.wait()
    started = time.perf_counter()
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    await reader.readexactly(int(headers.get("content-length", "0")))
    elapsed = time.perf_counter() - started
    writer.close()
    return int(status_line.split()[1]), elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def holds(host: str, port: int, trip_id: int, seat: str, tokens: list[str]) -> list[bytes]:
    body = json.dumps({"tripId": trip_id, "seatNumbers": [seat]}).encode()
    return [
        (
            f"POST /api/bookings/reserve HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
        for token in tokens
    ]


def gets(host: str, port: int, path: str, clients: int) -> list[bytes]:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    return [request.encode()] * clients


async def main(host: str, port: int, requests: list[bytes]) -> dict:
    go = asyncio.Event()
    tasks = [asyncio.create_task(one_client(host, port, r, go)) for r in requests]
    await asyncio.sleep(0.5)  # let every connection be accepted first
    started = time.perf_counter()
    go.set()
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    latencies = [elapsed * 1000 for _, elapsed in results]
    statuses: dict[str, int] = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "clients": len(requests),
        "winners": statuses.get("201", 0),
        "statuses": statuses,
        "seconds": round(wall, 3),
        "rps": round(len(requests) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
    }


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    if sys.argv[3] == "get":
        burst = gets(host, port, sys.argv[4], int(sys.argv[5]))
    else:
        with open(sys.argv[5]) as handle:
            tokens = [line.strip() for line in handle if line.strip()]
        burst = holds(host, port, int(sys.argv[3]), sys.argv[4], tokens)
    print(json.dumps(asyncio.run(main(host, port, burst))))
