"""Speed-test accuracy: the portal's speed test against curl on a shaped loopback, as same-run ratios.

Inside a private network namespace whose loopback is shaped with `tc ... tbf` (MTU 1500; netem is
not available on this kernel), at each rate it measures the goodput that `curl` reaches downloading
from /speedtest/garbage and uploading to /speedtest/empty, then runs the portal's own test twice
over: the CLI (`flask --app wsgi setup speedtest --server URL --json`, speedtest-cli underneath) and
the browser test (Chromium opening /setup, driven by bench/browser_speedtest.py). Each portal figure
is reported as a ratio to curl's in the same round; rounds are interleaved and medians reported.
Target: every ratio within +-10%.

tbf on lo shapes every packet that crosses lo, so both directions share ONE limiter: a download's
ACKs compete with its data, and the figures are goodput on a half-duplex link, not on a
symmetric full-duplex one. That is the same for curl and the portal, so the ratios are fair.

Needs root (ip netns, tc), curl, and for the browser part Chromium and Playwright (never downloaded).
Run: `.venv/bin/python bench/speed_accuracy.py [--rates 5,20,100] [--rounds 3] [--skip-browser]`.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 0.10
PORT = 8765  # the namespace is private, so a fixed port never collides with anything
MEBIBYTE = 1024 * 1024
GARBAGE_MAX_MIB = 100   # the portal's /speedtest/garbage limit (ckSize)
UPLOAD_MAX_MIB = 60     # under the portal's 64 MiB per-request upload limit


class ToolMissing(Exception):
    """A tool the benchmark needs is not installed; the message names the package."""


def shaping_for(rate_mbit: float) -> tuple[int, int]:
    """The tbf bucket (bytes) and queue latency (ms) used at `rate_mbit`.

    burst: the bucket must hold at least one full frame (1514 bytes on lo at MTU 1500) or tbf drops
    everything; a larger bucket lets that much through at memory speed after any idle moment, which
    flatters short transfers. Ten frames, or 1 ms of the rate when that is more, keeps the excess
    under 0.3% of a 10-second test at 5 Mbit/s while sparing the timer thousands of wake-ups a
    second at 100 Mbit/s.
    latency: the queue's depth (limit = rate x latency + burst). Too shallow, and parallel streams
    (speedtest-cli runs four, a browser six) see tail drops and 200 ms retransmission timeouts that
    single-stream curl never meets, so the comparison would punish the portal for the bench's queue;
    too deep only inflates latency under load. 50 ms, but at least 40 frames, which is 97 ms at 5 Mbit/s.
    """
    bytes_per_ms = rate_mbit * 1e6 / 8 / 1000
    burst = max(10 * 1514, math.ceil(bytes_per_ms))
    latency_ms = max(50, math.ceil((40 * 1514) / bytes_per_ms))
    return burst, latency_ms


def require_tools(skip_browser: bool) -> None:
    """Every external tool the run needs, checked before anything is created."""
    if os.geteuid() != 0:
        raise ToolMissing("run as root: network namespaces and tc need CAP_NET_ADMIN")
    for tool, package in (("ip", "iproute2"), ("tc", "iproute2"), ("curl", "curl")):
        if shutil.which(tool) is None:
            raise ToolMissing(f"'{tool}' not found: apt-get install {package}")
    bin_dir = Path(sys.executable).parent
    for tool in ("gunicorn", "flask"):
        if not (bin_dir / tool).exists():
            raise ToolMissing(f"{bin_dir / tool} not found: run `make test` once to build the venv")
    if not skip_browser:
        from browser_speedtest import chromium_path
        if chromium_path() is None:
            raise ToolMissing("Chromium not found: apt-get install chromium (or set CHROMIUM_PATH), "
                              "or pass --skip-browser")
        try:
            import playwright  # noqa: F401
        except ImportError:
            raise ToolMissing("Playwright is not in the venv: pip install -r requirements-dev.txt") from None


class Namespace:
    """A uniquely named network namespace with only `lo`, removed with everything running in it."""

    def __init__(self):
        self.name = f"portal-speed-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        try:
            self.run(["ip", "link", "set", "lo", "up"])
            self.run(["ip", "link", "set", "lo", "mtu", "1500"])
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc_info):
        self.remove()

    def argv(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("check", True)
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.argv(argv), **kwargs)

    def shape(self, rate_mbit: float) -> str:
        """Put (or replace) the tbf limiter on lo; returns the qdisc as tc shows it."""
        burst, latency_ms = shaping_for(rate_mbit)
        self.run(["tc", "qdisc", "replace", "dev", "lo", "root", "tbf", "rate", f"{rate_mbit}mbit",
                  "burst", str(burst), "latency", f"{latency_ms}ms"])
        return self.run(["tc", "qdisc", "show", "dev", "lo"]).stdout.strip()

    def qdisc_stats(self) -> str:
        return self.run(["tc", "-s", "qdisc", "show", "dev", "lo"]).stdout

    def remove(self) -> None:
        """End the processes still inside (only ours can be: the name is unique), then the namespace."""
        pids = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True).stdout.split()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(int(pid), sig)
                except (ProcessLookupError, ValueError):
                    pass
            deadline = time.monotonic() + 5
            while pids and time.monotonic() < deadline:
                pids = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True,
                                      text=True).stdout.split()
                time.sleep(0.1)
            if not pids:
                break
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def portal_env(workdir: Path) -> dict:
    return dict(os.environ, PORTAL_INSTANCE_PATH=str(workdir), PORTAL_ENV="development",
                DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}", PORTAL_DEMO_DATA="0")


def start_portal(ns: Namespace, env: dict, workers: int, threads: int, log) -> subprocess.Popen:
    """gunicorn from the venv inside the namespace, after `flask db upgrade`."""
    bin_dir = Path(sys.executable).parent
    upgrade = subprocess.run([str(bin_dir / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    if upgrade.returncode != 0:
        raise SystemExit("`flask db upgrade` failed, so the portal cannot start:\n  "
                         + "\n  ".join((upgrade.stderr or upgrade.stdout).strip().splitlines()[-3:]))
    return subprocess.Popen(
        ns.argv([str(bin_dir / "gunicorn"), "--workers", str(workers), "--worker-class", "gthread",
                 "--threads", str(threads), "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning",
                 "wsgi:app"]),
        cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_until_up(ns: Namespace, url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode} before answering")
        done = ns.run(["curl", "-sf", "-o", "/dev/null", "--max-time", "2", url], check=False)
        if done.returncode == 0:
            return
        time.sleep(0.3)
    raise SystemExit(f"the portal at {url} did not answer within {timeout:.0f}s")


def curl_download(ns: Namespace, base: str, rate_mbit: float, seconds: float) -> float:
    """curl's download goodput in Mbit/s from /speedtest/garbage, sized for about `seconds`."""
    mib = max(1, min(GARBAGE_MAX_MIB, round(rate_mbit * 1e6 / 8 * seconds / MEBIBYTE)))
    done = ns.run(["curl", "-sS", "-o", "/dev/null", "--max-time", str(seconds * 4 + 30),
                   "-w", "%{http_code} %{size_download} %{speed_download}",
                   f"{base}/speedtest/garbage?ckSize={mib}"])
    status, size, speed = done.stdout.split()
    if status != "200" or int(size) != mib * MEBIBYTE:
        raise RuntimeError(f"curl download: HTTP {status}, {size} of {mib * MEBIBYTE} bytes")
    return float(speed) * 8 / 1e6


