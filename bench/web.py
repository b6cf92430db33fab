"""Web benchmark: gunicorn (2 workers) on loopback, driven by wrk at 32 connections.

Prints requests/s and p50/p99 latency for a guide page and a guide search, each as a ratio to a
trivial route (/robots.txt) served by the same server in the same run, because these machines
are noisy and only same-run ratios compare. Run with `make bench` (or `python bench/web.py`).
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTES = [("trivial /robots.txt", "/robots.txt"),
          ("guide page", "/guides/bounding-boxes"),
          ("guide search", "/guides/search?q=iou+polygon")]
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up within {timeout}s")


def parse_wrk(output: str) -> dict:
    """Requests/s and latency percentiles from `wrk --latency` output."""
    def to_ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    percentiles = {int(p): to_ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$",
                                                                   output, re.MULTILINE)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": rps, "p50": percentiles[50], "p99": percentiles[99],
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def median_result(runs: list[dict], baseline_runs: list[dict]) -> dict:
    """Median throughput and latency over rounds, and the median of the per-round ratios."""
    def median(values):
        ordered = sorted(values)
        return ordered[len(ordered) // 2]
    return {"rps": median([run["rps"] for run in runs]), "p50": median([run["p50"] for run in runs]),
            "p99": median([run["p99"] for run in runs]),
            "ratio": median([run["rps"] / base["rps"] for run, base in zip(runs, baseline_runs)]),
            "non2xx": sum(run["non2xx"] for run in runs),
            "socket_errors": "; ".join(run["socket_errors"] for run in runs if run["socket_errors"])}


def run_wrk(url: str, seconds: int, connections: int) -> dict:
    output = subprocess.run(["wrk", "--latency", "-t2", f"-c{connections}", f"-d{seconds}s", url],
                            capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk (Debian's package)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = dict(os.environ, PORTAL_INSTANCE_PATH=str(workdir), PORTAL_ENV="development",
               DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}")
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--workers", str(args.workers), "--worker-class", "gthread",
         "--threads", "4", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        for _, path in ROUTES:  # warm every worker's caches before measuring
            run_wrk(base + path, 1, 4)
        # Interleave the routes over several rounds, rotating their order, so a burst of noise on
        # this shared machine hits every route alike instead of biasing whichever ran during it.
        rounds = {name: [] for name, _ in ROUTES}
        for round_index in range(args.rounds):
            order = ROUTES[round_index % len(ROUTES):] + ROUTES[:round_index % len(ROUTES)]
            for name, path in order:
                rounds[name].append(run_wrk(base + path, args.seconds, args.connections))
        results = [(name, median_result(rounds[name], rounds[ROUTES[0][0]])) for name, _ in ROUTES]
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = results[0][1]
    print(f"gunicorn {args.workers} workers (gthread x4), wrk {args.connections} connections, "
          f"{args.rounds} interleaved rounds of {args.seconds}s per route (medians), {os.cpu_count()} CPUs")
    print(f"{'route':22} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8}  verdict")
    failed = False
    for name, result in results:
        ratio = result["ratio"]
        ok = result["p99"] < TARGET_P99_MS and (result is baseline or ratio >= TARGET_RATIO)
        ok = ok and result["non2xx"] == 0 and not result["socket_errors"]
        failed |= not ok
        extra = f" non-2xx={result['non2xx']}" if result["non2xx"] else ""
        extra += f" socket errors: {result['socket_errors']}" if result["socket_errors"] else ""
        print(f"{name:22} {result['rps']:9.0f} {ratio:7.2f} {result['p50']:8.2f} {result['p99']:8.2f}  "
              f"{'ok' if ok else 'MISSES TARGET'}{extra}")
    print(f"targets: ratio >= {TARGET_RATIO} of the trivial route, p99 < {TARGET_P99_MS:.0f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
