"""The server-side speedtest-cli run, streamed as server-sent events to a visitor on the same computer."""

import json
import time

import pytest
import requests

from portal.setup import server_test
from portal.setup.speedtest import PHASES
from tests.conftest import CSRF_INPUT, csrf_token_from
from tests.setup.loopback import silent_server

EVENTS_URL = "/speedtest/server-test/events"


def parse_events(lines) -> list[tuple[str, dict]]:
    """Server-sent events as (name, payload) pairs; comment lines are skipped."""
    events, name, data = [], None, None
    for line in lines:
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data = json.loads(line[len("data: "):])
        elif line == "" and name is not None:
            events.append((name, data))
            name, data = None, None
    return events


def browser_session(base_url: str) -> tuple[requests.Session, str]:
    """A requests session holding a portal session cookie and its CSRF token."""
    session = requests.Session()
    page = session.get(base_url + "/accounts/login", timeout=10)
    return session, CSRF_INPUT.search(page.text).group(1)


def stream_events(live, session, token) -> list[tuple[str, dict]]:
    live.app.config.update(SETUP_SERVER_TEST_TARGET=live.url, SETUP_SERVER_TEST_TIMEOUT=15)
    url = live.url + EVENTS_URL
    with session.get(url, params={"csrf_token": token}, stream=True, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return parse_events(response.iter_lines(decode_unicode=True))


@pytest.mark.app_config(SETUP_SERVER_TEST=True)
def test_stream_reports_each_phase_then_figures_and_readiness(live_server):  # noqa: F811
    session, token = browser_session(live_server.url)
    events = stream_events(live_server, session, token)
    phases = [(payload["phase"], payload["state"]) for name, payload in events if name == "phase"]
    assert phases == [(phase, state) for phase in PHASES for state in ("started", "finished")]
    name, final = events[-1]
    assert name == "result"
    assert final["download_mbps"] > 0 and final["upload_mbps"] > 0 and final["ping_ms"] > 0
    assert final["server"] == live_server.url
    assert isinstance(final["readiness"], dict) and final["readiness"]
    assert final["saved"] is False and final["result_id"] is None


@pytest.mark.app_config(SETUP_SERVER_TEST=True)
def test_a_logged_in_visitor_gets_the_result_stored(live_server):  # noqa: F811
    session, token = browser_session(live_server.url)
    form = session.get(live_server.url + "/accounts/register", timeout=10).text
    registered = session.post(live_server.url + "/accounts/register", timeout=10, data={
        "csrf_token": CSRF_INPUT.search(form).group(1), "username": "ada", "email": "ada@example.org",
        "password": "correct horse battery", "confirm": "correct horse battery"})
    assert registered.status_code == 200
    token = CSRF_INPUT.search(session.get(live_server.url + "/accounts/login", timeout=10).text).group(1)
    name, final = stream_events(live_server, session, token)[-1]
    assert name == "result"
    assert final["saved"] is True and isinstance(final["result_id"], int)


@pytest.mark.app_config(SETUP_SERVER_TEST=True)
@pytest.mark.parametrize("address, base_url", [("203.0.113.9", "http://localhost"),
                                               ("127.0.0.1", "http://portal.example")])
def test_visitors_from_elsewhere_are_refused(client, address, base_url):
    token = csrf_token_from(client.get("/accounts/login", base_url=base_url))
    response = client.get(EVENTS_URL, query_string={"csrf_token": token}, base_url=base_url,
                          environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 403
    [(name, payload)] = parse_events(response.get_data(as_text=True).split("\n"))
    assert name == "refused" and "computer the portal runs on" in payload["message"]
    assert not server_test.RUN_LOCK.locked()


@pytest.mark.app_config(SETUP_SERVER_TEST=True)
def test_a_request_without_the_pages_token_is_refused(client):
    response = client.get(EVENTS_URL)
    assert response.status_code == 403
    assert "Reload" in response.get_data(as_text=True)


def test_switched_off_outside_development(client, app):
    assert app.config["SETUP_SERVER_TEST"] is False
    response = client.get(EVENTS_URL)
    assert response.status_code == 403
    assert "switched off" in response.get_data(as_text=True)


@pytest.mark.app_config(SETUP_SERVER_TEST=True)
def test_availability_needs_loopback_address_and_loopback_host(app):
    for address, base_url, expected in [
        ("127.0.0.1", "http://localhost", True), ("127.0.0.1", "http://127.0.0.1:5000", True),
        ("::1", "http://[::1]:5000", True), ("192.168.1.4", "http://localhost", False),
        ("127.0.0.1", "http://portal.example", False),
    ]:
        with app.test_request_context(base_url=base_url, environ_base={"REMOTE_ADDR": address}):
            assert server_test.server_test_available() is expected, (address, base_url)


@pytest.mark.app_config(SETUP_SERVER_TEST=True, SETUP_SERVER_TEST_TIMEOUT=20)
def test_one_test_at_a_time_and_closing_the_stream_cancels_it(client, app):
    token = csrf_token_from(client.get("/accounts/login"))
    with silent_server() as stalled:
        app.config["SETUP_SERVER_TEST_TARGET"] = stalled
        first = client.get(EVENTS_URL, query_string={"csrf_token": token}, buffered=False)
        assert first.status_code == 200
        second = client.get(EVENTS_URL, query_string={"csrf_token": token})
        assert second.status_code == 200
        [(name, payload)] = parse_events(second.get_data(as_text=True).split("\n"))
        assert name == "busy" and "already running" in payload["message"]
        first.close()
        deadline = time.monotonic() + 5
        while server_test.RUN_LOCK.locked() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not server_test.RUN_LOCK.locked()
