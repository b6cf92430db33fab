"""fetch() against a real HTTP server on 127.0.0.1: statuses, retries, limits and pacing."""

import time

import pytest

from portal.jobs.fetch import USER_AGENT, HostPacer, fetch
from tests.jobs.loopback import LoopbackServer, Reply, unused_port

JSON = "application/json"
QUICK = {"backoff": 0.01, "retries": 2}  # keep retry tests fast


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def test_200_returns_the_body_and_validators(server):
    url = server.serve_fixture("/jobs", "greenhouse/northwinddata_jobs.json",
                               etag='"v1"', last_modified="Tue, 03 Nov 2026 10:00:00 GMT")
    result = fetch(url, accept=JSON)
    assert result.ok and result.status == 200 and not result.not_modified
    assert result.body.startswith(b"{") and b"Northwind" in result.body
    assert result.etag == '"v1"' and result.last_modified == "Tue, 03 Nov 2026 10:00:00 GMT"
    assert result.final_url == url and result.attempts == 1
    sent = server.hits("/jobs")[0].headers
    assert sent["User-Agent"] == USER_AGENT and "AnnotatorPortal" in USER_AGENT
    assert sent["Accept"] == JSON


def test_conditional_get_with_etag_gives_not_modified(server):
    url = server.serve("/jobs", Reply(body=b"[]", etag='"abc"'))
    result = fetch(url, accept=JSON, etag='"abc"')
    assert result.ok and result.not_modified and result.status == 304 and result.body == b""
    assert server.hits("/jobs")[0].headers["If-None-Match"] == '"abc"'


def test_conditional_get_with_last_modified_gives_not_modified(server):
    stamp = "Wed, 04 Nov 2026 08:00:00 GMT"
    url = server.serve("/jobs", Reply(body=b"[]", last_modified=stamp))
    result = fetch(url, accept=JSON, last_modified=stamp)
    assert result.not_modified and result.error is None
    assert server.hits("/jobs")[0].headers["If-Modified-Since"] == stamp


def test_a_changed_etag_gets_the_new_body(server):
    url = server.serve("/jobs", Reply(body=b"[1]", etag='"new"'))
    result = fetch(url, accept=JSON, etag='"old"')
    assert result.body == b"[1]" and not result.not_modified and result.etag == '"new"'


def test_404_fails_at_once_with_a_plain_reason(server):
    url = server.serve_fixture("/missing", "greenhouse/board_not_found.json", status=404)
    result = fetch(url, accept=JSON, **QUICK)
    assert not result.ok and result.error == "HTTP 404 Not Found" and result.status == 404
    assert len(server.hits("/missing")) == 1  # other 4xx are never retried


def test_500_then_success_after_a_retry(server):
    url = server.serve("/flaky", Reply(status=500, body=b"oops"), Reply(body=b'{"jobs": []}'))
    result = fetch(url, accept=JSON, **QUICK)
    assert result.ok and result.body == b'{"jobs": []}' and result.attempts == 2
    assert len(server.hits("/flaky")) == 2


def test_persistent_503_gives_up_after_the_retries(server):
    url = server.serve("/down", Reply(status=503))
    result = fetch(url, accept=JSON, **QUICK)
    assert result.error == "HTTP 503 Service Unavailable" and result.attempts == 3
    assert len(server.hits("/down")) == 3


def test_429_waits_for_retry_after(server):
    url = server.serve("/busy", Reply(status=429, headers={"Retry-After": "1"}), Reply(body=b"[]"))
    started = time.monotonic()
    result = fetch(url, accept=JSON, **QUICK)
    assert result.ok and result.body == b"[]"
    first, second = server.hits("/busy")
    assert second.at - first.at >= 0.95
    assert time.monotonic() - started < 5


def test_a_long_retry_after_is_capped(server):
    url = server.serve("/busy", Reply(status=429, headers={"Retry-After": "3600"}), Reply(body=b"[]"))
    result = fetch(url, accept=JSON, retry_after_cap=0.2, **QUICK)
    assert result.ok
    first, second = server.hits("/busy")
    assert 0.15 <= second.at - first.at < 2


def test_retry_after_beyond_the_deadline_gives_up(server):
    url = server.serve("/busy", Reply(status=429, headers={"Retry-After": "30"}))
    started = time.monotonic()
    result = fetch(url, accept=JSON, deadline=2, **QUICK)
    assert result.error == "HTTP 429 Too Many Requests"
    assert time.monotonic() - started < 1.5


