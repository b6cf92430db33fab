"""speedtest-cli, wrapped: against speedtest.net or a portal's /speedtest/, bounded and plain-spoken.

`PortalSpeedtest` subclasses speedtest-cli's `Speedtest` (never a copy of it). Against a portal it
builds speedtest-cli's configuration locally and points at the portal's Mini endpoints; against
speedtest.net it uses HTTPS (plain HTTP is refused now). It adds what speedtest-cli lacks: jitter,
latency under load, upload measured where the portal receives it (the `X-Received-Bytes` and
`X-Receive-Seconds` receipts: speedtest-cli counts bytes handed to its own socket, which
over-reports slow uplinks), and one deadline for everything. Against a portal, upload bodies are
sent chunked and end at the test's deadline, so every request gets its receipt (speedtest-cli
aborts them instead, and an aborted request's bytes would use the link without being counted).
Every connection goes through a `_Session` that can shut all sockets at once, so speedtest-cli's
own threads end promptly when a test is stopped. Every failure becomes
`SpeedtestUnavailable(message, remedy)`. No Flask here.
"""

import errno
import http.client
import io
import os
import socket
import ssl
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit


def _import_speedtest_cli():
    """Import speedtest-cli without the UTF-8 writers it wraps around file descriptors 1 and 2.

    It makes them at import for its own command line, which the portal never uses; left alive they
    are reported as unclosed files when the interpreter exits.
    """
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()  # no fileno(), so speedtest-cli falls back to these
    try:
        import speedtest
    finally:
        sys.stdout, sys.stderr = saved
    speedtest._py3_utf8_stdout, speedtest._py3_utf8_stderr = sys.stdout, sys.stderr
    return speedtest


speedtest_cli = _import_speedtest_cli()

PHASES = ("configuration", "server", "ping", "download", "upload")
PHASE_LABELS = {"configuration": "Preparing the test", "server": "Choosing a server",
                "ping": "Measuring ping and jitter", "download": "Measuring download",
                "upload": "Measuring upload"}
DEFAULT_TIMEOUT = 60.0
SOCKET_TIMEOUT = 10.0
MAX_STOP_GRACE_SECONDS = 2.0
PING_SAMPLES = 10
SERVER_CHOICE_SAMPLES = 3
LOADED_SAMPLE_INTERVAL = 0.1
CANCEL_POLL_SECONDS = 0.1
MAX_UPLOAD_BYTES_PER_TEST = 64 * 1024 * 1024
# Enough bodies to keep a 100 Mbit/s link busy for the whole default test (15 x 3.75 MiB).
PORTAL_UPLOAD_COUNTS = 15
# speedtest-cli raises its upload threads to 8 after any download over 0.1 Mbit/s; a portal keeps 4.
PORTAL_UPLOAD_THREADS = 4
# speedtest.net's image sizes, which a portal serves with the same byte lengths.
DOWNLOAD_SIZES = [350, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000]
PORTAL_UPLOAD_SIZES = [262144, 524288, 1048576, 2097152]
PhaseCallback = Callable[[str, str, dict], None]


class SpeedtestUnavailable(Exception):
    """The test could not be run or finished: what happened, in plain words, and what to try next."""

    def __init__(self, message: str, remedy: str):
        super().__init__(message)
        self.message, self.remedy = message, remedy


@dataclass
class SpeedtestFigures:
    """One finished test: speeds in megabits per second, times in milliseconds, all from one server."""

    download_mbps: float
    upload_mbps: float
    ping_ms: float
    jitter_ms: float
    loaded_latency_ms: float | None
    server: str
    measured_at: datetime
    bytes_received: int = 0
    bytes_sent: int = 0
    upload_measured_by: str = "client"
    details: dict = field(default_factory=dict)

    def readiness_figures(self) -> dict:
        """The five figures the readiness rules and `services.record_result` take."""
        return {"download_mbps": self.download_mbps, "upload_mbps": self.upload_mbps,
                "ping_ms": self.ping_ms, "jitter_ms": self.jitter_ms,
                "loaded_latency_ms": self.loaded_latency_ms}

    def as_dict(self) -> dict:
        """JSON-able: the figures, the server and an ISO 8601 UTC timestamp."""
        return {**self.readiness_figures(), "server": self.server,
                "measured_at": self.measured_at.isoformat()}


