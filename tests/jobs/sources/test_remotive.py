"""The Remotive adapter, including the credit its terms require."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError
from portal.jobs.sources import remotive
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

JOBS = "remotive/remote_jobs_annotation.json"


@pytest.fixture
def result():
    return remotive.parse(fixture_body(JOBS), source_for("remotive"))


def test_remotive_is_registered():
    assert get_source_kind("remotive").parse is remotive.parse


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["AI Data Annotator (English)"]
    assert posting.external_id == "2039001"
    assert posting.company == "Harbor Labs"
    assert posting.url == "https://remotive.com/remote-jobs/data/ai-data-annotator-english-2039001"
    assert posting.location == "Worldwide"
    assert posting.extra["applicant_locations"] == ["Worldwide"]
    assert posting.employment_type == "contract"
    assert posting.pay is None
    assert posting.pay_text == "$15-$25/hr"  # free text: the normaliser reads the figures
    assert posting.posted_at == datetime(2026, 10, 30, 8, 11, 21, tzinfo=UTC)
    assert posting.extra["tags"] == ["annotation", "ai", "data labeling"]
    assert posting.extra["category"] == "Data Analysis"


def test_every_posting_is_remote_and_credits_remotive_with_a_link_back(result):
    assert result.postings
    for posting in result.postings:
        assert posting.remote == "remote"
        assert posting.extra["credit"] == {"text": "Remotive", "url": posting.url}


def test_job_types_and_blank_salary(result):
    postings = by_title(result.postings)
    assert postings["Content Moderator & Data Labeler"].employment_type == "part-time"
    assert postings["Content Moderator & Data Labeler"].pay_text is None
    assert postings["Freelance Search Evaluator – German"].employment_type == "freelance"
    evaluator = postings["Freelance Search Evaluator – German"]
    assert evaluator.posted_at == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def test_skips_a_job_without_a_url(result):
    assert len(result.postings) == 5
    assert result.skipped == [("job 2039006", "no URL")]


@pytest.mark.parametrize("fixture, message", [
    ("greenhouse/northwinddata_jobs.json", "field Remotive always sends"),
    ("ashby/quillmark_job_board.json", "field Remotive always sends"),
    ("lever/brightlabel_postings.json", "expected an object with a 'jobs' list"),
    ("malformed/html_error_page.html", "expected JSON but the body is HTML"),
])
def test_wrong_bodies_raise_feed_format_error(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        remotive.parse(fixture_body(fixture), source_for("remotive"))
