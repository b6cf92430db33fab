"""The /setup checker page, the workspace questionnaire and /setup/history."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from portal.extensions import db
from portal.setup import services
from portal.setup.models import WorkspaceCheck
from tests.conftest import csrf_token_from

FIGURES = {"download_mbps": 40.0, "upload_mbps": 8.0, "ping_ms": 25.0, "jitter_ms": 4.0, "loaded_latency_ms": 90.0}


def workspace_post(client, detected, **answers):
    token = csrf_token_from(client.get("/setup"))
    return client.post("/setup/workspace", data={"csrf_token": token, "detected": json.dumps(detected), **answers})


def user_id(app, username="ada"):
    from portal.accounts.models import User
    with app.app_context():
        return db.session.execute(db.select(User.id).where(User.username == username)).scalar_one()


def test_checker_page_for_an_anonymous_visitor(client):
    response = client.get("/setup")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'href="/setup"\s+aria-current="page">Setup check<', html)
    assert "nothing is saved" in html
    assert 'data-garbage-url="/speedtest/garbage"' in html and 'data-empty-url="/speedtest/empty"' in html
    assert 'data-results-url="/api/v1/setup/results"' in html
    assert 'aria-live="polite"' in html and 'id="speedtest-progress"' in html
    assert "js/setup/page.js" in html and "<script>" not in html and "<style" not in html
    for question in ("second monitor", "lower back", "quiet room", "headset"):
        assert question in html
    assert "Detected by your browser" in html and "You told us" in html


@pytest.mark.app_config(SETUP_TEST_SECONDS=2, SETUP_TEST_GRACE_UP=0.5)
def test_short_test_settings_reach_the_page(client):
    html = client.get("/setup").get_data(as_text=True)
    assert 'data-seconds="2"' in html and 'data-grace-up="0.5"' in html and 'data-streams-down="5"' in html


@pytest.mark.app_config(SETUP_SERVER_TEST=True)
def test_server_side_test_is_offered_to_a_local_visitor(client):
    assert 'id="server-test"' in client.get("/setup", base_url="http://localhost").get_data(as_text=True)
    assert 'id="server-test"' not in client.get("/setup", base_url="http://portal.example").get_data(as_text=True)


@pytest.mark.app_config(SETUP_SERVER_TEST=False)
def test_server_side_test_is_hidden_when_switched_off(client):
    assert 'id="server-test"' not in client.get("/setup", base_url="http://localhost").get_data(as_text=True)


def test_anonymous_workspace_check_shows_advice_and_saves_nothing(client, app):
    response = workspace_post(client, {"cpu_cores": 8, "screen_width": 1366, "screen_height": 768},
                              second_monitor="no", headset="yes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="workspace-report"' in html
    assert "keep the guidelines open" in html  # the advice for "no second monitor"
    assert "Cpu cores" in html and "1366" in html
    with app.app_context():
        assert db.session.execute(db.select(WorkspaceCheck)).first() is None


def test_logged_in_workspace_check_is_saved_and_shown_again(client, auth, app):
    auth.register()
    response = workspace_post(client, {"extended_display": True}, quiet_room="no")
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup#workspace")
    with app.app_context():
        check = services.workspace_for(user_id(app))
        assert check.detected == {"extended_display": True} and check.answers == {"quiet_room": "no"}
    html = client.get("/setup").get_data(as_text=True)
    assert "soft furnishings" in html
    assert re.search(r'value="no"[^>]*checked|checked[^>]*value="no"', html)


@pytest.mark.parametrize("detected", ['{"cpu_cores": -4}', '{"password": "x"}', "not json", '"text"'])
def test_bad_detected_facts_are_a_400_with_words(client, detected):
    token = csrf_token_from(client.get("/setup"))
    response = client.post("/setup/workspace", data={"csrf_token": token, "detected": detected})
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)


def test_workspace_post_without_csrf_is_refused(client, app):
    response = client.post("/setup/workspace", data={"detected": "{}", "headset": "yes"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(WorkspaceCheck)).first() is None


def test_history_needs_a_login(client):
    response = client.get("/setup/history")
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]


def add_results(app, username="ada", count=2):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    with app.app_context():
        return [services.record_result(user_id(app, username), {**FIGURES, "download_mbps": 40.0 + 10 * n},
                                       method="browser", client_measured=True,
                                       measured_at=start + timedelta(days=n))
                for n in range(count)]


def test_history_lists_results_with_a_chart_and_compares_two(client, auth, app):
    auth.register()
    first, second = add_results(app)
    html = client.get("/setup/history").get_data(as_text=True)
    assert html.count('data-download="') == 2 and 'id="history-chart"' in html
    assert "js/setup/history.js" in html
    compared = client.get("/setup/history", query_string={"first": second, "second": first})
    page = compared.get_data(as_text=True)
    assert compared.status_code == 200 and 'id="comparison"' in page
    assert re.search(r"Download</th><td>40.0 Mbps</td><td>50.0 Mbps</td>\s*<td>\+10.0 Mbps", page)
    assert "better" in page


def test_comparing_someone_elses_result_is_a_404(client, auth, app):
    auth.register(username="bob", email="bob@example.org")
    (bobs,) = add_results(app, "bob", count=1)
    auth.logout()
    auth.register()
    (mine,) = add_results(app, count=1)
    assert client.get("/setup/history", query_string={"first": mine, "second": bobs}).status_code == 404
    assert client.get("/setup/history", query_string={"first": mine, "second": 99999}).status_code == 404
