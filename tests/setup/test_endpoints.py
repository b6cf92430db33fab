"""The /speedtest/ endpoints: exact sizes, incompressible bytes, limits, and upload receipts."""

import contextlib
import http.client
import os
import random
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
import requests

from portal.setup.endpoints import (MEBIBYTE, MINI_IMAGE_BYTES, UPLOAD_MAX_BYTES, describe_address,
                                    incompressible_bytes, random_block)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def streamed_length(response) -> int:
    """Count a streamed body without holding it, then close it (which frees its transfer slot)."""
    try:
        return sum(len(chunk) for chunk in response.response)
    finally:
        response.close()


@pytest.mark.parametrize("size", sorted(MINI_IMAGE_BYTES))
def test_mini_images_have_speedtest_net_byte_lengths(client, size):
    response = client.get(f"/speedtest/random{size}x{size}.jpg", buffered=False)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(MINI_IMAGE_BYTES[size])
    assert response.mimetype == "image/jpeg"
    assert streamed_length(response) == MINI_IMAGE_BYTES[size]


def test_unknown_image_size_is_a_clear_404(client):
    response = client.get("/speedtest/random600x600.jpg")
    assert response.status_code == 404
    assert "350" in response.get_json()["error"]


def test_downloads_are_incompressible_and_not_periodic(client):
    data = client.get("/speedtest/garbage?ckSize=3").get_data()
    assert len(data) == 3 * MEBIBYTE
    assert len(zlib.compress(data, 9)) / len(data) > 0.99
    assert data[:MEBIBYTE] != data[MEBIBYTE:2 * MEBIBYTE]  # the block is re-sent at new offsets, not repeated


def test_incompressible_bytes_stop_at_the_deadline():
    assert b"".join(incompressible_bytes(5 * MEBIBYTE, deadline=time.monotonic() - 1)) == b""
    assert len(b"".join(incompressible_bytes(1000))) == 1000


def test_garbage_defaults_to_four_mebibytes_and_refuses_bad_sizes(client):
    response = client.get("/speedtest/garbage", buffered=False)
    assert response.headers["Content-Length"] == str(4 * MEBIBYTE)
    assert streamed_length(response) == 4 * MEBIBYTE
    for bad in ("0", "101", "abc", "-1"):
        refused = client.get(f"/speedtest/garbage?ckSize={bad}")
        assert refused.status_code == 400
        assert "ckSize" in refused.get_json()["error"]


def test_every_answer_forbids_caching_and_transformation(client):
    for url in ("/speedtest/latency.txt", "/speedtest/empty", "/speedtest/getIP"):
        response = client.get(url)
        assert "no-store" in response.headers["Cache-Control"]
        assert "no-transform" in response.headers["Cache-Control"]
        assert "Content-Encoding" not in response.headers


def test_latency_and_mini_probe_answer_like_speedtest_mini(client):
    assert client.get("/speedtest/latency.txt").get_data() == b"test=test"
    assert client.get("/speedtest/upload.php").get_data() == b"size=0"


def test_upload_php_reports_size_and_receipt_without_a_csrf_token(client, app):
    assert app.config["WTF_CSRF_ENABLED"] is not False
    body = b"content1=" + b"0" * (3 * MEBIBYTE)  # three times the portal's usual 1 MiB body limit
    response = client.post("/speedtest/upload.php", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.get_data() == f"size={len(body)}".encode()
    assert response.headers["X-Received-Bytes"] == str(len(body))
    assert float(response.headers["X-Receive-Seconds"]) >= 0


def test_empty_takes_get_post_and_options(client):
    assert client.get("/speedtest/empty").get_data() == b""
    assert client.options("/speedtest/empty").status_code == 200
    posted = client.post("/speedtest/empty", data=b"x" * 200_000, content_type="application/octet-stream")
    assert posted.status_code == 200 and posted.get_data() == b""
    assert posted.headers["X-Received-Bytes"] == "200000"


def test_huge_body_over_real_http_gets_413_not_a_reset(live_server):  # noqa: F811
    connection = http.client.HTTPConnection("127.0.0.1", live_server.server_port, timeout=10)
    connection.putrequest("POST", "/speedtest/upload.php")
    connection.putheader("Content-Length", str(UPLOAD_MAX_BYTES + 1))
    connection.endheaders(b"x" * 65536)
    response = connection.getresponse()
    assert response.status == 413
    assert "64 MiB" in response.read().decode()
    connection.close()


def test_upload_receipt_over_real_http(live_server):  # noqa: F811
    body = bytes(8 * MEBIBYTE)
    response = requests.post(live_server.url + "/speedtest/empty", data=body, timeout=10)
    assert response.status_code == 200
    assert int(response.headers["X-Received-Bytes"]) == len(body)
    seconds = float(response.headers["X-Receive-Seconds"])
    assert 0 < seconds < 10


def post_chunked(port: int, path: str, pieces: list[bytes]) -> http.client.HTTPResponse:
    """POST `pieces` with Transfer-Encoding: chunked and no Content-Length, as the CLI's uploads go."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body=iter(pieces), encode_chunked=True,
                       headers={"Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@contextlib.contextmanager
def gunicorn_portal(tmp_path):
    """The portal under gunicorn (gthread, as deployed and benchmarked) on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    factory = ("portal.app:create_app({'SECRET_KEY': '" + "k" * 40 + "', "
               f"'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/g.db'}})")
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path)}
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--workers", "1",
                               "--worker-class", "gthread", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                               factory], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, "gunicorn exited before answering"
            try:
                if requests.get(f"http://127.0.0.1:{port}/speedtest/latency.txt", timeout=1).ok:
                    break
            except requests.RequestException:
                pass  # still starting: workers load the app before they answer
            assert time.monotonic() < deadline, "gunicorn did not answer within 20 s"
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(10)


