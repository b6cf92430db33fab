"""The Lever postings adapter."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError, Pay
from portal.jobs.sources import lever
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

POSTINGS = "lever/brightlabel_postings.json"


@pytest.fixture
def result():
    return lever.parse(fixture_body(POSTINGS), source_for("lever", company="Brightlabel"))


def test_lever_is_registered():
    assert get_source_kind("lever").parse is lever.parse


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["Search Quality Rater – German (Part-Time)"]
    assert posting.external_id == "5f1c2a3b-0001-4d5e-9f00-aaaaaaaa0001"
    assert posting.company == "Brightlabel"
    assert posting.url == "https://jobs.lever.co/brightlabel/5f1c2a3b-0001-4d5e-9f00-aaaaaaaa0001"
    assert posting.extra["apply_url"].endswith("/apply")
    assert posting.location == "Remote - Germany"
    assert posting.countries == ["DE"]
    assert posting.remote == "remote"
    assert posting.employment_type == "part-time"
    assert posting.department == "Crowd"
    assert posting.extra["team"] == "AI Data Services"
    assert posting.posted_at == datetime(2026, 10, 17, 8, 0, tzinfo=UTC)  # createdAt in milliseconds


def test_salary_range_becomes_structured_pay(result):
    postings = by_title(result.postings)
    rater = postings["Search Quality Rater – German (Part-Time)"]
    assert rater.pay == Pay(14.0, 16.5, "EUR", "hour", "structured")
    assert rater.pay_text == "Paid monthly by bank transfer."
    transcriber = postings["Audio Transcription Specialist – Polish"]
    assert transcriber.pay == Pay(6500.0, 8000.0, "PLN", "month", "structured")
    assert postings["Senior Software Engineer"].pay == Pay(150000.0, 190000.0, "USD", "year", "structured")
    assert postings["Account Executive"].pay is None


def test_an_interval_that_is_not_a_period_is_kept_as_text(result):
    posting = by_title(result.postings)["Video Annotation Team Lead"]
    assert posting.pay is None
    assert posting.pay_text == "USD 3000 – 3000 one-time"
    assert posting.extra["salary_range"]["interval"] == "one-time"


def test_workplace_types(result):
    remote = {posting.title: posting.remote for posting in result.postings}
    assert remote["Audio Transcription Specialist – Polish"] == "hybrid"
    assert remote["Senior Software Engineer"] == "on-site"
    assert remote["Account Executive"] == "unknown"  # "unspecified"


def test_description_includes_lists_and_closing(result):
    html = by_title(result.postings)["Search Quality Rater – German (Part-Time)"].description_html
    assert "<h3>Requirements</h3><ul><li>Native-level German</li>" in html
    assert html.endswith("<div>Brightlabel is an equal opportunity employer.</div>")


def test_all_locations_and_seconds_epochs(result):
    posting = by_title(result.postings)["Audio Transcription Specialist – Polish"]
    assert posting.extra["all_locations"] == ["Warsaw, Poland", "Kraków, Poland"]
    lead = by_title(result.postings)["Video Annotation Team Lead"]
    assert lead.posted_at == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # "1792396800" as a string of seconds
    assert lead.employment_type == "freelance"


def test_skips_a_posting_without_links(result):
    assert len(result.postings) == 5
    assert result.skipped == [("posting 5f1c2a3b-0006-4d5e-9f00-aaaaaaaa0006", "no URL")]


def test_company_is_the_source_name_without_configuration():
    body = b'[{"id": "a", "text": "Rater", "hostedUrl": "https://jobs.lever.co/x/a", "categories": {}}]'
    assert lever.parse(body, source_for("lever")).postings[0].company == "test-lever"


@pytest.mark.parametrize("fixture, message", [
    ("lever/site_not_found.json", "Lever said: Document not found"),
    ("greenhouse/northwinddata_jobs.json", "expected a JSON list of Lever postings"),
    ("malformed/html_error_page.html", "expected JSON but the body is HTML"),
    ("malformed/empty.txt", "the body is empty"),
])
def test_wrong_bodies_raise_feed_format_error(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        lever.parse(fixture_body(fixture), source_for("lever"))


def test_a_list_of_something_else_is_refused():
    with pytest.raises(FeedFormatError, match="field Lever always sends"):
        lever.parse(b'[{"name": "not a posting"}]', source_for("lever"))
