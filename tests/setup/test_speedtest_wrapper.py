"""speedtest-cli through PortalSpeedtest against real loopback servers: the portal, and faulty ones."""

import contextlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timezone
from pathlib import Path

import pytest
import requests

from portal.setup import speedtest as speedtest_module
from portal.setup.speedtest import (MAX_UPLOAD_BYTES_PER_TEST, PHASES, PORTAL_UPLOAD_SIZES,
                                    PORTAL_UPLOAD_THREADS, PortalSpeedtest, SpeedtestUnavailable, _Session,
                                    bounded_upload_max, jitter_ms, portal_base_url, run_speedtest)
from tests.setup.loopback import silent_server

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def client_threads() -> int:
    """Threads other than the loopback servers' own request handlers."""
    return sum(1 for thread in threading.enumerate() if "process_request_thread" not in thread.name)


def assert_threads_back_to(baseline: int, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while client_threads() > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client_threads() == baseline, [thread.name for thread in threading.enumerate()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MisbehavingHandler(http.server.BaseHTTPRequestHandler):
    """Answers pings properly; `status` refuses everything else; `drop` cuts downloads off halfway."""

    protocol_version = "HTTP/1.1"
    status = None
    drop = False

    def log_message(self, *args):
        pass

    def answer(self, status: int, body: bytes, length: int | None = None):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/speedtest/latency.txt"):
            self.answer(200, b"test=test")
        elif self.status:
            self.answer(self.status, b"refused")
        elif self.drop:
            self.answer(200, os.urandom(100_000), length=1_000_000)
            self.close_connection = True
        else:
            self.answer(404, b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        while length > 0:
            length -= len(self.rfile.read(min(length, 65536)))
        self.answer(self.status or 200, b"size=1")


@contextlib.contextmanager
def misbehaving_server(**behaviour):
    handler = type("Handler", (MisbehavingHandler,), behaviour)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(2)
        server.server_close()


class SlowUploadHandler(http.server.BaseHTTPRequestHandler):
    """Answers pings; reads upload bodies slowly, chunked or not, and answers each with a receipt."""

    protocol_version = "HTTP/1.1"
    bytes_per_second = 1_000_000
    uploads: list  # (headers, bytes received), one per POST, shared by the handler class
    lock: threading.Lock
    active = [0, 0]  # uploads in progress now, the most at once

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"test=test")

    def read_slowly(self, length: int) -> int:
        got = 0
        while got < length:
            piece = self.rfile.read(min(length - got, 16384))
            if not piece:
                break
            got += len(piece)
            time.sleep(len(piece) / self.bytes_per_second)
        return got

    def do_POST(self):
        with self.lock:
            self.active[0] += 1
            self.active[1] = max(self.active)
        started, received = time.monotonic(), 0
        try:
            if self.headers.get("Transfer-Encoding") == "chunked":
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    received += self.read_slowly(size)
                    self.rfile.readline()
                self.rfile.readline()
            else:
                received = self.read_slowly(int(self.headers.get("Content-Length", 0)))
        finally:
            with self.lock:
                self.active[0] -= 1
        with self.lock:
            self.uploads.append((dict(self.headers), received))
        body = f"size={received}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Received-Bytes", str(received))
        self.send_header("X-Receive-Seconds", f"{time.monotonic() - started:.6f}")
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def slow_upload_server():
    handler = type("Handler", (SlowUploadHandler,), {"uploads": [], "lock": threading.Lock(),
                                                     "active": [0, 0]})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
    # A small receive window, so a body waits in the sender (where the deadline can end it), not in buffers.
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    server.server_bind()
    server.server_activate()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", handler
    finally:
        server.shutdown()
        thread.join(2)
        server.server_close()


@contextlib.contextmanager
def portal_process(tmp_path):
    """The portal in its own process, so a test can kill it outright."""
    code = ("from werkzeug.serving import make_server\n"
            "from portal.app import create_app\n"
            f"app = create_app({{'SECRET_KEY': 'k' * 40,\n"
            f"                  'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/p.db'}})\n"
            "server = make_server('127.0.0.1', 0, app, threaded=True)\n"
            "print(server.server_port, flush=True)\n"
            "server.serve_forever()\n")
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(process.stdout.readline())
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)
        process.stdout.close()