CHUNKED_PIECES = [os.urandom(10240) for _ in range(150)] + [b"x" * 7]  # pieces of odd and even sizes


def assert_chunked_receipts(port: int) -> None:
    expected = sum(map(len, CHUNKED_PIECES))
    for path in ("/speedtest/upload.php", "/speedtest/empty"):
        response = post_chunked(port, path, CHUNKED_PIECES)
        assert response.status == 200, path
        assert response.headers["X-Received-Bytes"] == str(expected), path
        assert float(response.headers["X-Receive-Seconds"]) > 0, path


def test_chunked_uploads_get_full_receipts_from_the_dev_server(live_server):  # noqa: F811
    # The CLI sends its upload bodies chunked and ends them at the deadline; each must get a receipt.
    assert_chunked_receipts(live_server.server_port)


def test_chunked_uploads_get_full_receipts_from_gunicorn(tmp_path):
    with gunicorn_portal(tmp_path) as port:
        assert_chunked_receipts(port)


@pytest.mark.app_config(SPEEDTEST_MAX_CONCURRENT=2)
def test_over_capacity_gets_503_with_retry_after_until_a_slot_frees(client):
    first = client.get("/speedtest/garbage?ckSize=1", buffered=False)
    second = client.get("/speedtest/random350x350.jpg", buffered=False)
    refused = client.get("/speedtest/garbage?ckSize=1")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"].isdigit()
    assert "busy" in refused.get_json()["error"]
    assert client.post("/speedtest/upload.php", data=b"x").status_code == 503
    assert client.get("/speedtest/latency.txt").status_code == 200  # pings are never refused
    streamed_length(first)
    assert client.post("/speedtest/upload.php", data=b"x").status_code == 200
    streamed_length(second)
    assert streamed_length(client.get("/speedtest/garbage?ckSize=1", buffered=False)) == MEBIBYTE


@pytest.mark.app_config(SPEEDTEST_MAX_SECONDS=0.2)
def test_a_transfer_stops_after_the_time_cap(client):
    response = client.get("/speedtest/garbage?ckSize=100", buffered=False)
    received = 0
    for chunk in response.response:
        received += len(chunk)
        time.sleep(0.3)
    response.close()
    assert 0 < received < 100 * MEBIBYTE


def test_get_ip_has_librespeeds_shape(client):
    payload = client.get("/speedtest/getIP").get_json()
    assert set(payload) == {"processedString", "rawIspInfo"}
    assert payload["processedString"] == "127.0.0.1 - localhost IPv4 access"
    assert payload["rawIspInfo"] == ""


@pytest.mark.parametrize("address, words", [
    ("::1", "localhost IPv6 access"), ("192.168.1.20", "LAN access"),
    ("169.254.3.4", "link-local IPv4 access"), ("8.8.8.8", "IPv4 access"), ("nonsense", "unknown address"),
])
def test_addresses_are_described_like_librespeed(address, words):
    assert describe_address(address) == words


def test_consecutive_slices_never_overlap_so_no_compressor_window_sees_a_repeat():
    for seed in range(50):
        offsets, block = [], random_block()
        for piece in incompressible_bytes(40 * 128 * 1024, rng=random.Random(seed)):
            offsets.append(block.find(piece))
        assert all(abs(a - b) >= 128 * 1024 for a, b in zip(offsets, offsets[1:]))