def test_redirects_are_followed(server):
    server.serve("/a", Reply(status=301, headers={"Location": "/b"}))
    server.serve("/b", Reply(status=302, headers={"Location": server.url("/c")}))
    server.serve("/c", Reply(body=b"done"))
    result = fetch(server.url("/a"), accept=JSON)
    assert result.ok and result.body == b"done" and result.final_url == server.url("/c")


def test_a_redirect_loop_is_refused(server):
    server.serve("/a", Reply(status=302, headers={"Location": "/b"}))
    server.serve("/b", Reply(status=302, headers={"Location": "/a"}))
    result = fetch(server.url("/a"), accept=JSON, **QUICK)
    assert result.error == f"redirect loop at {server.url('/a')}"
    assert len(server.hits("/a")) == 1


def test_too_many_redirects_are_refused(server):
    for index in range(5):
        server.serve(f"/r{index}", Reply(status=302, headers={"Location": f"/r{index + 1}"}))
    result = fetch(server.url("/r0"), accept=JSON, max_redirects=3, **QUICK)
    assert result.error == "more than 3 redirects"
    assert not server.hits("/r4")


def test_a_redirect_to_another_scheme_is_refused(server):
    url = server.serve("/a", Reply(status=302, headers={"Location": "file:///etc/passwd"}))
    result = fetch(url, accept=JSON)
    assert result.error == "redirected to a non-http(s) URL 'file:///etc/passwd'" and result.body == b""


def test_only_http_and_https_are_fetched():
    result = fetch("file:///etc/passwd", accept=JSON)
    assert result.error.startswith("only http and https URLs can be fetched") and result.attempts == 0


def test_a_silent_server_times_out(server):
    url = server.serve("/slow", Reply(body=b"[]", delay=1.5))
    started = time.monotonic()
    result = fetch(url, accept=JSON, timeout=0.3, retries=0)
    assert result.error == "timed out after 0.3 s"
    assert time.monotonic() - started < 1.2


def test_a_slow_loris_drip_is_cut_off_at_the_deadline(server):
    url = server.serve("/drip", Reply(body=b"x" * 1000, drip_interval=0.2))
    started = time.monotonic()
    result = fetch(url, accept=JSON, timeout=1, deadline=1.5, **QUICK)
    elapsed = time.monotonic() - started
    assert result.error == "timed out after 1.5 s" and result.body == b""
    assert 1.4 < elapsed < 3


def test_a_drip_before_the_headers_is_cut_off_too(server):
    url = server.serve("/drip", Reply(body=b"[]", delay=5))
    started = time.monotonic()
    result = fetch(url, accept=JSON, timeout=10, deadline=1, **QUICK)
    assert result.error == "timed out after 1 s"
    assert time.monotonic() - started < 2.5


def test_a_declared_oversize_body_is_refused_unread(server):
    url = server.serve("/huge", Reply(body=b"[", filler_bytes=1_000_000_000))
    started = time.monotonic()
    result = fetch(url, accept=JSON, max_bytes=5 * 1024 * 1024)
    assert result.error == "response larger than 5 MB" and result.body == b""
    assert time.monotonic() - started < 5


def test_an_undeclared_oversize_body_is_cut_at_the_cap(server):
    url = server.serve("/huge", Reply(body=b"[", filler_bytes=1_000_000_000, send_length=False))
    started = time.monotonic()
    result = fetch(url, accept=JSON, max_bytes=1024 * 1024)
    assert result.error == "response larger than 1 MB" and result.body == b""
    assert time.monotonic() - started < 5


def test_connection_refused_is_retried_then_reported():
    result = fetch(f"http://127.0.0.1:{unused_port()}/jobs", accept=JSON, **QUICK)
    assert result.error == "connection refused" and result.attempts == 3


def test_the_pacer_spaces_requests_to_one_host(server):
    pacer = HostPacer(min_interval=0.3)
    server.serve("/a", Reply(body=b"[]"))
    server.serve("/b", Reply(body=b"[]"))
    for path in ("/a", "/b", "/a"):
        assert fetch(server.url(path), accept=JSON, pacer=pacer).ok
    times = [request.at for request in server.requests]
    assert len(times) == 3
    assert all(later - earlier >= 0.28 for earlier, later in zip(times, times[1:]))


def test_the_pacer_does_not_hold_back_other_hosts():
    pacer = HostPacer(min_interval=0.5)
    assert pacer.wait("http://one.example/a") == 0
    assert pacer.wait("http://two.example/a") == 0
    assert pacer.wait("http://ONE.example/b") > 0.4
