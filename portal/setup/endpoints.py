"""The portal as a speed-test server: speedtest.net "Mini" and LibreSpeed-compatible endpoints.

Nothing here changes state, so the blueprint is CSRF-exempt. Responses are never cached or
compressed (`Cache-Control: no-store, no-transform`), downloads are incompressible bytes cut from
one random block made once per process, and uploads are read in slices and thrown away. Each
process runs at most SPEEDTEST_MAX_CONCURRENT transfers at once (others get a 503 with
Retry-After) and stops any transfer after SPEEDTEST_MAX_SECONDS.
"""

import ipaddress
import os
import random
import threading
import time
from functools import cache

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.setup import server_test

speedtest_bp = Blueprint("speedtest", __name__, url_prefix="/speedtest")

# speedtest.net's random{N}x{N}.jpg files, byte for byte the lengths its servers send.
MINI_IMAGE_BYTES = {
    350: 245388, 500: 505544, 750: 1118012, 1000: 1986284, 1500: 4468241,
    2000: 7907740, 2500: 12407926, 3000: 17816816, 3500: 24262167, 4000: 31625365,
}
MEBIBYTE = 1024 * 1024
BLOCK_BYTES = MEBIBYTE
SEND_SLICE_BYTES = 128 * 1024
READ_SLICE_BYTES = 64 * 1024
GARBAGE_DEFAULT_CHUNKS = 4
GARBAGE_MAX_CHUNKS = 100
UPLOAD_MAX_BYTES = 64 * MEBIBYTE
RETRY_AFTER_SECONDS = 5
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0, no-transform"


@cache
def random_block() -> bytes:
    """One block of random bytes per process, re-sent at varying offsets by every download."""
    return os.urandom(BLOCK_BYTES)


def incompressible_bytes(length: int, deadline: float | None = None, rng: random.Random | None = None):
    """Yield `length` random bytes in slices, each slice from a fresh offset; stop at `deadline`.

    Every slice starts at its own random offset, so repeats of the block never line up at a
    fixed period, and never overlaps the slice before it, so a compressor's window (zlib's is
    32 KiB) never sees the same bytes twice; memory stays at one block whatever the length.
    """
    block, rng = random_block(), rng or random.Random()
    remaining, previous = length, None
    while remaining > 0:
        if deadline is not None and time.monotonic() > deadline:
            return
        size = min(SEND_SLICE_BYTES, remaining)
        offset = rng.randrange(BLOCK_BYTES - size + 1)
        while previous is not None and abs(offset - previous) < SEND_SLICE_BYTES:
            offset = rng.randrange(BLOCK_BYTES - size + 1)
        yield block[offset:offset + size]
        remaining, previous = remaining - size, offset


def drain_body(stream, deadline: float) -> tuple[int, float]:
    """Read and discard a request body in slices: (bytes received, seconds from first read to last byte).

    The clock starts when the portal begins reading, right after the request headers arrived,
    so even a body that fits in one slice has a duration to divide by.
    """
    received = 0
    started = finished = time.monotonic()
    while True:
        chunk = stream.read(READ_SLICE_BYTES)
        if not chunk:
            break
        received += len(chunk)
        finished = time.monotonic()
        if finished > deadline:
            break
    return received, finished - started


