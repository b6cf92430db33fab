"""speedtest-cli run by the portal itself, for a visitor on the same computer, streamed as server-sent events.

When the portal runs on the user's own machine, the test the server runs measures the user's
own connection, with no browser in the way. Offered only to loopback visitors who reached the
portal by a loopback name (so a reverse proxy on the same host does not make every visitor
"local"), and only when SETUP_SERVER_TEST is on. One test at a time per process.
"""

import ipaddress
import json
import queue
import threading

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from portal.setup.speedtest import SpeedtestUnavailable, run_speedtest

RUN_LOCK = threading.Lock()
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
KEEPALIVE_SECONDS = 15


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The Host header without its port ("[::1]:5000" -> "[::1]")."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0]


def server_test_available(req=None) -> bool:
    """True when the /setup page may offer the server-side test to this request."""
    req = req or request
    return bool(current_app.config["SETUP_SERVER_TEST"] and is_loopback(req.remote_addr)
                and host_name(req.host).lower() in LOOPBACK_HOSTS)


def sse(event: str, payload: dict) -> str:
    """One server-sent event with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(payload)}\n\n"


def refusal() -> str | None:
    """Why this request may not start a test, or None when it may."""
    if not current_app.config["SETUP_SERVER_TEST"]:
        return "The server-side test is switched off here (SETUP_SERVER_TEST). Use the test in your browser."
    if not server_test_available():
        return ("The server-side test runs only for a visitor on the computer the portal runs on, "
                "opened as http://localhost. Use the test in your browser.")
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.args.get("csrf_token"))
        except (ValidationError, CSRFError):
            return "This page has expired. Reload it, then start the test again."
    return None


def finish(app, figures, user_id: int | None) -> dict:
    """The final event: figures, S2's readiness report, and whether the result was stored."""
    from portal.setup import services
    from portal.setup.readiness import Figures, readiness_report

    payload = {**figures.as_dict(), "readiness": readiness_report(Figures(**figures.readiness_figures())),
               "saved": False, "result_id": None}
    if user_id is not None:
        with app.app_context():
            payload["result_id"] = services.record_result(
                user_id, figures.readiness_figures(), method="speedtest-cli", client_measured=False,
                details={"server": figures.server[:200], "upload_measured_by": figures.upload_measured_by})
            payload["saved"] = True
    return payload


def run_in_background(app, events: queue.Queue, cancel: threading.Event, user_id: int | None) -> None:
    """The worker: run the test, feed every phase to `events`, end with one final event, free the lock."""
    def on_phase(phase, state, detail):
        events.put(("phase", {"phase": phase, "state": state, **detail}))

    try:
        figures = run_speedtest(app.config["SETUP_SERVER_TEST_TARGET"] or None, on_phase=on_phase,
                                timeout=app.config["SETUP_SERVER_TEST_TIMEOUT"],
                                cancel=cancel)
        events.put(("result", finish(app, figures, user_id)))
    except SpeedtestUnavailable as error:
        events.put(("failed", {"message": error.message, "remedy": error.remedy}))
    except Exception:  # a broken readiness rule or database must still end the stream with words, not silence
        app.logger.exception("server-side speed test failed")
        events.put(("failed", {"message": "The test ran, but its result could not be judged or saved.",
                               "remedy": "Try again; if it keeps failing, report it."}))
    finally:
        events.put(None)
        RUN_LOCK.release()


def event_stream(events: queue.Queue, cancel: threading.Event):
    """Relay the worker's events; a comment line keeps idle connections open; closing cancels the test."""
    try:
        while True:
            try:
                item = events.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                yield ": still testing\n\n"
                continue
            if item is None:
                return
            yield sse(*item)
    finally:
        cancel.set()


def events_response():
    """The text/event-stream response for GET /speedtest/server-test/events."""
    reason = refusal()
    if reason is not None:
        return current_app.response_class(sse("refused", {"message": reason}), status=403,
                                          mimetype="text/event-stream")
    if not RUN_LOCK.acquire(blocking=False):  # a 200, since EventSource hides the body of any other status
        return current_app.response_class(
            sse("busy", {"message": "A speed test is already running on this computer. "
                                    "Wait for it to finish, then start another."}),
            mimetype="text/event-stream")
    events, cancel = queue.Queue(), threading.Event()
    user_id = current_user.id if current_user.is_authenticated else None
    app = current_app._get_current_object()
    try:
        threading.Thread(target=run_in_background, args=(app, events, cancel, user_id),
                         name="server-speedtest", daemon=True).start()
    except BaseException:
        RUN_LOCK.release()
        raise
    response = current_app.response_class(event_stream(events, cancel), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    response.call_on_close(cancel.set)
    return response
