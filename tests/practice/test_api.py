"""The practice JSON API: items, submissions and stateless scoring, including hostile input."""

import json

import pytest

from portal.practice.models import Attempt
from portal.extensions import db
from tests.conftest import csrf_token_from

ITEM_URL = "/api/v1/practice/bbox/item"
SUBMIT_URL = "/api/v1/practice/bbox/submit"
SCORE_URL = "/api/v1/score/bbox"


def gold_of(client, item_id):
    """The gold is only revealed by a submission: submit nothing and read it back."""
    response = client.post(SUBMIT_URL, json={"item_id": item_id, "answer": {"objects": []}})
    return response.get_json()["gold"]


def test_item_payload_has_no_gold(client):
    response = client.get(ITEM_URL, query_string={"seed": 42, "difficulty": "medium"})
    assert response.status_code == 200
    item = response.get_json()
    assert set(item) == {"item_id", "task_type", "difficulty", "seed", "instructions", "labels", "image",
                         "pass_mark"}
    assert item["item_id"] == "bbox.medium.42"
    assert item["image"]["url"] == "/practice/assets/bbox.medium.42.png"
    assert (item["image"]["width"], item["image"]["height"]) == (960, 600)
    text = json.dumps(item)
    assert "bbox\": [" not in text and "gold" not in text and "truncated" not in text
    assert response.headers["Cache-Control"] == "no-store"


def test_items_are_deterministic_and_seedless_requests_get_fresh_items(client):
    first = client.get(ITEM_URL, query_string={"seed": 7, "difficulty": "hard"}).get_json()
    again = client.get(ITEM_URL, query_string={"seed": 7, "difficulty": "hard"}).get_json()
    assert first == again
    seeds = {client.get(ITEM_URL).get_json()["seed"] for _ in range(5)}
    assert len(seeds) > 1


def test_item_image_is_a_cacheable_png(client):
    response = client.get("/practice/assets/bbox.easy.3.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "immutable" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert client.get("/practice/assets/bbox.easy.3.png", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("path", ["/practice/assets/bbox.easy.x.png", "/practice/assets/nope.easy.1.png",
                                  "/practice/assets/bbox.extreme.1.png", "/practice/assets/bbox.png"])
def test_bad_asset_ids_are_404(client, path):
    assert client.get(path).status_code == 404


def test_perfect_submission_scores_one_and_reveals_gold(client):
    item = client.get(ITEM_URL, query_string={"seed": 11, "difficulty": "medium"}).get_json()
    gold = gold_of(client, item["item_id"])
    answer = {"objects": [{"bbox": obj["bbox"], "label": obj["label"]} for obj in gold["objects"]]}
    result = client.post(SUBMIT_URL, json={"item_id": item["item_id"], "answer": answer, "elapsed_ms": 5000})
    body = result.get_json()
    assert result.status_code == 200
    assert body["score"] == 1.0 and body["passed"] is True
    assert body["metrics"]["tp"] == len(gold["objects"]) and body["metrics"]["fp"] == 0
    assert body["gold"] == gold
    assert body["guide_url"] == "/guides/bounding-boxes"


def test_empty_answer_scores_zero_with_missed_feedback(client):
    body = client.post(SUBMIT_URL, json={"item_id": "bbox.easy.5", "answer": {"objects": []}}).get_json()
    assert body["score"] == 0.0 and body["passed"] is False
    assert {note["kind"] for note in body["feedback"]} == {"missed"}


def test_logged_in_submissions_are_stored(client, auth, app):
    auth.register()
    token = csrf_token_from(client.get("/practice/bbox"))
    response = client.post(SUBMIT_URL, json={"item_id": "bbox.easy.5", "answer": {"objects": []},
                                             "elapsed_ms": 1234}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    with app.app_context():
        attempt = db.session.execute(db.select(Attempt)).scalar_one()
        assert (attempt.task_type, attempt.seed, attempt.mode, attempt.elapsed_ms) == ("bbox", 5, "practice", 1234)
        assert attempt.answer == {"objects": []}
        assert attempt.metrics["fn"] > 0


def test_logged_in_submission_without_csrf_header_is_refused_and_not_stored(client, auth, app):
    auth.register()
    response = client.post(SUBMIT_URL, json={"item_id": "bbox.easy.5", "answer": {"objects": []}})
    assert response.status_code == 400
    assert response.get_json()["field"] == "X-CSRFToken"
    with app.app_context():
        assert db.session.query(Attempt).count() == 0


def test_anonymous_results_are_kept_in_the_session(client):
    client.post(SUBMIT_URL, json={"item_id": "bbox.easy.5", "answer": {"objects": []}})
    page = client.get("/practice/progress").get_data(as_text=True)
    assert "this browser session only" in page
    assert "<td>1</td>" in page


@pytest.mark.parametrize("body, status, field", [
    ({"item_id": "bbox.easy.5"}, 400, "answer"),
    ({"item_id": "bbox.easy.5", "answer": []}, 400, "answer"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": "boxes"}}, 400, "answer.objects"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [1, 2, 3], "label": "car"}]}}, 400,
     "answer.objects[0].bbox"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [1, 2, -3, 4], "label": "car"}]}}, 400,
     "answer.objects[0].bbox"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [1, 2, 3, 4], "label": "spaceship"}]}}, 400,
     "answer.objects[0].label"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [900, 2, 100, 4], "label": "car"}]}}, 400,
     "answer.objects[0].bbox"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [1, "2", 3, 4], "label": "car"}]}}, 400,
     "answer.objects[0].bbox[1]"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [1, True, 3, 4], "label": "car"}]}}, 400,
     "answer.objects[0].bbox[1]"),
    ({"item_id": "polygon.easy.5", "answer": {"objects": []}}, 400, "item_id"),
    ({"item_id": "bbox.easy", "answer": {"objects": []}}, 400, "item_id"),
    ({"item_id": "bbox.easy.-1", "answer": {"objects": []}}, 400, "item_id"),
    ({"item_id": 5, "answer": {"objects": []}}, 400, "item_id"),
    ({"item_id": "bbox.easy.5", "answer": {"objects": []}, "elapsed_ms": -5}, 400, "elapsed_ms"),
])
def test_bad_submissions_get_a_clear_4xx(client, body, status, field):
    response = client.post(SUBMIT_URL, json=body)
    assert response.status_code == status
    payload = response.get_json()
    assert payload["field"] == field
    assert payload["error"]


