"""Polite, bounded HTTP GETs of job-source endpoints.

Every fetch is capped in time (connect and read timeouts, and a total deadline that also cuts off
a server dripping a byte a second), in size (a streamed body cap), and in redirects; it retries
connection errors, 429 and 5xx with exponential back-off and jitter, sends conditional headers, and
spaces requests to one host with a `HostPacer`. Failures come back as a plain `error` string,
never an exception. Pure: no Flask, no database.
"""

import email.utils
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

USER_AGENT = "AnnotatorPortal/1.0 (job board refresh; one request per host every few seconds)"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
DEADLINE = 60.0  # seconds for the whole fetch: every attempt, redirect and back-off
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
RETRIES = 3  # attempts after the first
BACKOFF_BASE = 1.0  # seconds before the first retry; doubled each time, with jitter
RETRY_AFTER_CAP = 60.0  # a Retry-After longer than this is shortened to it
CHUNK_BYTES = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ALLOWED_SCHEMES = ("http", "https")


@dataclass
class FetchResult:
    """What one fetch produced: the body on success, `not_modified` on a 304, else `error`."""

    url: str
    final_url: str
    status: int | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """Whether the source answered usefully (a body, or 'not modified')."""
        return self.error is None


class HostPacer:
    """Keeps at least `min_interval` seconds between the starts of requests to one host."""

    def __init__(self, min_interval: float = 2.0):
        self.min_interval = min_interval
        self._next_allowed: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Sleep until the host of `url` may be asked again; returns the seconds slept."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_allowed.get(host, now))
            self._next_allowed[host] = start + self.min_interval
        delay = start - now
        if delay > 0:
            time.sleep(delay)
        return delay