def jitter_ms(samples_ms: list[float]) -> float:
    """Mean absolute difference between consecutive latency samples (0 for fewer than two)."""
    if len(samples_ms) < 2:
        return 0.0
    return sum(abs(b - a) for a, b in zip(samples_ms, samples_ms[1:])) / (len(samples_ms) - 1)


def portal_base_url(text: str) -> str:
    """The portal's root URL from what was typed ("host:port", ".../speedtest/"); ValueError if unusable."""
    text = text.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{text}' is not an http:// or https:// address of a portal")
    try:
        parts.port
    except ValueError:
        raise ValueError(f"'{text}' has an invalid port number") from None
    path = parts.path.rstrip("/")
    for suffix in ("/upload.php", "/latency.txt", "/speedtest"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def portal_config(transfer_seconds: float) -> dict:
    """speedtest-cli's `config`, built here instead of fetched from speedtest.net."""
    upload_counts = PORTAL_UPLOAD_COUNTS
    return {
        "client": {"ip": "", "isp": "", "lat": "0", "lon": "0", "country": ""},
        "ignore_servers": [],
        "sizes": {"download": list(DOWNLOAD_SIZES), "upload": list(PORTAL_UPLOAD_SIZES)},
        "counts": {"download": 2, "upload": upload_counts},
        "threads": {"download": 4, "upload": PORTAL_UPLOAD_THREADS},
        "length": {"download": transfer_seconds, "upload": transfer_seconds},
        "upload_max": upload_counts * len(PORTAL_UPLOAD_SIZES),
    }


def bounded_upload_max(sizes: list[int], counts: int, upload_max: int) -> int:
    """How many upload bodies fit in MAX_UPLOAD_BYTES_PER_TEST (speedtest-cli keeps each one it sends)."""
    total, allowed = 0, 0
    for size in (size for size in sizes for _ in range(counts)):
        total += size
        if allowed >= upload_max or total > MAX_UPLOAD_BYTES_PER_TEST:
            break
        allowed += 1
    return max(allowed, 1)


class _StopEvent(threading.Event):
    """speedtest-cli polls `isSet()`, which the standard library deprecates; answer it quietly."""

    def isSet(self) -> bool:  # noqa: N802 (speedtest-cli's name)
        return self.is_set()


@dataclass
class _Receipt:
    received: int
    seconds: float
    arrived: float


class _Session:
    """One run's deadline, stop signal, open sockets and what went wrong on the wire."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.stop = _StopEvent()
        self._sockets: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()
        self.faults: list[str] = []
        self.http_errors: list[tuple[str, int]] = []
        self.receipts: list[_Receipt] = []

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def socket_timeout(self) -> float:
        """Never wait on one socket longer than the test has left."""
        return max(0.5, min(SOCKET_TIMEOUT, self.remaining()))

    def track(self, sock) -> None:
        """Remember an open socket so `stop_all` can unblock whoever is reading it."""
        with self._lock:
            stopped = self.stop.is_set()
            if not stopped:
                self._sockets.add(sock)
        if stopped:
            sock.close()
            raise ConnectionAbortedError("the speed test was stopped")

    def note_fault(self, description: str) -> None:
        """Record a transfer that broke, unless the break was ours (the test being stopped)."""
        if not self.stop.is_set():
            with self._lock:
                self.faults.append(description)

    def stop_all(self) -> None:
        """Stop speedtest-cli's loops and shut every socket, so every blocked read returns now."""
        self.stop.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def opener(self, chunked_uploads: bool = False) -> urllib.request.OpenerDirector:
        """speedtest-cli's opener, but with tracked connections and a watcher on every response.

        With `chunked_uploads`, upload bodies go out chunked and end at the deadline (see `_ChunkedUploads`).
        """
        opener = urllib.request.OpenerDirector()
        opener.addheaders = [("User-agent", speedtest_cli.build_user_agent())]
        handlers = [urllib.request.ProxyHandler(), _TrackedHTTPHandler(self), _TrackedHTTPSHandler(self),
                    _ResponseWatcher(self), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor()]
        if chunked_uploads:
            handlers.append(_ChunkedUploads(self))
        for handler in handlers:
            opener.add_handler(handler)
        return opener


class _TrackedConnectionMixin:
    """Refuses to connect once the test is stopped, and registers each socket so stop() can close it."""

    def __init__(self, *args, session: _Session, **kwargs):
        self._session = session
        super().__init__(*args, **kwargs)

    def connect(self):
        if self._session.stop.is_set():
            raise ConnectionAbortedError("the speed test was stopped")
        try:
            super().connect()
        except OSError as error:
            self._session.note_fault(f"could not connect to {self.host}: {describe_os_error(error)}")
            raise
        self._session.track(self.sock)


class _TrackedHTTPConnection(_TrackedConnectionMixin, speedtest_cli.SpeedtestHTTPConnection):
    """speedtest-cli's HTTP connection, tracked."""


class _TrackedHTTPSConnection(_TrackedConnectionMixin, speedtest_cli.SpeedtestHTTPSConnection):
    """speedtest-cli's HTTPS connection, tracked."""


class _TrackedHTTPHandler(speedtest_cli.SpeedtestHTTPHandler):
    def __init__(self, session: _Session):
        super().__init__()
        self._session = session

    def http_open(self, req):
        def connection(host, **kwargs):
            kwargs["timeout"] = self._session.socket_timeout()
            return _TrackedHTTPConnection(host, session=self._session, **kwargs)
        return self.do_open(connection, req)


class _TrackedHTTPSHandler(speedtest_cli.SpeedtestHTTPSHandler):
    def __init__(self, session: _Session):
        super().__init__()
        self._session = session

    def https_open(self, req):
        def connection(host, **kwargs):
            kwargs["timeout"] = self._session.socket_timeout()
            return _TrackedHTTPSConnection(host, session=self._session, **kwargs)
        return self.do_open(connection, req)


class _BodyEndingAtDeadline:
    """An upload body that ends (reads b"") at speedtest-cli's deadline instead of raising.

    speedtest-cli's `HTTPUploaderData.read` raises SpeedtestUploadTimeout at the deadline, which aborts
    the request: its bytes crossed the link, but the server never answers with a receipt for them.
    Sent chunked, a body can simply stop there and the request completes with its receipt. A stopped
    test still raises, so its requests are abandoned at once.
    """

    def __init__(self, data, stop: threading.Event):
        self._data, self._stop = data, stop

    @property
    def total(self) -> list[int]:
        """speedtest-cli's count of bytes read, which `HTTPUploader.run` sums."""
        return self._data.total

    def read(self, size: int = -1) -> bytes:
        """The next slice of the body, or b"" once the upload test's time is up."""
        try:
            return self._data.read(size if size > 0 else 10240)
        except speedtest_cli.SpeedtestUploadTimeout:
            if self._stop.is_set():
                raise
            return b""


class _ChunkedUploads(urllib.request.BaseHandler):
    """Sends speedtest-cli's upload bodies chunked (no Content-length), ending at the deadline."""

    handler_order = 400  # before AbstractHTTPHandler.do_request_ (500) decides on the length headers

    def __init__(self, session: _Session):
        self._session = session

    def http_request(self, request):
        if isinstance(request.data, speedtest_cli.HTTPUploaderData):
            # Replacing `data` drops the Content-length header; a file-like body is then sent chunked.
            request.data = _BodyEndingAtDeadline(request.data, self._session.stop)
        return request

    https_request = http_request


class _ResponseWatcher(urllib.request.BaseHandler):
    """Sees every response before errors are raised: statuses, upload receipts, bodies cut short."""

    handler_order = 100  # before HTTPErrorProcessor (1000)

    def __init__(self, session: _Session):
        self._session = session

    def http_response(self, request, response):
        if response.status >= 400:
            with self._session._lock:
                self._session.http_errors.append((request.host, response.status))
        received = response.headers.get("X-Received-Bytes")
        seconds = response.headers.get("X-Receive-Seconds")
        if received is not None and seconds is not None:
            try:
                receipt = _Receipt(int(received), float(seconds), time.monotonic())
            except ValueError:
                pass
            else:
                with self._session._lock:
                    self._session.receipts.append(receipt)
        return _WatchedResponse(response, self._session, request.host)

    https_response = http_response


class _WatchedResponse:
    """A response whose reads report a body cut short (http.client returns b'' silently) or a stalled read."""

    def __init__(self, response, session: _Session, host: str):
        self._response, self._session, self._host = response, session, host

    def read(self, amount=None):
        try:
            data = self._response.read(amount)
        except (OSError, http.client.HTTPException) as error:
            self._session.note_fault(f"the connection to {self._host} broke: {describe_os_error(error)}")
            raise OSError(str(error)) from error
        if not data and amount and (self._response.length or 0) > 0:
            self._session.note_fault(f"{self._host} closed the connection before sending the whole file")
        return data

    def __getattr__(self, name):
        return getattr(self._response, name)


class _LatencyProbe:
    """HTTP round trips to latency.txt on one kept-alive connection; connecting is never timed."""

    def __init__(self, session: _Session, latency_url: str):
        self._session = session
        parts = urlsplit(latency_url)
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = parts.path
        self._connection = None
        self._count = 0

    def sample_ms(self) -> float:
        """One round trip in milliseconds; OSError or SpeedtestUnavailable when the answer is wrong."""
        if self._connection is None:
            cls = _TrackedHTTPSConnection if self._https else _TrackedHTTPConnection
            self._connection = cls(self._host, self._port, session=self._session,
                                   timeout=self._session.socket_timeout())
            self._connection.connect()
        self._count += 1
        try:
            started = time.perf_counter()
            self._connection.request("GET", f"{self._path}?x={int(time.time() * 1000)}.{self._count}",
                                     headers={"User-Agent": speedtest_cli.build_user_agent(),
                                              "Cache-Control": "no-cache"})
            response = self._connection.getresponse()
            body = response.read(64)
            elapsed = (time.perf_counter() - started) * 1000.0
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        if response.status != 200:
            with self._session._lock:
                self._session.http_errors.append((self._host, response.status))
            raise http_status_unavailable(self._host, response.status)
        if body.strip() != b"test=test":
            raise SpeedtestUnavailable(f"{self._host} answered, but not like a speed-test server.",
                                       "Check the address: it should be a portal or a speedtest.net server.")
        return elapsed

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _LoadedLatencySampler:
    """Pings in a background thread while a transfer runs: latency under load."""

    def __init__(self, session: _Session, latency_url: str):
        self._probe = _LatencyProbe(session, latency_url)
        self._session = session
        self._done = threading.Event()
        self.samples_ms: list[float] = []
        self._thread = threading.Thread(target=self._run, name="speedtest-loaded-latency", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        self._thread.join(timeout=self._session.socket_timeout() + 1)
        self._probe.close()

    def _run(self):
        while not (self._done.is_set() or self._session.stop.is_set()):
            try:
                self.samples_ms.append(self._probe.sample_ms())
            except (OSError, http.client.HTTPException, SpeedtestUnavailable):
                pass  # the transfer phase notices a dead server itself; a lost ping is one sample fewer
            self._done.wait(LOADED_SAMPLE_INTERVAL)


def describe_os_error(error: BaseException) -> str:
    """Short words for a socket-level error."""
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        error = error.reason if isinstance(error.reason, BaseException) else OSError(str(error.reason))
    if isinstance(error, socket.gaierror):
        return "the name could not be looked up"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "it did not answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "the connection was reset"
    if isinstance(error, ssl.SSLError):
        return f"the secure connection failed ({error.reason or error})"
    if isinstance(error, OSError) and error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "there is no route to it"
    return str(error) or type(error).__name__


def http_status_unavailable(host: str, status: int) -> SpeedtestUnavailable:
    """A plain explanation of an HTTP error status from a speed-test server."""
    if status == 403:
        return SpeedtestUnavailable(
            f"{host} refused the test (HTTP 403 Forbidden).",
            "Some servers refuse some clients or networks: try again later, or test against another server "
            "(a portal, with --server URL).")
    if status == 429:
        return SpeedtestUnavailable(f"{host} is limiting how often tests can run "
                                    "(HTTP 429 Too Many Requests).",
                                    "Wait a few minutes, then test again.")
    if status == 503:
        return SpeedtestUnavailable(f"{host} is busy with other tests (HTTP 503).",
                                    "Wait a minute, then test again.")
    if status == 404:
        return SpeedtestUnavailable(f"{host} has no speed-test endpoints (HTTP 404).",
                                    "Check the address: give the portal's own address, "
                                    "such as http://localhost:5000.")
    return SpeedtestUnavailable(f"{host} answered with an error (HTTP {status}).",
                                "Try again in a few minutes, or test against another server.")


def unavailable_from(error: BaseException, host: str, phase: str) -> SpeedtestUnavailable:
    """Turn anything speedtest-cli or the network raised into a message and a remedy."""
    if isinstance(error, SpeedtestUnavailable):
        return error
    if isinstance(error, speedtest_cli.ConfigRetrievalError) and error.args:
        error = error.args[0] if isinstance(error.args[0], BaseException) else error
    if isinstance(error, urllib.error.HTTPError):
        return http_status_unavailable(urlsplit(error.url or "").hostname or host, error.code)
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        return SpeedtestUnavailable(f"Could not look up {host}: this computer seems to be offline, "
                                    "or its DNS is not working.",
                                    "Check that this computer is connected (open any website), "
                                    "then try again.")
    if isinstance(reason, ConnectionRefusedError):
        return SpeedtestUnavailable(f"Nothing is answering at {host}: the connection was refused.",
                                    "Check the address, and that the portal is running there.")
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return SpeedtestUnavailable(f"{host} did not answer in time during the {phase} step.",
                                    "Check your connection, then try again or use another server.")
    if isinstance(reason, ssl.SSLError):
        return SpeedtestUnavailable(f"The secure connection to {host} failed ({reason.reason or reason}).",
                                    "Check this computer's date and time, and whether a firewall or proxy "
                                    "intercepts HTTPS.")
    if isinstance(reason, OSError):
        return SpeedtestUnavailable(f"The connection to {host} failed during the {phase} step: "
                                    f"{describe_os_error(reason)}.",
                                    "Check your connection, then try again.")
    if isinstance(error, (speedtest_cli.SpeedtestBestServerFailure, speedtest_cli.NoMatchedServers)):
        return SpeedtestUnavailable("None of the nearest speedtest.net servers answered.",
                                    "Try again in a few minutes, or test against a portal with --server URL.")
    if isinstance(error, speedtest_cli.SpeedtestException):
        return SpeedtestUnavailable(f"speedtest-cli could not run the {phase} step: "
                                    f"{error or type(error).__name__}.",
                                    "Try again in a few minutes, or test against a portal with --server URL.")
    return SpeedtestUnavailable(f"The {phase} step failed unexpectedly: {type(error).__name__}: {error}.",
                                "Try again; if it keeps failing, report this message.")


class PortalSpeedtest(speedtest_cli.Speedtest):
    """speedtest-cli aimed at a portal's /speedtest/ endpoints, or at speedtest.net over HTTPS."""

    def __init__(self, session: _Session, portal_url: str | None = None, *, transfer_seconds: float = 10.0):
        self._session = session
        self.portal_url = portal_url
        self._transfer_seconds = transfer_seconds
        self.upload_measured_by = "client"
        self.client_upload_bps = 0.0
        super().__init__(timeout=session.socket_timeout(), secure=portal_url is None,
                         shutdown_event=session.stop)

    def get_config(self):
        """Local configuration for a portal; else speedtest.net's, trimmed to our time and memory bounds."""
        self._opener = self._session.opener(chunked_uploads=self.portal_url is not None)
        if self.portal_url is None:
            config = super().get_config()
            config["length"] = {"download": min(config["length"]["download"], self._transfer_seconds),
                                "upload": min(config["length"]["upload"], self._transfer_seconds)}
        else:
            self.config.update(portal_config(self._transfer_seconds))
            self.lat_lon = (0.0, 0.0)
        config = self.config
        config["upload_max"] = bounded_upload_max(config["sizes"]["upload"], config["counts"]["upload"],
                                                  config["upload_max"])
        return self.config

    def choose_server(self) -> dict:
        """The portal itself, or the lowest-latency of the nearest speedtest.net servers."""
        if self.portal_url is None:
            self.get_closest_servers()  # fetches speedtest.net's list first
            return self.get_best_server(self.closest)
        self.servers = [{"sponsor": "Annotator Portal", "name": urlsplit(self.portal_url).netloc, "d": 0,
                         "url": f"{self.portal_url}/speedtest/upload.php", "latency": 0, "id": 0,
                         "host": urlsplit(self.portal_url).netloc}]
        return self.get_best_server(self.servers)

    def get_best_server(self, servers=None):
        """speedtest-cli's choice by latency, timed on kept-alive connections we can stop; real errors."""
        results, failures = {}, []
        servers = servers or self.closest
        for server in servers:
            probe = _LatencyProbe(self._session, self.latency_url(server))
            try:
                samples = [probe.sample_ms() for _ in range(SERVER_CHOICE_SAMPLES)]
            except (OSError, http.client.HTTPException, SpeedtestUnavailable) as error:
                failures.append(error)
                continue
            finally:
                probe.close()
            results.setdefault(statistics.median(samples), server)
        if not results:
            if failures:
                raise failures[-1]
            if self._session.http_errors:
                host, status = self._session.http_errors[-1]
                raise http_status_unavailable(host, status)
            raise speedtest_cli.SpeedtestBestServerFailure("Unable to connect to servers to test latency.")
        fastest = min(results)
        best = results[fastest]
        best["latency"] = fastest
        self.results.ping, self.results.server = fastest, best
        self._best.update(best)
        return best

    @staticmethod
    def latency_url(server: dict) -> str:
        return f"{os.path.dirname(server['url'])}/latency.txt"

    def upload(self, callback=speedtest_cli.do_nothing, pre_allocate=False, threads=None):
        """speedtest-cli's upload, then, where the server sent receipts, the rate the server saw.

        Bodies are always made as they are sent (never pre-allocated), so memory follows what is sent.
        Against a portal, PORTAL_UPLOAD_THREADS upload at once unless `threads` says otherwise.
        """
        if threads is None and self.portal_url is not None:
            threads = PORTAL_UPLOAD_THREADS
        with self._session._lock:
            self._session.receipts.clear()
        client_bps = self.client_upload_bps = super().upload(callback, pre_allocate=False, threads=threads)
        with self._session._lock:
            receipts = list(self._session.receipts)
        received = sum(receipt.received for receipt in receipts)
        if receipts and received:
            span = (max(receipt.arrived for receipt in receipts)
                    - min(receipt.arrived - receipt.seconds for receipt in receipts))
            if span > 0:
                self.results.upload = received * 8.0 / span
                self.results.bytes_sent = received
                self.upload_measured_by = "server"
                return self.results.upload
        return client_bps


class _Run:
    """One call of `run_speedtest`: its phases, each in a worker thread that the deadline can abandon."""

    def __init__(self, server: str | None, on_phase: PhaseCallback | None, timeout: float,
                 transfer_seconds: float | None, cancel: threading.Event | None):
        self.session = _Session(timeout)
        self.cancel = cancel or threading.Event()
        self.portal_url = portal_base_url(server) if server else None
        self.host = urlsplit(self.portal_url).netloc if self.portal_url else "www.speedtest.net"
        self.on_phase = on_phase or (lambda phase, state, detail: None)
        self.transfer_seconds = transfer_seconds or max(1.0, min(10.0, timeout / 6))
        self.tester: PortalSpeedtest | None = None
        self.grace = min(MAX_STOP_GRACE_SECONDS, timeout / 10)  # kept back to stop threads within `timeout`

    def phase(self, name: str, work: Callable[[], dict], *, measures: bool = True) -> dict:
        """Run one phase within the deadline; report it; raise SpeedtestUnavailable when it fails.

        A measuring phase fails on any broken transfer or error status; choosing a server may
        pass over candidates that fail.
        """
        self.on_phase(name, "started", {"label": PHASE_LABELS[name]})
        with self.session._lock:
            self.session.faults.clear()
            self.session.http_errors.clear()
        outcome: dict = {}

        def target():
            try:
                outcome["detail"] = work()
            except BaseException as error:  # everything is reported in plain words by the caller
                outcome["error"] = error

        worker = threading.Thread(target=target, name=f"speedtest-{name}", daemon=True)
        worker.start()
        while worker.is_alive() and not self.cancel.is_set() and self.session.remaining() > self.grace:
            worker.join(min(CANCEL_POLL_SECONDS, self.session.remaining() - self.grace))
        if worker.is_alive():
            self.session.stop_all()
            worker.join(self.grace)
            if self.cancel.is_set():
                raise SpeedtestUnavailable("The test was cancelled.", "Start it again when you are ready.")
            raise SpeedtestUnavailable(
                f"The test did not finish within {self.session.timeout:.0f} seconds: {self.host} stopped "
                f"responding while {PHASE_LABELS[name].lower()}.",
                "Check your connection and try again; if it keeps happening, try another server.")
        if "error" in outcome:
            raise unavailable_from(outcome["error"], self.host, name)
        if measures:
            self.check_faults(name)
        detail = outcome["detail"]
        self.on_phase(name, "finished", {"label": PHASE_LABELS[name], **detail})
        return detail

    def check_faults(self, name: str) -> None:
        if self.session.faults:
            raise SpeedtestUnavailable(
                f"The {name} test was interrupted: {self.session.faults[0]}.",
                "Run the test again; if it keeps happening, the connection or the server is unstable.")
        if self.session.http_errors:
            raise http_status_unavailable(*self.session.http_errors[-1])

    def configure(self) -> dict:
        self.tester = PortalSpeedtest(self.session, self.portal_url, transfer_seconds=self.transfer_seconds)
        return {"target": self.portal_url or "speedtest.net"}

    def choose_server(self) -> dict:
        best = self.tester.choose_server()
        return {"server": self.server_name(best)}

    def ping(self) -> dict:
        probe = _LatencyProbe(self.session, PortalSpeedtest.latency_url(self.tester.best))
        try:
            samples = [probe.sample_ms() for _ in range(PING_SAMPLES)]
        finally:
            probe.close()
        return {"ping_ms": round(statistics.median(samples), 2), "jitter_ms": round(jitter_ms(samples), 2)}

    def transfer(self, phase: str, measure: Callable[[], float], loaded: list[float]) -> dict:
        with _LoadedLatencySampler(self.session, PortalSpeedtest.latency_url(self.tester.best)) as sampler:
            bits_per_second = measure()
        loaded.extend(sampler.samples_ms)
        self.confirm_alive(phase)
        if bits_per_second <= 0:
            self.check_faults(phase)
            raise SpeedtestUnavailable(f"{self.host} sent or accepted no data: there is nothing to measure.",
                                       "Try again in a minute; if it keeps happening, try another server.")
        return {f"{phase}_mbps": round(bits_per_second / 1e6, 2)}

    def confirm_alive(self, phase: str) -> None:
        """A server killed mid-transfer only shows as errors speedtest-cli swallows; ask it directly."""
        probe = _LatencyProbe(self.session, PortalSpeedtest.latency_url(self.tester.best))
        try:
            probe.sample_ms()
        except (OSError, http.client.HTTPException) as error:
            raise SpeedtestUnavailable(f"{self.host} stopped answering during the {phase} test "
                                       f"({describe_os_error(error)}).",
                                       "Check that the server is still running, then test again.") from None
        finally:
            probe.close()

    @staticmethod
    def server_name(server: dict) -> str:
        host = urlsplit(server["url"]).netloc
        return f"{server.get('sponsor', '')} ({server.get('name', '')}) {host}".strip()

    def run(self) -> SpeedtestFigures:
        self.phase("configuration", self.configure, measures=False)
        server = self.phase("server", self.choose_server, measures=False)["server"]
        pinged = self.phase("ping", self.ping)
        loaded: list[float] = []
        download = self.phase("download", lambda: self.transfer("download", self.tester.download, loaded))
        upload = self.phase("upload", lambda: self.transfer("upload", self.tester.upload, loaded))
        results = self.tester.results
        return SpeedtestFigures(
            download_mbps=download["download_mbps"], upload_mbps=upload["upload_mbps"],
            ping_ms=pinged["ping_ms"], jitter_ms=pinged["jitter_ms"],
            loaded_latency_ms=round(statistics.median(loaded), 2) if loaded else None,
            server=self.portal_url or server, measured_at=datetime.now(timezone.utc),
            bytes_received=int(results.bytes_received), bytes_sent=int(results.bytes_sent),
            upload_measured_by=self.tester.upload_measured_by,
            details={"server_name": server, "loaded_samples": len(loaded),
                     "client_upload_mbps": round(self.tester.client_upload_bps / 1e6, 2)})


def run_speedtest(server: str | None = None, *, on_phase: PhaseCallback | None = None,
                  timeout: float = DEFAULT_TIMEOUT, transfer_seconds: float | None = None,
                  cancel: threading.Event | None = None) -> SpeedtestFigures:
    """Measure against a portal (`server` is its address) or speedtest.net (None), within `timeout` seconds.

    `on_phase(phase, state, detail)` hears each phase of PHASES start and finish, in the
    caller's thread; setting `cancel` stops the test early. `transfer_seconds` caps each of
    download and upload (default: a sixth of `timeout`, at most 10). Raises only
    SpeedtestUnavailable; every thread it started has ended or been cut loose when it returns.
    """
    try:
        run = _Run(server, on_phase, timeout, transfer_seconds, cancel)
    except ValueError as error:
        raise SpeedtestUnavailable(str(error),
                                   "Give the portal's address, such as http://localhost:5000.") from None
    try:
        return run.run()
    finally:
        run.session.stop_all()