def test_nan_and_infinity_are_refused(client):
    raw = '{"item_id": "bbox.easy.5", "answer": {"objects": [{"bbox": [NaN, 1, 2, 3], "label": "car"}]}}'
    response = client.post(SUBMIT_URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "finite" in response.get_json()["error"]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"just a string"', ""])
def test_malformed_json_is_400(client, raw):
    response = client.post(SUBMIT_URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_non_json_body_is_415(client):
    response = client.post(SUBMIT_URL, data={"item_id": "bbox.easy.5"})
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]


def test_unknown_task_type_is_404_json(client):
    for response in (client.get("/api/v1/practice/juggling/item"),
                     client.post("/api/v1/practice/juggling/submit", json={}),
                     client.post("/api/v1/score/juggling", json={})):
        assert response.status_code == 404
        assert "unknown task type" in response.get_json()["error"]


@pytest.mark.parametrize("query, field", [({"difficulty": "extreme"}, "difficulty"), ({"seed": "abc"}, "seed"),
                                          ({"seed": "99999999999"}, "seed"), ({"seed": "-4"}, "seed")])
def test_bad_item_queries_are_400(client, query, field):
    response = client.get(ITEM_URL, query_string=query)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_hundred_thousand_boxes_are_refused_without_a_500(client):
    objects = [{"bbox": [1, 1, 2, 2], "label": "car"}] * 100_000
    response = client.post(SCORE_URL, json={"gold": {"objects": []}, "answer": {"objects": objects}})
    assert response.status_code in (400, 413)
    assert response.get_json()["error"]


def test_too_many_boxes_under_the_size_limit_names_the_field(client):
    objects = [{"bbox": [1, 1, 2, 2], "label": "c"}] * 1001
    response = client.post(SCORE_URL, json={"gold": {"objects": []}, "answer": {"objects": objects}})
    assert response.status_code == 400
    assert response.get_json()["field"] == "answer.objects"
    assert "at most 1000" in response.get_json()["error"]


def test_fifty_megabyte_body_is_413(client):
    response = client.post(SCORE_URL, data=b"x" * (50 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]


def test_stateless_scorer_grades_any_gold(client):
    gold = {"objects": [{"bbox": [0, 0, 10, 10], "label": "cat"}, {"bbox": [50, 50, 10, 10], "label": "dog"}]}
    answer = {"objects": [{"bbox": [5, 5, 10, 10], "label": "cat"}, {"bbox": [50, 50, 10, 10], "label": "dog"}]}
    body = client.post(SCORE_URL, json={"gold": gold, "answer": answer}).get_json()
    assert set(body) == {"task_type", "score", "passed", "metrics", "matches", "feedback", "pass_mark"}
    assert body["metrics"]["tp"] == 1 and body["metrics"]["fp"] == 1 and body["metrics"]["fn"] == 1
    strict = client.post(SCORE_URL, json={"gold": gold, "answer": answer,
                                          "params": {"iou_threshold": 0.1}}).get_json()
    assert strict["metrics"]["tp"] == 2
    assert strict["matches"][0]["iou"] == pytest.approx(25 / 175)


@pytest.mark.parametrize("params, field", [({"iou_threshold": 0}, "params.iou_threshold"),
                                           ({"iou_threshold": 1.5}, "params.iou_threshold"),
                                           ({"iou_threshold": "high"}, "params.iou_threshold"),
                                           ({"tolerance": 3}, "params"), ([1], "params")])
def test_stateless_scorer_validates_params(client, params, field):
    response = client.post(SCORE_URL, json={"gold": {"objects": []}, "answer": {"objects": []}, "params": params})
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_stateless_scorer_needs_gold_and_answer(client):
    response = client.post(SCORE_URL, json={"answer": {"objects": []}})
    assert response.status_code == 400
    assert response.get_json()["field"] == "gold"