class _RetryableFailure(Exception):
    """An attempt failed in a way worth retrying; `wait` is a server-requested delay, if any."""

    def __init__(self, reason: str, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait


class _FinalFailure(Exception):
    """An attempt failed in a way a retry cannot fix."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def fetch(url: str, *, accept: str, etag: str | None = None, last_modified: str | None = None,
          connect_timeout: float = CONNECT_TIMEOUT, timeout: float = READ_TIMEOUT,
          max_bytes: int = MAX_BYTES, deadline: float = DEADLINE, max_redirects: int = MAX_REDIRECTS,
          retries: int = RETRIES, backoff: float = BACKOFF_BASE, retry_after_cap: float = RETRY_AFTER_CAP,
          pacer: HostPacer | None = None) -> FetchResult:
    """GET a source endpoint within the time, size and redirect limits; never raises for network trouble."""
    result = FetchResult(url=url, final_url=url)
    if _scheme(url) not in ALLOWED_SCHEMES:
        result.error = f"only http and https URLs can be fetched, not '{url[:100]}'"
        return result
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    watchdog = _Watchdog(deadline)
    session = requests.Session()
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    limits = _Limits(connect_timeout, timeout, max_bytes, max_redirects)
    try:
        with watchdog:
            for attempt in range(retries + 1):
                result.attempts = attempt + 1
                try:
                    _attempt(session, url, headers, limits, watchdog, pacer, result)
                    return result
                except _FinalFailure as failure:
                    result.status, result.error = failure.status, failure.reason
                    return result
                except _RetryableFailure as failure:
                    result.status, result.error = failure.status, failure.reason
                    if attempt == retries:
                        return result
                    pause = _backoff_delay(attempt, backoff) if failure.wait is None \
                        else min(failure.wait, retry_after_cap)
                    if pause >= watchdog.remaining():
                        return result
                    time.sleep(pause)
        return result
    finally:
        session.close()
        if watchdog.fired and result.error is not None:
            result.body, result.not_modified = b"", False
            result.error = f"timed out after {_seconds(deadline)} s"


@dataclass(frozen=True)
class _Limits:
    connect_timeout: float
    read_timeout: float
    max_bytes: int
    max_redirects: int


def _attempt(session: requests.Session, url: str, headers: dict, limits: _Limits, watchdog: "_Watchdog",
             pacer: HostPacer | None, result: FetchResult) -> None:
    """One try, following redirects; fills `result` on success, raises a failure otherwise."""
    current, visited = url, {url}
    for _ in range(limits.max_redirects + 1):
        if pacer is not None:
            pacer.wait(current)
        if watchdog.remaining() <= 0:
            raise _FinalFailure(f"timed out after {_seconds(watchdog.deadline)} s")
        response = _get(session, current, headers, limits, watchdog)
        with response:
            if response.status_code in REDIRECT_STATUSES and response.headers.get("Location"):
                target = urljoin(current, response.headers["Location"])
                if _scheme(target) not in ALLOWED_SCHEMES:
                    raise _FinalFailure(f"redirected to a non-http(s) URL '{target[:100]}'")
                if target in visited:
                    raise _FinalFailure(f"redirect loop at {target[:200]}")
                visited.add(target)
                current = target
                continue
            result.final_url = current
            result.status = response.status_code
            _read_response(response, limits.max_bytes, watchdog, result)
            return
    raise _FinalFailure(f"more than {limits.max_redirects} redirects")


def _get(session: requests.Session, url: str, headers: dict, limits: _Limits,
         watchdog: "_Watchdog") -> requests.Response:
    """Send the request; map connection trouble to failures with a plain reason."""
    try:
        return session.get(url, headers=headers, stream=True, allow_redirects=False,
                           timeout=(limits.connect_timeout, limits.read_timeout))
    except requests.exceptions.ConnectTimeout:
        raise _RetryableFailure(f"could not connect within {_seconds(limits.connect_timeout)} s") from None
    except requests.exceptions.ReadTimeout:
        raise _RetryableFailure(f"timed out after {_seconds(limits.read_timeout)} s") from None
    except requests.exceptions.InvalidURL as error:
        raise _FinalFailure(f"invalid URL: {error}") from None
    except requests.exceptions.ConnectionError as error:
        if watchdog.fired:
            raise _FinalFailure(f"timed out after {_seconds(watchdog.deadline)} s") from None
        raise _RetryableFailure(_connection_reason(error)) from None
    except requests.exceptions.RequestException as error:
        raise _FinalFailure(f"request failed: {error}") from None


def _read_response(response: requests.Response, max_bytes: int, watchdog: "_Watchdog",
                   result: FetchResult) -> None:
    """Classify the status and stream the body within the size cap."""
    status = response.status_code
    if status == 304:
        result.not_modified = True
        result.etag = response.headers.get("ETag")
        result.last_modified = response.headers.get("Last-Modified")
        return
    if status in RETRY_STATUSES:
        wait = _retry_after_seconds(response.headers.get("Retry-After")) if status in (429, 503) else None
        raise _RetryableFailure(_status_reason(status, response.reason), status, wait)
    if status >= 400 or status < 200:
        raise _FinalFailure(_status_reason(status, response.reason), status)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _FinalFailure(f"response larger than {_size(max_bytes)}", status)
    chunks, received = [], 0
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            received += len(chunk)
            if received > max_bytes:
                raise _FinalFailure(f"response larger than {_size(max_bytes)}", status)
            chunks.append(chunk)
    except requests.exceptions.RequestException as error:
        if watchdog.fired:
            raise _FinalFailure(f"timed out after {_seconds(watchdog.deadline)} s", status) from None
        if isinstance(error, requests.exceptions.ConnectionError) and "Read timed out" in str(error):
            raise _RetryableFailure("timed out while reading the response", status) from None
        raise _RetryableFailure(f"connection broken while reading the response ({type(error).__name__})",
                                status) from None
    result.body = b"".join(chunks)
    result.etag = response.headers.get("ETag")
    result.last_modified = response.headers.get("Last-Modified")
    result.error = None


def _connection_reason(error: Exception) -> str:
    """A short reason for a failed connection: refused, unknown host, reset, TLS."""
    text = str(error)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "Temporary failure in name" in text:
        return "host name not found"
    if "SSL" in text or "certificate" in text:
        return "TLS error: " + text[-200:]
    if "reset" in text.lower() or "RemoteDisconnected" in text or "aborted" in text.lower():
        return "connection closed by the server"
    return "connection failed: " + text[-200:]


def _status_reason(status: int, reason: str | None) -> str:
    """'HTTP 404 Not Found': the code and its standard phrase."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or ""
    return f"HTTP {status} {phrase}".rstrip()


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (a number or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _backoff_delay(attempt: int, base: float) -> float:
    """Exponential back-off with jitter, so many fetchers do not retry in step."""
    return base * (2 ** attempt) * random.uniform(0.5, 1.5)


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def _seconds(value: float) -> str:
    return f"{value:g}"


def _size(byte_count: int) -> str:
    """'5 MB' for 5 MiB; smaller caps in KB or bytes."""
    if byte_count >= 1024 * 1024:
        return f"{byte_count / (1024 * 1024):g} MB"
    if byte_count >= 1024:
        return f"{byte_count / 1024:g} KB"
    return f"{byte_count} bytes"


# --- the deadline watchdog -------------------------------------------------------------------------
# Socket timeouts bound each read, not the whole response: a server that sends one byte a second
# never trips them. The watchdog remembers every socket the fetch opens and shuts them all down
# when the deadline passes, which wakes the blocked read wherever it is (headers or body).

_active = threading.local()


class _Watchdog:
    """Shuts down the fetch's sockets once `deadline` seconds have passed."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._timer = threading.Timer(deadline, self._fire)
        self._timer.daemon = True

    def __enter__(self):
        self._started = time.monotonic()
        _active.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        _active.watchdog = None

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - (time.monotonic() - self._started)

    def watch(self, sock: socket.socket) -> None:
        """Track a newly connected socket (shut it at once if the deadline already passed)."""
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to wake


def _register_socket(sock) -> None:
    watchdog = getattr(_active, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self):
        super().connect()
        _register_socket(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self):
        super().connect()
        _register_socket(self.sock)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """A requests adapter whose connections report their sockets to the active watchdog."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