def describe_address(address: str) -> str:
    """LibreSpeed's wording for addresses that no ISP lookup could describe."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown address"
    if ip.is_loopback:
        return f"localhost IPv{ip.version} access"
    if ip.is_link_local:
        return "link-local IPv6 access" if ip.version == 6 else "link-local IPv4 access"
    if ip.is_private:
        return "private IPv6 access" if ip.version == 6 else "LAN access"
    return f"IPv{ip.version} access"


class TransferSlots:
    """At most `limit` transfers at once in this process; a slot is released exactly once."""

    def __init__(self, limit: int):
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)

    def try_acquire(self):
        """A release function when a slot is free, else None."""
        if not self._semaphore.acquire(blocking=False):
            return None
        lock, released = threading.Lock(), [False]

        def release():
            with lock:
                if not released[0]:
                    released[0] = True
                    self._semaphore.release()
        return release


class ServerBusy(HTTPException):
    """Every transfer slot is taken: the client should come back shortly."""

    code = 503


def speedtest_error(status: int, message: str):
    """Errors here are JSON `{"error", "field"}` like the API, since only scripts read them."""
    response = jsonify({"error": message, "field": None})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@speedtest_bp.errorhandler(ServerBusy)
def handle_busy(error):
    limit = current_app.extensions["speedtest_slots"].limit
    return speedtest_error(503, f"The speed-test server is busy: {limit} tests are already running. "
                                f"Try again in {RETRY_AFTER_SECONDS} seconds.")


@speedtest_bp.errorhandler(413)
def handle_too_large(error):
    return speedtest_error(413, f"Upload bodies are limited to {UPLOAD_MAX_BYTES // MEBIBYTE} MiB "
                                "per request. Send smaller pieces.")


@speedtest_bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Pragma"] = "no-cache"
    return response


def acquire_slot():
    """A release function for one transfer slot, or ServerBusy (a 503) when all are taken."""
    release = current_app.extensions["speedtest_slots"].try_acquire()
    if release is None:
        raise ServerBusy()
    return release


def transfer_deadline() -> float:
    return time.monotonic() + current_app.config["SPEEDTEST_MAX_SECONDS"]


def streamed_download(length: int, content_type: str, **headers):
    """A response that streams `length` random bytes while holding a transfer slot."""
    release = acquire_slot()
    try:
        response = current_app.response_class(
            incompressible_bytes(length, transfer_deadline()), mimetype=content_type)
        response.content_length = length
        response.headers.update(headers)
        response.call_on_close(release)
    except BaseException:
        release()
        raise
    return response


def received_upload():
    """Read the body (up to UPLOAD_MAX_BYTES) within a slot: (bytes, seconds) for the headers."""
    release = acquire_slot()
    try:
        request.max_content_length = UPLOAD_MAX_BYTES
        return drain_body(request.stream, transfer_deadline())
    finally:
        release()


def with_receipt(response, received: int, seconds: float):
    response.headers["X-Received-Bytes"] = str(received)
    response.headers["X-Receive-Seconds"] = f"{seconds:.6f}"
    return response


def plain(text: str):
    return current_app.response_class(text, mimetype="text/plain")


@speedtest_bp.get("/latency.txt")
def latency():
    return plain("test=test")


@speedtest_bp.get("/random<int:size>x<int:height>.jpg")
def mini_image(size, height):
    if size != height or size not in MINI_IMAGE_BYTES:
        return speedtest_error(404, "No such test image: sizes are " + ", ".join(map(str, MINI_IMAGE_BYTES)))
    return streamed_download(MINI_IMAGE_BYTES[size], "image/jpeg")


@speedtest_bp.route("/upload.php", methods=["GET", "POST"])
def mini_upload():
    if request.method == "GET":  # speedtest-cli's --mini probe checks that upload.php answers size=N
        return plain("size=0")
    received, seconds = received_upload()
    return with_receipt(plain(f"size={received}"), received, seconds)


@speedtest_bp.get("/garbage")
def garbage():
    text = request.args.get("ckSize", str(GARBAGE_DEFAULT_CHUNKS))
    if not text.isdigit() or not 1 <= int(text) <= GARBAGE_MAX_CHUNKS:
        return speedtest_error(400, f"ckSize must be a whole number of MiB from 1 to {GARBAGE_MAX_CHUNKS}.")
    return streamed_download(int(text) * MEBIBYTE, "application/octet-stream",
                             **{"Content-Disposition": "attachment; filename=random.dat"})


@speedtest_bp.route("/empty", methods=["GET", "POST", "OPTIONS"])
def empty():
    response = current_app.response_class(b"", mimetype="text/plain")
    if request.method == "POST":
        received, seconds = received_upload()
        with_receipt(response, received, seconds)
    return response


@speedtest_bp.get("/getIP")
def get_ip():
    address = request.remote_addr or "unknown"
    return jsonify({"processedString": f"{address} - {describe_address(address)}", "rawIspInfo": ""})


@speedtest_bp.get("/server-test/events")
def server_test_events():
    return server_test.events_response()


def init_app(app):
    """Register the endpoints, exempt them from CSRF and give this app its transfer slots."""
    from portal.extensions import csrf

    app.extensions["speedtest_slots"] = TransferSlots(app.config["SPEEDTEST_MAX_CONCURRENT"])
    csrf.exempt(speedtest_bp)
    app.register_blueprint(speedtest_bp)