def curl_upload(ns: Namespace, base: str, rate_mbit: float, seconds: float, workdir: Path) -> dict:
    """curl's upload goodput in Mbit/s to /speedtest/empty, and what the portal says it received.

    `Expect:` is blanked so curl does not wait for a 100 Continue before sending the body.
    """
    mib = max(1, min(UPLOAD_MAX_MIB, round(rate_mbit * 1e6 / 8 * seconds / MEBIBYTE)))
    payload = workdir / f"upload-{mib}MiB.bin"
    if not payload.exists():
        with open(payload, "wb") as handle:
            for _ in range(mib):
                handle.write(os.urandom(MEBIBYTE))
    headers = workdir / "upload-headers.txt"
    done = ns.run(["curl", "-sS", "-o", "/dev/null", "-D", str(headers), "--max-time", str(seconds * 4 + 30),
                   "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                   "--data-binary", f"@{payload}",
                   "-w", "%{http_code} %{size_upload} %{speed_upload}", f"{base}/speedtest/empty"])
    status, size, speed = done.stdout.split()
    receipt = dict(re.findall(r"^(X-Receive[^:]*):\s*(\S+)", headers.read_text(), re.MULTILINE | re.IGNORECASE))
    received = int(receipt.get("X-Received-Bytes", receipt.get("x-received-bytes", -1)))
    if status != "200" or int(size) != mib * MEBIBYTE or received != mib * MEBIBYTE:
        raise RuntimeError(f"curl upload: HTTP {status}, sent {size}, portal received {received} "
                           f"of {mib * MEBIBYTE} bytes")
    seconds_at_server = float(receipt.get("X-Receive-Seconds", receipt.get("x-receive-seconds", "nan")))
    return {"mbps": float(speed) * 8 / 1e6, "server_mbps": received * 8 / 1e6 / seconds_at_server}


