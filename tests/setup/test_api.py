"""The setup JSON API: validation both ways, anonymous reports not saved, CSRF, ownership, rate limit."""

import pytest

from portal.extensions import db
from portal.setup.models import SpeedTestResult
from tests.conftest import csrf_token_from

RESULTS = "/api/v1/setup/results"
REPORT = "/api/v1/setup/report"
FIGURES = {"download_mbps": 95.2, "upload_mbps": 18.4, "ping_ms": 12.0, "jitter_ms": 1.5,
           "loaded_latency_ms": 48.0}
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


def stored(app) -> list:
    with app.app_context():
        return db.session.execute(db.select(SpeedTestResult)).scalars().all()


def logged_in_token(client, auth) -> str:
    auth.register()  # registering logs the new user in
    return csrf_token_from(client.get("/setup"))


def test_anonymous_result_gets_the_full_report_and_is_not_saved(client, app):
    response = client.post(RESULTS, json=FIGURES)
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["id"] is None and payload["saved"] is False
    assert len(payload["readiness"]["profiles"]) == 5
    assert payload["readiness"]["bufferbloat"]["grade"] == "B"  # 36 ms added
    assert stored(app) == []


def test_logged_in_result_is_saved_as_client_measured_with_details(client, auth, app):
    token = logged_in_token(client, auth)
    body = {**FIGURES, "upload_server_mbps": 18.4, "upload_measured_by": "server", "streams_down": 5,
            "streams_up": 3, "loaded_latency_down_ms": 40.0, "loaded_latency_up_ms": 56.0, "server": "localhost:5000"}
    response = client.post(RESULTS, json=body, headers={"X-CSRFToken": token, "User-Agent": CHROME})
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["saved"] is True
    (result,) = stored(app)
    assert result.id == payload["id"]
    assert result.method == "browser" and result.client_measured is True
    assert result.upload_server_mbps == 18.4 and result.loaded_latency_up_ms == 56.0
    assert result.user_agent == "Chrome 126 on Linux"
    listed = client.get(RESULTS).get_json()["results"]
    assert [item["id"] for item in listed] == [result.id]
    assert listed[0]["download_mbps"] == 95.2


def test_logged_in_result_without_csrf_header_is_refused_and_not_saved(client, auth, app):
    logged_in_token(client, auth)
    response = client.post(RESULTS, json=FIGURES)
    assert response.status_code == 400
    assert response.get_json()["field"] == "X-CSRFToken"
    assert stored(app) == []


@pytest.mark.parametrize("change, field, words", [
    ({"download_mbps": -5}, "download_mbps", "negative"),
    ({"upload_mbps": 1e12}, "upload_mbps", "beyond any real connection"),
    ({"ping_ms": "fast"}, "ping_ms", "must be a number"),
    ({"jitter_ms": True}, "jitter_ms", "must be a number"),
    ({"loaded_latency_ms": None, "jitter_ms": None}, "jitter_ms", "required"),
    ({"streams_down": 0}, "streams_down", "whole number from 1 to 64"),
    ({"user_agent": "Netscape"}, "user_agent", "not a field"),
    ({"colour": "blue"}, "colour", "not a field"),
])
def test_bad_figures_are_400_naming_the_field(client, auth, app, change, field, words):
    token = logged_in_token(client, auth)
    response = client.post(RESULTS, json={**FIGURES, **change}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["field"] == field and words in payload["error"]
    assert stored(app) == []


def test_missing_field_and_nan_in_raw_json_are_400(client):
    body = {k: v for k, v in FIGURES.items() if k != "ping_ms"}
    response = client.post(RESULTS, json=body)
    assert (response.status_code, response.get_json()["field"]) == (400, "ping_ms")
    raw = '{"download_mbps": NaN, "upload_mbps": 1, "ping_ms": 1, "jitter_ms": 1, "loaded_latency_ms": 2}'
    response = client.post(RESULTS, data=raw, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["field"] == "download_mbps"


@pytest.mark.parametrize("data, content_type, status", [
    ("not json", "application/json", 400), ("[1, 2]", "application/json", 400),
    ("download_mbps=5", "application/x-www-form-urlencoded", 415)])
def test_bodies_that_are_not_json_objects(client, data, content_type, status):
    response = client.post(RESULTS, data=data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"]


def test_history_needs_a_login(client):
    response = client.get(RESULTS)
    assert response.status_code == 401 and "log in" in response.get_json()["error"]


def test_history_lists_only_the_users_own_results(client, auth, app):
    token = logged_in_token(client, auth)
    client.post(RESULTS, json=FIGURES, headers={"X-CSRFToken": token})
    auth.logout()
    auth.register(username="bob", email="bob@example.org")
    assert client.get(RESULTS).get_json()["results"] == []


def test_stateless_report_for_one_profile(client, app):
    response = client.post(REPORT, json={**FIGURES, "profile": "team_calls"})
    assert response.status_code == 200
    (profile,) = response.get_json()["readiness"]["profiles"]
    assert profile["id"] == "team_calls" and profile["verdict"] == "pass"
    assert stored(app) == []


def test_stateless_report_unknown_profile_is_400_listing_valid_ones(client):
    response = client.post(REPORT, json={**FIGURES, "profile": "knitting"})
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["field"] == "profile" and "team_calls" in payload["error"]


@pytest.mark.app_config(SETUP_RESULT_RATE_LIMIT="2 per minute")
def test_result_posting_is_rate_limited(client):
    statuses = [client.post(RESULTS, json=FIGURES).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.post(REPORT, json=FIGURES).status_code == 200  # the stateless report is not limited
