"""Practice pages over HTTP: index, exercise, coming-soon pages and progress."""

import re

from tests.conftest import csrf_token_from


def test_index_opens_bbox_and_marks_the_rest_coming_soon(client):
    page = client.get("/practice").get_data(as_text=True)
    assert 'href="/practice/bbox"' in page
    assert page.count("Coming soon") == 9


def test_exercise_page_wires_the_widget_without_gold(client):
    page = client.get("/practice/bbox?difficulty=hard&seed=12").get_data(as_text=True)
    assert 'data-widget="/static/js/practice/widgets/bbox.js"' in page
    assert 'data-difficulty="hard"' in page and 'data-seed="12"' in page
    assert 'name="csrf-token"' in page
    assert "Labels and rules for this task" in page
    assert "truncated" not in page


def test_exercise_page_ignores_bad_query_values(client):
    page = client.get("/practice/bbox?difficulty=insane&seed=-3").get_data(as_text=True)
    assert 'data-difficulty="easy"' in page and "data-seed" not in page


def test_unbuilt_task_types_say_so(client):
    response = client.get("/practice/polygon")
    assert response.status_code == 200
    assert b"being built" in response.data
    assert client.get("/practice/polygon/assessment").status_code == 404
    assert client.get("/practice/nonsense").status_code == 404


def test_progress_page_shows_counts_averages_and_a_trend_chart(client, auth):
    auth.register()
    token = csrf_token_from(client.get("/practice/bbox"))
    gold = client.post("/api/v1/practice/bbox/submit", json={"item_id": "bbox.easy.1", "answer": {"objects": []}},
                       headers={"X-CSRFToken": token}).get_json()["gold"]
    perfect = {"objects": [{"bbox": o["bbox"], "label": o["label"]} for o in gold["objects"]]}
    client.post("/api/v1/practice/bbox/submit", json={"item_id": "bbox.easy.1", "answer": perfect},
                headers={"X-CSRFToken": token})
    page = client.get("/practice/progress").get_data(as_text=True)
    row = re.search(r'<th scope="row"><a href="/practice/bbox">Bounding boxes</a></th>(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[:4] == ["2", "50%", "100%", "0"]
    assert 'class="trend-chart"' in row and row.count("<circle") == 2
    assert "from 0% to 100%" in row
