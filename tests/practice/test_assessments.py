"""Assessment mode: server-chosen items, server-enforced time limit, grading, cooldown, certificates."""

import re
import threading
from datetime import timedelta

import pytest

from portal.db_types import utcnow
from portal.extensions import db
from portal.practice import services
from portal.practice.models import Assessment, Attempt, Certificate
from tests.conftest import csrf_token_from


def start(client):
    token = csrf_token_from(client.get("/practice/bbox/assessment"))
    response = client.post("/practice/bbox/assessment", data={"csrf_token": token})
    assert response.status_code == 302, response.data
    assessment_id = int(re.search(r"/practice/assessments/(\d+)", response.headers["Location"]).group(1))
    return assessment_id, csrf_token_from(client.get(f"/practice/assessments/{assessment_id}"))


def perfect_answers(app, assessment_id):
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        return [{"objects": [{"bbox": o["bbox"], "label": o["label"]} for o in item.gold["objects"]]}
                for item in services.assessment_items(assessment)]


def save(client, token, assessment_id, position, answer):
    return client.put(f"/api/v1/assessments/{assessment_id}/answers/{position}", json={"answer": answer},
                      headers={"X-CSRFToken": token})


def submit(client, token, assessment_id):
    return client.post(f"/api/v1/assessments/{assessment_id}/submit", json={}, headers={"X-CSRFToken": token})


def test_starting_needs_an_account(client):
    page = client.get("/practice/bbox/assessment").get_data(as_text=True)
    assert "Log in to take the test" in page
    assert client.get("/api/v1/assessments/1").status_code == 401


def test_test_payload_hides_gold_and_has_a_server_deadline(client, auth):
    auth.register()
    assessment_id, _ = start(client)
    body = client.get(f"/api/v1/assessments/{assessment_id}").get_json()
    assert body["status"] == "in_progress"
    assert body["item_count"] == 10 and len(body["items"]) == 10
    assert [item["difficulty"] for item in body["items"]] == ["easy"] * 3 + ["medium"] * 5 + ["hard"] * 2
    assert 0 < body["seconds_left"] <= 30 * 60
    assert "gold" not in str(body) and "score" not in body


def test_passing_earns_a_public_certificate(client, auth, app):
    auth.register(username="grace")
    assessment_id, token = start(client)
    answers = perfect_answers(app, assessment_id)
    for position, answer in enumerate(answers):
        assert save(client, token, assessment_id, position, answer).get_json() == {"saved": True, "position": position}
    body = submit(client, token, assessment_id).get_json()
    assert body["status"] == "submitted" and body["passed"] is True and body["score"] == 1.0
    with app.app_context():
        assert db.session.query(Attempt).filter_by(mode="assessment").count() == 10
    review = client.get(body["review_url"]).get_data(as_text=True)
    assert "Passed: you are qualified!" in review
    assert review.count('class="review-item"') == 10
    auth.logout()
    certificate = client.get(body["certificate_url"])  # anyone may verify it, logged in or not
    assert certificate.status_code == 200
    page = certificate.get_data(as_text=True)
    assert "grace" in page and "Bounding boxes" in page and "100%" in page
    token_part = body["certificate_url"].rsplit("/", 1)[1]
    assert len(token_part) >= 32


def test_no_feedback_until_submitted_then_review_shows_mistakes(client, auth):
    auth.register()
    assessment_id, token = start(client)
    response = save(client, token, assessment_id, 0, {"objects": [{"bbox": [1, 1, 30, 30], "label": "car"}]})
    assert set(response.get_json()) == {"saved", "position"}
    review_before = client.get(f"/practice/assessments/{assessment_id}/review")
    assert review_before.status_code == 302
    body = submit(client, token, assessment_id).get_json()
    assert body["passed"] is False
    review = client.get(body["review_url"]).get_data(as_text=True)
    assert "Not passed this time" in review
    assert "Missed a" in review and "Nothing to label here" in review


def test_answers_after_submission_and_second_submission_are_refused(client, auth, app):
    auth.register()
    assessment_id, token = start(client)
    assert submit(client, token, assessment_id).status_code == 200
    again = submit(client, token, assessment_id)
    assert again.status_code == 409 and "already been submitted" in again.get_json()["error"]
    late = save(client, token, assessment_id, 0, {"objects": []})
    assert late.status_code == 409
    with app.app_context():
        assert db.session.query(Attempt).count() == 10
        assert db.session.query(Certificate).count() == 0