def plain_download_mbps(url: str) -> float:
    """One plain HTTP download of the largest image, for comparison."""
    started = time.perf_counter()
    response = requests.get(url + "/speedtest/random4000x4000.jpg", timeout=30)
    elapsed = time.perf_counter() - started
    assert len(response.content) == 31625365
    return len(response.content) * 8 / elapsed / 1e6


def test_figures_against_a_portal_are_positive_and_plausible(live_server):  # noqa: F811
    reference = plain_download_mbps(live_server.url)
    phases = []
    figures = run_speedtest(live_server.url, timeout=40, transfer_seconds=3,
                            on_phase=lambda phase, state, detail: phases.append((phase, state)))
    assert phases == [(phase, state) for phase in PHASES for state in ("started", "finished")]
    assert reference / 10 < figures.download_mbps < reference * 10
    assert figures.upload_mbps > 0 and figures.upload_measured_by == "server"
    assert figures.bytes_received > 31625365 and figures.bytes_sent > 0
    assert 0 < figures.ping_ms < 1000 and figures.jitter_ms >= 0
    assert figures.loaded_latency_ms is not None and figures.loaded_latency_ms > 0
    assert figures.server == live_server.url
    assert figures.measured_at.tzinfo == timezone.utc
    assert set(figures.as_dict()) == {"download_mbps", "upload_mbps", "ping_ms", "jitter_ms",
                                      "loaded_latency_ms", "server", "measured_at"}


def test_uploads_cut_by_the_deadline_still_get_receipts_and_count(monkeypatch):
    # speedtest-cli aborts uploads in flight at the deadline: their bytes crossed the link but got no
    # receipt, so the rate came out low (0.74 of curl at 5 Mbit/s). Chunked bodies end there instead.
    connect = speedtest_module._TrackedHTTPConnection.connect

    def connect_with_a_small_send_buffer(self):
        # Loopback lets the kernel buffer whole bodies; a slow link keeps them waiting in the sender.
        connect(self)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)

    monkeypatch.setattr(speedtest_module._TrackedHTTPConnection, "connect", connect_with_a_small_send_buffer)
    with slow_upload_server() as (url, handler):
        session = _Session(30)
        try:
            tester = PortalSpeedtest(session, url, transfer_seconds=1.0)
            tester.choose_server()
            size = max(PORTAL_UPLOAD_SIZES)  # 2 s each at 1 MB/s: every body is still going at the deadline
            tester.config.update(sizes={"upload": [size]}, counts={"upload": 10}, upload_max=10)
            tester.config["threads"]["upload"] = 8  # what speedtest-cli's download sets on any real link
            started = time.monotonic()
            bits_per_second = tester.upload()
            elapsed = time.monotonic() - started
        finally:
            session.stop_all()
    received = [count for _, count in handler.uploads]
    assert elapsed < 2.5
    assert all(headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in headers
               for headers, _ in handler.uploads)
    assert len(received) == PORTAL_UPLOAD_THREADS and all(0 < count < size for count in received), received
    assert tester.upload_measured_by == "server"
    assert tester.results.bytes_sent == sum(received)  # every request the server saw was counted
    assert handler.active[1] == PORTAL_UPLOAD_THREADS
    # 4 connections at 1 MB/s each; requests start and end a little apart, so the span is a bit longer.
    assert 0.7 * 4 * 8e6 < bits_per_second < 1.05 * 4 * 8e6


def test_a_server_that_is_not_listening_is_explained():
    baseline = client_threads()
    started = time.monotonic()
    with pytest.raises(SpeedtestUnavailable) as caught:
        run_speedtest(f"http://127.0.0.1:{free_port()}", timeout=10)
    assert time.monotonic() - started < 5
    assert "refused" in caught.value.message
    assert "portal is running" in caught.value.remedy
    assert_threads_back_to(baseline)


