"""A real HTTP server on 127.0.0.1 for tests that fetch: fixtures, status codes, delays, drips.

    with LoopbackServer() as server:
        server.serve_fixture("/boards/northwind", "greenhouse/northwinddata_jobs.json")
        url = server.url("/boards/northwind")

Each path answers with one `Reply` (or the next of a sequence, the last one repeating). Replies
carrying an ETag or Last-Modified answer a matching conditional GET with 304. Every request is
recorded (path, headers, arrival time) so tests can check what the client sent and when.
"""

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONTENT_TYPES = {".json": "application/json", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
                 ".xml": "application/xml", ".html": "text/html; charset=utf-8"}


@dataclass
class Reply:
    """One response: status, headers and body, optionally delayed or dripped byte by byte."""

    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip_interval: float | None = None  # send the body one byte at a time, this far apart
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    filler_bytes: int = 0  # this many more bytes after `body`, generated as sent (a huge body costs no memory)
    etag: str | None = None
    last_modified: str | None = None
    gate: threading.Event | None = None  # hold the reply until the test sets this event (at most 30 s)


@dataclass
class RecordedRequest:
    """What the server saw: the path, the headers and when (time.monotonic)."""

    path: str
    headers: dict
    at: float


class LoopbackServer:
    """A threaded HTTP server on a free loopback port, configured per path."""

    def __init__(self):
        self._routes: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base_url + path

    def serve(self, path: str, *replies: Reply) -> str:
        """Answer `path` with these replies in turn (the last repeats); returns its URL."""
        with self._lock:
            self._routes[path] = list(replies)
            self._served[path] = 0
        return self.url(path)

    def serve_fixture(self, path: str, fixture: str, **reply_fields) -> str:
        """Answer `path` with a file under tests/jobs/fixtures, typed by its extension."""
        return self.serve_file(path, FIXTURES / fixture, **reply_fields)

    def serve_file(self, path: str, file_path: Path, **reply_fields) -> str:
        """Answer `path` with any file's bytes, typed by its extension."""
        headers = {"Content-Type": CONTENT_TYPES.get(file_path.suffix, "application/octet-stream")}
        headers.update(reply_fields.pop("headers", {}))
        return self.serve(path, Reply(body=file_path.read_bytes(), headers=headers, **reply_fields))

    def wait_for_hit(self, path: str, timeout: float = 30) -> bool:
        """Wait until `path` has been asked for at least once."""
        stop = time.monotonic() + timeout
        while time.monotonic() < stop:
            if self.hits(path):
                return True
            time.sleep(0.02)
        return False

    def hits(self, path: str) -> list[RecordedRequest]:
        """The requests that asked for `path`, in order."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            replies = self._routes.get(path)
            if not replies:
                return None
            index = min(self._served[path], len(replies) - 1)
            self._served[path] += 1
            return replies[index]

    def _record(self, path: str, headers: dict) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(path, headers, time.monotonic()))


def _make_handler(server: LoopbackServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (the http.server hook name)
            server._record(self.path, dict(self.headers.items()))
            reply = server._next_reply(self.path)
            if reply is None:
                reply = Reply(status=404, body=b'{"error": "not found"}',
                              headers={"Content-Type": "application/json"})
            if reply.gate is not None:
                reply.gate.wait(timeout=30)
            if reply.delay:
                time.sleep(reply.delay)
            if _conditional_match(reply, self.headers):
                self.send_response(304)
                self._validators(reply)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self._validators(reply)
            if reply.send_length:
                self.send_header("Content-Length", str(len(reply.body) + reply.filler_bytes))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                if reply.drip_interval is None:
                    self.wfile.write(reply.body)
                else:
                    for index in range(len(reply.body)):
                        self.wfile.write(reply.body[index:index + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip_interval)
                _send_filler(self.wfile, reply.filler_bytes)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _validators(self, reply: Reply) -> None:
            if reply.etag:
                self.send_header("ETag", reply.etag)
            if reply.last_modified:
                self.send_header("Last-Modified", reply.last_modified)

        def log_message(self, format, *args):
            pass  # keep test output clean

    return Handler


def _send_filler(stream, byte_count: int) -> None:
    """Write `byte_count` bytes of JSON-ish filler in 64 KB pieces."""
    piece = b" " * 65536
    while byte_count > 0:
        stream.write(piece[:byte_count])
        byte_count -= len(piece)


def _conditional_match(reply: Reply, headers) -> bool:
    """Whether the request's validators still match the reply (so 304 is the answer)."""
    if reply.status != 200:
        return False
    if reply.etag and headers.get("If-None-Match") == reply.etag:
        return True
    return bool(reply.last_modified and not reply.etag
                and headers.get("If-Modified-Since") == reply.last_modified)


def unused_port() -> int:
    """A loopback port nothing listens on, for 'connection refused'."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
