"""The jobs JSON API: search with validated parameters, one posting, JSON errors."""

import pytest

from portal.db_types import utcnow
from portal.jobs import search
from tests.jobs.factories import make_posting


@pytest.fixture
def postings(app):
    with app.app_context():
        first = make_posting(title="Polish NER annotator", company="Słowa", remote="remote", countries=["PL"],
                             task_types=["ner"], pay_min=20, pay_max=30, pay_currency="USD", pay_period="hour",
                             pay_source="structured", hourly_min_usd=20, age_days=1,
                             flags=[{"code": "vague-pay", "message": "Pay is vague."}])
        make_posting(title="Office transcriber", remote="on-site", countries=["US"], task_types=["transcription"],
                     age_days=4)
        make_posting(title="Closed job", closed_at=utcnow())
        return {"first": first.id}


def test_list_shape(client, postings):
    body = client.get("/api/v1/jobs").get_json()
    assert body["total"] == 2 and body["total_capped"] is False and body["page"] == 1
    job = body["jobs"][0]
    assert set(job) >= {"id", "title", "company", "location", "remote", "employment_type", "pay", "posted_at",
                        "url", "sources", "task_types", "flags"}
    assert job["id"] == postings["first"]
    assert job["pay"] == {"min": 20, "max": 30, "currency": "USD", "period": "hour", "source": "structured"}
    assert job["flags"] == [{"code": "vague-pay", "message": "Pay is vague."}]
    assert job["url"].endswith(f"/jobs/{postings['first']}")
    assert job["sources"][0]["name"] == "greenhouse-acme"
    assert job["posted_at"].endswith("+00:00")
    assert body["jobs"][1]["pay"] is None


@pytest.mark.parametrize("query, titles", [
    ("q=polish", ["Polish NER annotator"]),
    ("remote=on-site", ["Office transcriber"]),
    ("country=pl", ["Polish NER annotator"]),
    ("task_type=transcription", ["Office transcriber"]),
    ("min_hourly=15", ["Polish NER annotator"]),
    ("posted_within_days=2", ["Polish NER annotator"]),
    ("hide_flagged=true", ["Office transcriber"]),
    ("page=2", []),
])
def test_filters(client, postings, query, titles):
    body = client.get(f"/api/v1/jobs?{query}").get_json()
    assert [job["title"] for job in body["jobs"]] == titles


@pytest.mark.parametrize("query, field", [
    ("remote=maybe", "remote"), ("country=XYZ", "country"), ("task_type=origami", "task_type"),
    ("min_hourly=-5", "min_hourly"), ("min_hourly=1e999", "min_hourly"), ("posted_within_days=x", "posted_within_days"),
    ("page=-1", "page"), ("page=51", "page"), ("sort=best", "sort"), ("q=" + "a" * 300, "q"),
])
def test_bad_parameters_are_400_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field and body["error"]


def test_total_beyond_the_cap_is_flagged(app, client, monkeypatch):
    monkeypatch.setattr(search, "TOTAL_CAP", 2)
    with app.app_context():
        for day in range(3):
            make_posting(title=f"Rater {day}", age_days=day)
    for query in ("", "?q=rater", "?q=rater&sort=newest"):
        body = client.get(f"/api/v1/jobs{query}").get_json()
        assert (body["total"], body["total_capped"], body["pages"]) == (2, True, 1), query
        # Equal ranks list newest first.
        assert [job["title"] for job in body["jobs"]] == ["Rater 0", "Rater 1"], query


def test_page_beyond_the_listed_matches_says_how_to_narrow(client):
    body = client.get("/api/v1/jobs?page=51").get_json()
    assert body["field"] == "page" and "add words or filters" in body["error"]


def test_unknown_task_type_names_the_valid_ones(client):
    body = client.get("/api/v1/jobs?task_type=origami").get_json()
    assert "bbox" in body["error"] and "transcription" in body["error"]


def test_hostile_query_is_not_a_500(client, postings):
    for q in ['"', "NEAR(", "a OR", "-", "%00", "col:x*", "%E2%80%AE"]:
        response = client.get(f"/api/v1/jobs?q={q}")
        assert response.status_code == 200, q


def test_detail_and_404(client, postings):
    body = client.get(f"/api/v1/jobs/{postings['first']}").get_json()
    assert body["title"] == "Polish NER annotator" and body["description_html"] == "<p>Label images carefully.</p>"
    missing = client.get("/api/v1/jobs/987654")
    assert missing.status_code == 404 and missing.get_json() == {"error": "no such job posting", "field": "id"}