def test_a_stalled_server_fails_within_the_timeout_without_leaking_threads():
    baseline = client_threads()
    with silent_server() as url:
        started = time.monotonic()
        with pytest.raises(SpeedtestUnavailable) as caught:
            run_speedtest(url, timeout=4)
        elapsed = time.monotonic() - started
    assert elapsed <= 4.2
    assert "within 4 seconds" in caught.value.message and "stopped responding" in caught.value.message
    assert caught.value.remedy
    assert_threads_back_to(baseline)


def test_a_server_killed_mid_test_is_reported(tmp_path):
    baseline = client_threads()
    with portal_process(tmp_path) as (process, url):
        def kill_soon(phase, state, detail):
            if (phase, state) == ("download", "started"):
                threading.Timer(0.3, process.kill).start()

        started = time.monotonic()
        with pytest.raises(SpeedtestUnavailable) as caught:
            run_speedtest(url, timeout=20, transfer_seconds=5, on_phase=kill_soon)
        assert time.monotonic() - started < 20
    assert "download" in caught.value.message or "upload" in caught.value.message
    assert caught.value.remedy
    assert_threads_back_to(baseline)


def test_a_connection_dropped_mid_download_is_reported():
    baseline = client_threads()
    with misbehaving_server(drop=True) as url:
        with pytest.raises(SpeedtestUnavailable) as caught:
            run_speedtest(url, timeout=15, transfer_seconds=2)
    assert "closed the connection before sending the whole file" in caught.value.message
    assert "download" in caught.value.message
    assert_threads_back_to(baseline)


@pytest.mark.parametrize("status, words", [(403, "403 Forbidden"), (429, "429 Too Many Requests"),
                                           (503, "busy")])
def test_refusals_are_explained(status, words):
    with misbehaving_server(status=status) as url:
        with pytest.raises(SpeedtestUnavailable) as caught:
            run_speedtest(url, timeout=15, transfer_seconds=2)
    assert words in caught.value.message
    assert caught.value.remedy


def test_an_unusable_address_is_explained_before_any_network_use():
    with pytest.raises(SpeedtestUnavailable) as caught:
        run_speedtest("ftp://example.org")
    assert "http://" in caught.value.message


def test_without_a_network_the_public_test_says_so():
    # No internet here: DNS for www.speedtest.net fails, as it does on any offline computer.
    with pytest.raises(SpeedtestUnavailable) as caught:
        run_speedtest(None, timeout=10)
    assert "speedtest.net" in caught.value.message
    assert caught.value.remedy


@pytest.mark.parametrize("typed, base", [
    ("localhost:5000", "http://localhost:5000"), ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ("https://portal.example/speedtest/upload.php", "https://portal.example"),
    ("http://portal.example/sub/speedtest/", "http://portal.example/sub"),
])
def test_portal_addresses_are_normalised(typed, base):
    assert portal_base_url(typed) == base


@pytest.mark.parametrize("typed", ["ftp://x", "http://", "http://host:99999"])
def test_unusable_portal_addresses_are_refused(typed):
    with pytest.raises(ValueError):
        portal_base_url(typed)


def test_jitter_is_the_mean_absolute_difference_of_consecutive_samples():
    assert jitter_ms([10, 12, 11, 15]) == pytest.approx(7 / 3)
    assert jitter_ms([5]) == 0.0


def test_upload_bodies_kept_by_speedtest_cli_stay_within_the_memory_bound():
    sizes = [524288, 1048576, 7340032]  # speedtest.net's usual upload sizes, 17 of each
    allowed = bounded_upload_max(sizes, 17, 51)
    kept = [size for size in sizes for _ in range(17)][:allowed]
    assert sum(kept) <= MAX_UPLOAD_BYTES_PER_TEST < sum(kept) + 7340032
    assert bounded_upload_max([262144], 5, 3) == 3