def run_cli(ns: Namespace, env: dict, base: str) -> dict:
    """The portal's CLI speed test, run inside the namespace; its JSON output."""
    flask = str(Path(sys.executable).parent / "flask")
    done = ns.run([flask, "--app", "wsgi", "setup", "speedtest", "--server", base, "--json"],
                  cwd=ROOT, env=env, check=False, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"CLI exited {done.returncode}: {done.stderr.strip()[-600:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_browser(ns: Namespace, env: dict, base: str) -> dict:
    """The in-browser test in Chromium, launched inside the namespace by bench/browser_speedtest.py."""
    done = ns.run([sys.executable, str(ROOT / "bench" / "browser_speedtest.py"), base, "--json"],
                  cwd=ROOT, env=env, check=False, timeout=240)
    if done.returncode != 0:
        raise RuntimeError(f"browser test exited {done.returncode}: "
                           f"{(done.stderr.strip() or done.stdout.strip())[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float | None:
    values = [value for value in values if value is not None and not math.isnan(value)]
    return statistics.median(values) if values else None


def fmt_ratio(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def within(value: float | None) -> bool:
    return value is not None and abs(value - 1) <= TOLERANCE


def measure_rate(ns, env, base, rate, args, workdir, say) -> dict:
    """All rounds at one rate: per round curl down/up, CLI and browser, order rotated each round."""
    qdisc = ns.shape(rate)
    say(f"\n== {rate} Mbit/s: {qdisc}")
    rounds = []
    steps = ["curl", "cli"] + ([] if args.skip_browser else ["browser"])
    for index in range(args.rounds):
        row = {"errors": []}
        order = steps[index % len(steps):] + steps[:index % len(steps)]
        for step in order:
            started = time.monotonic()
            try:
                if step == "curl":
                    row["curl_down"] = curl_download(ns, base, rate, args.curl_seconds)
                    up = curl_upload(ns, base, rate, args.curl_seconds, workdir)
                    row["curl_up"], row["curl_up_server"] = up["mbps"], up["server_mbps"]
                    say(f"  round {index + 1} curl    down {row['curl_down']:7.2f}  up {row['curl_up']:7.2f} "
                        f"(portal saw {row['curl_up_server']:.2f})  [{time.monotonic() - started:.0f}s]")
                elif step == "cli":
                    result = run_cli(ns, env, base)
                    row["cli_down"], row["cli_up"] = result["download_mbps"], result["upload_mbps"]
                    row["cli_loaded_ms"] = result.get("loaded_latency_ms")
                    say(f"  round {index + 1} CLI     down {row['cli_down']:7.2f}  up {row['cli_up']:7.2f}  "
                        f"ping {result.get('ping_ms')} ms, loaded {result.get('loaded_latency_ms')} ms  "
                        f"[{time.monotonic() - started:.0f}s]")
                else:
                    result = run_browser(ns, env, base)
                    row["browser_down"], row["browser_up"] = result["download_mbps"], result["upload_mbps"]
                    say(f"  round {index + 1} browser down {row['browser_down']:7.2f}  up {row['browser_up']:7.2f}  "
                        f"ping {result.get('ping_ms')} ms, loaded {result.get('loaded_latency_ms')} ms  "
                        f"[{time.monotonic() - started:.0f}s]")
            except (RuntimeError, subprocess.SubprocessError, ValueError, KeyError) as error:
                row["errors"].append(f"{step}: {error}")
                say(f"  round {index + 1} {step}: FAILED {error}")
        rounds.append(row)

    def ratios(key: str, base_key: str) -> float | None:
        return median([row[key] / row[base_key] for row in rounds if key in row and base_key in row])
    def spread(key: str, base_key: str) -> list[float]:
        return [row[key] / row[base_key] for row in rounds if key in row and base_key in row]
    summary = {"spread": {key: spread(key, "curl_" + key.split("_")[1])
                          for key in ("cli_down", "cli_up", "browser_down", "browser_up")},
               "rate": rate, "curl_down": median([row.get("curl_down") for row in rounds]),
               "curl_up": median([row.get("curl_up") for row in rounds]),
               "cli_down": ratios("cli_down", "curl_down"), "cli_up": ratios("cli_up", "curl_up"),
               "browser_down": ratios("browser_down", "curl_down"),
               "browser_up": ratios("browser_up", "curl_up"),
               "errors": [error for row in rounds for error in row["errors"]], "rounds": rounds}
    say("  " + ns.qdisc_stats().strip().replace("\n", "\n  "))
    return summary


def print_table(results: list[dict], skip_browser: bool, say) -> bool:
    """The closing table; True when every measured ratio is within the tolerance."""
    say("\nGoodput in Mbit/s for curl; the portal's figures as ratios to curl in the same round (medians).")
    say("tbf on lo: download and upload share one limiter (data and ACKs of both directions).")
    say(f"{'rate':>5} | {'curl down':>9} {'curl up':>8} | {'CLI down':>8} {'CLI up':>7} | "
        f"{'br down':>7} {'br up':>6} | verdict (+-{TOLERANCE:.0%})")
    all_ok = True
    for result in results:
        keys = ["cli_down", "cli_up"] + ([] if skip_browser else ["browser_down", "browser_up"])
        missed = [key for key in keys if not within(result[key])]
        ok = not missed and not result["errors"]
        all_ok &= ok
        curl_down = "-" if result["curl_down"] is None else f"{result['curl_down']:.2f}"
        curl_up = "-" if result["curl_up"] is None else f"{result['curl_up']:.2f}"
        say(f"{result['rate']:>5} | {curl_down:>9} {curl_up:>8} | {fmt_ratio(result['cli_down']):>8} "
            f"{fmt_ratio(result['cli_up']):>7} | {fmt_ratio(result['browser_down']):>7} "
            f"{fmt_ratio(result['browser_up']):>6} | "
            + ("pass" if ok else "FAIL: " + ", ".join(missed + (["errors"] if result["errors"] else []))))
    for result in results:
        unstable = [f"{key} {min(values):.2f}-{max(values):.2f}" for key, values in result["spread"].items()
                    if values and (min(values) < 1 - TOLERANCE or max(values) > 1 + TOLERANCE)]
        if unstable:
            say(f"  {result['rate']} Mbit/s: single rounds outside +-{TOLERANCE:.0%}: " + ", ".join(unstable))
    return all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="5,20,100", help="comma-separated rates in Mbit/s")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per rate; medians are reported")
    parser.add_argument("--curl-seconds", type=float, default=8.0, help="length of each curl transfer")
    parser.add_argument("--skip-browser", action="store_true", help="measure curl and the CLI only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    rates = [float(text) if "." in text else int(text) for text in args.rates.split(",") if text.strip()]
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        require_tools(args.skip_browser)
    except ToolMissing as error:
        print(f"speed_accuracy: {error}", file=sys.stderr)
        return 2

    def say(text: str) -> None:
        print(text, flush=True)

    # SIGTERM too should unwind through the finally blocks that remove the namespace.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="portal-speed-"))
    env = portal_env(workdir)
    results = []
    try:
        with Namespace() as ns, open(workdir / "gunicorn.log", "w") as log:
            say(f"namespace {ns.name}; portal: gunicorn {args.workers} workers (gthread x{args.threads}); "
                f"{args.rounds} interleaved rounds per rate; {os.cpu_count()} CPUs")
            server = start_portal(ns, env, args.workers, args.threads, log)
            base = f"http://127.0.0.1:{PORT}"
            try:
                wait_until_up(ns, base + "/healthz", server)
                # Warm every worker (imports, the random block) before anything is timed.
                for _ in range(2 * args.workers):
                    ns.run(["curl", "-sf", "-o", "/dev/null", f"{base}/speedtest/garbage?ckSize=1"], check=False)
                for rate in rates:
                    results.append(measure_rate(ns, env, base, rate, args, workdir, say))
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                log.flush()
                errors = (workdir / "gunicorn.log").read_text().strip()
                if errors:
                    say("\ngunicorn log (last lines):\n  " + "\n  ".join(errors.splitlines()[-15:]))
    except KeyboardInterrupt:
        print("\ninterrupted: namespace and portal removed", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    ok = print_table(results, args.skip_browser, say)
    for result in results:
        for error in result["errors"]:
            say(f"  {result['rate']} Mbit/s: {error}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