def test_time_limit_is_enforced_by_the_server(client, auth, app):
    auth.register()
    assessment_id, token = start(client)
    answers = perfect_answers(app, assessment_id)
    save(client, token, assessment_id, 0, answers[0])
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assessment.deadline_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    late = save(client, token, assessment_id, 1, answers[1])
    assert late.status_code == 403 and "time limit" in late.get_json()["error"]
    assert submit(client, token, assessment_id).status_code == 409
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.status == "expired"
        assert assessment.score == pytest.approx(0.1)  # only the answer saved in time counts


def test_abandoned_test_is_graded_when_next_opened(client, auth, app):
    auth.register()
    assessment_id, _ = start(client)
    with app.app_context():
        db.session.get(Assessment, assessment_id).deadline_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get(f"/practice/assessments/{assessment_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    assert client.get(f"/api/v1/assessments/{assessment_id}").get_json()["status"] == "expired"


def test_retake_cooldown_is_enforced(client, auth):
    auth.register()
    start(client)
    token = csrf_token_from(client.get("/practice/bbox/assessment"))
    page = client.get("/practice/bbox/assessment").get_data(as_text=True)
    assert "You can retake this test after" in page
    response = client.post("/practice/bbox/assessment", data={"csrf_token": token})
    assert response.status_code == 200
    assert "cooldown" in response.get_data(as_text=True)


@pytest.mark.app_config(ASSESSMENT_COOLDOWN_SECONDS=0, ASSESSMENT_ITEM_COUNT=3)
def test_cooldown_and_item_count_are_settings(client, auth):
    auth.register()
    first, _ = start(client)
    second, _ = start(client)
    assert second != first
    assert client.get(f"/api/v1/assessments/{second}").get_json()["item_count"] == 3


def test_other_users_cannot_see_or_touch_an_assessment(client, auth, app):
    auth.register(username="owner", email="owner@example.org")
    assessment_id, _ = start(client)
    auth.logout()
    auth.register(username="intruder", email="intruder@example.org")
    token = csrf_token_from(client.get("/practice/bbox"))
    assert client.get(f"/api/v1/assessments/{assessment_id}").status_code == 404
    assert save(client, token, assessment_id, 0, {"objects": []}).status_code == 404
    assert submit(client, token, assessment_id).status_code == 404
    assert client.get(f"/practice/assessments/{assessment_id}").status_code == 404
    assert client.get(f"/practice/assessments/{assessment_id}/review").status_code == 404
    with app.app_context():
        assert db.session.get(Assessment, assessment_id).status == "in_progress"


def test_invalid_answers_and_positions_are_refused(client, auth):
    auth.register()
    assessment_id, token = start(client)
    bad = save(client, token, assessment_id, 0, {"objects": [{"bbox": [1, 1, 1, 1], "label": "ufo"}]})
    assert bad.status_code == 400 and bad.get_json()["field"] == "answer.objects[0].label"
    assert save(client, token, assessment_id, 10, {"objects": []}).status_code == 400
    assert client.put(f"/api/v1/assessments/{assessment_id}/answers/0", json={"answer": {"objects": []}}
                      ).status_code == 400  # no CSRF header


def test_unknown_certificate_is_404(client):
    assert client.get("/certificates/not-a-real-token").status_code == 404


def test_racing_submissions_grade_once(tmp_path):
    """Two requests submitting the same test at once: one wins, the other is refused, no duplicates."""
    from tests.conftest import AuthActions, build_app, dispose_app
    app = build_app(tmp_path)
    try:
        client = app.test_client()
        AuthActions(client).register()
        assessment_id, token = start(client)
        answers = perfect_answers(app, assessment_id)
        for position, answer in enumerate(answers):
            save(client, token, assessment_id, position, answer)
        cookie = client.get_cookie("session").value
        statuses = []

        def racer():
            other = app.test_client()
            other.set_cookie("session", cookie)
            statuses.append(submit(other, token, assessment_id).status_code)

        threads = [threading.Thread(target=racer) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 409, 409]
        with app.app_context():
            assert db.session.query(Attempt).count() == 10
            assert db.session.query(Certificate).count() == 1
    finally:
        dispose_app(app)
