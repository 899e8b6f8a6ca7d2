"""Meeting-board benchmark: the board page and the "what if this worker takes it" preview.

Run from the repository root::

    python benchmarks/serve_bench.py              # service 200 x 1,000 against the example team
    python benchmarks/serve_bench.py --requests 600 --quick

Two real `allocopt serve` processes on the loopback, side by side: the shipped
example team (10 workers, 12 waiting households) as the baseline, and a seeded
service of 200 workers with 1,000 waiting households (the allocation benchmark's
"service fits" instance, benchmarks/allocation_instances.py, written to files).
For each it prints the start-up time (reading, scoring, the optimiser's first run
with a 10 s limit, explanations),
the time to fetch the whole board page (median and worst of repeated GETs, and
its size), and the preview's latency at 20 concurrent clients (each with its own
keep-alive connection, asking for random household and worker pairs): median,
95th percentile and worst, and requests per second. Targets: board under 1 s,
preview p95 under 100 ms at 20 concurrent. The machine's load average is printed
before and after: figures taken while other work runs are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
import yaml
from allocation_instances import ON, Instance, make_instance  # the instances beside this script

from allocopt.domain import Caseload
from allocopt.io.caseload_writer import write_caseload

ROOT = Path(__file__).resolve().parents[1]
SERVE = "from allocopt.cli import main; main()"
BOARD_TARGET_S = 1.0
PREVIEW_P95_TARGET_S = 0.100


def write_team_files(inst: Instance, folder: Path) -> Path:
    """The instance as a team file, caseload, waiting list and policy (its exclusions)."""
    workers = [w.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
               for w in inst.team.workers]
    exclusions = [e.model_dump(mode="json") for e in inst.problem.policy.exclusions]
    (folder / "policy.yaml").write_text(yaml.safe_dump({"exclusions": exclusions}))
    data = {"team": {"id": inst.team.id, "type": inst.team.type.value},
            "scheme": "tower-hamlets", "as_of": ON.isoformat(), "caseload": "caseload.csv",
            "waiting": "waiting.csv", "policy": "policy.yaml", "workers": workers}
    (folder / "team.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    write_caseload(inst.caseload, folder / "caseload.csv")
    write_caseload(Caseload(households=inst.waiting), folder / "waiting.csv")
    return folder / "team.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    team: Path
    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    started_s: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, time_limit: float) -> None:
        self.port = _free_port()
        log = (self.folder / "serve.log").open("wb")
        start = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", str(self.team), "--port", str(self.port),
             "--db", str(self.folder / "record.sqlite"), "--time-limit", str(time_limit)],
            stdout=log, stderr=log)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: the server stopped; see {self.folder}/serve.log")
            try:
                if httpx2.get(self.url + "/", timeout=30).status_code == 200:
                    self.started_s = time.perf_counter() - start
                    return
            except httpx2.HTTPError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name}: the server did not start in 300 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def board_times(server: Server, repeats: int) -> tuple[float, float, int, list[str], list[str]]:
    """Median and worst seconds to fetch the board; its size; household and worker ids."""
    times = []
    page = ""
    with httpx2.Client(base_url=server.url, timeout=60) as client:
        for _ in range(repeats):
            start = time.perf_counter()
            reply = client.get("/")
            times.append(time.perf_counter() - start)
            page = reply.text
    households = re.findall(r'data-household="([^"]+)"', page)
    workers = re.findall(r'<tr id="worker-([^"]+)"', page)
    return statistics.median(times), max(times), len(page.encode()), households, workers


def preview_latencies(server: Server, households: list[str], workers: list[str],
                      requests: int, concurrency: int, seed: int = 1
                      ) -> tuple[list[float], float]:
    """Latencies of `requests` previews from `concurrency` clients at once; wall time."""
    rng = random.Random(seed)
    pairs = [(rng.choice(households), rng.choice(workers)) for _ in range(requests)]
    chunks = [pairs[i::concurrency] for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    barrier = threading.Barrier(concurrency)

    def client_loop(i: int) -> None:
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            client.get("/preview", params={"household": households[0], "worker": workers[0]})
            barrier.wait()
            for household, worker in chunks[i]:
                start = time.perf_counter()
                reply = client.get("/preview", params={"household": household,
                                                       "worker": worker})
                latencies[i].append(time.perf_counter() - start)
                if reply.status_code != 200:
                    errors.append(f"{reply.status_code}")

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} preview requests failed (first: {errors[0]})")
    return sorted(x for chunk in latencies for x in chunk), wall


def percentile(sorted_values: list[float], q: float) -> float:
    k = max(0, min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="preview requests per server")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=10, help="board fetches per server")
    parser.add_argument("--quick", action="store_true", help="a 3 s optimiser limit")
    args = parser.parse_args()
    limit = 3.0 if args.quick else 10.0
    print(f"allocopt meeting-board benchmark; {os.cpu_count()} cores; python "
          f"{sys.version.split()[0]}; load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "team").mkdir()
        (base / "service").mkdir()
        instance = make_instance("service", "fits")
        service_team = write_team_files(instance, base / "service")
        example = ROOT / "scenarios" / "examples"
        for name in ("team.yaml", "caseload.csv", "waiting.csv", "policy.yaml"):
            (base / "team" / name).write_bytes((example / name).read_bytes())
        servers = [Server("example team 10 x 12", base / "team" / "team.yaml", base / "team"),
                   Server("service 200 x 1,000", service_team, base / "service")]
        rows = []
        try:
            for server in servers:
                server.start(limit)
                median, worst, size, households, workers = board_times(server, args.repeats)
                # a burst not counted: the first one after a start ran slower, whichever
                # server came first
                preview_latencies(server, households, workers, 10 * args.concurrency,
                                  args.concurrency, seed=0)
                latencies, wall = preview_latencies(server, households, workers, args.requests,
                                                    args.concurrency)
                rows.append((server, median, worst, size, len(households), latencies, wall))
        finally:
            for server in servers:
                server.stop()
    print(f"\n{'instance':<22} {'start s':>8} {'board med s':>11} {'board max s':>11} "
          f"{'page KB':>8} {'prev p50 ms':>11} {'prev p95 ms':>11} {'prev max ms':>11} "
          f"{'req/s':>7}")
    for server, median, worst, size, _, lat, wall in rows:
        print(f"{server.name:<22} {server.started_s:8.2f} {median:11.3f} {worst:11.3f} "
              f"{size / 1024:8.0f} {1000 * percentile(lat, 0.5):11.1f} "
              f"{1000 * percentile(lat, 0.95):11.1f} {1000 * lat[-1]:11.1f} "
              f"{len(lat) / wall:7.0f}")
    (_, base_med, _, _, _, base_lat, _), (_, med, _, _, n, lat, _) = rows
    p95 = percentile(lat, 0.95)
    print(f"\nservice / example team: board {med / base_med:.1f}x, preview p95 "
          f"{p95 / percentile(base_lat, 0.95):.1f}x ({n} households on the service board)")
    print(f"targets: board under {BOARD_TARGET_S:.0f} s: {'met' if med < BOARD_TARGET_S else 'NOT met'}"
          f" ({med:.3f} s); preview p95 under {1000 * PREVIEW_P95_TARGET_S:.0f} ms at "
          f"{args.concurrency} concurrent: {'met' if p95 < PREVIEW_P95_TARGET_S else 'NOT met'}"
          f" ({1000 * p95:.1f} ms)")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
