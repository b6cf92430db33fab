"""The Recruitee offers adapter."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError, Pay
from portal.jobs.sources import recruitee
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

OFFERS = "recruitee/polyglotdata_offers.json"


@pytest.fixture
def result():
    return recruitee.parse(fixture_body(OFFERS), source_for("recruitee"))


def test_recruitee_is_registered():
    assert get_source_kind("recruitee").parse is recruitee.parse


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["Dutch Speech Data Collector (Freelance)"]
    assert posting.external_id == "1400001"
    assert posting.company == "Polyglot Data BV"
    assert posting.url == "https://polyglotdata.recruitee.com/o/dutch-speech-data-collector-freelance"
    assert posting.extra["apply_url"].endswith("/c/new")
    assert posting.location == "Amsterdam, Netherlands"
    assert posting.countries == ["NL"]
    assert posting.remote == "remote"
    assert posting.employment_type == "freelance"
    assert posting.pay == Pay(15.0, 20.0, "EUR", "hour", "structured")  # amounts given as strings
    assert posting.posted_at == datetime(2026, 10, 12, 8, 30, tzinfo=UTC)  # "... UTC" suffix
    assert posting.expires_at == datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert posting.department == "Data Services"
    assert posting.extra["hours_per_week"] == {"min_hours": 5, "max_hours": 20}
    assert posting.description_html.endswith("<h3>Requirements</h3><ul><li>Native Dutch speaker</li>"
                                             "<li>Living in the Netherlands or Belgium</li></ul>")


def test_remote_flags(result):
    remote = {posting.title: posting.remote for posting in result.postings}
    assert remote["Transcription Quality Reviewer"] == "hybrid"
    assert remote["Senior Software Engineer (Backend)"] == "on-site"


def test_pay_periods_and_empty_salary(result):
    postings = by_title(result.postings)
    assert postings["Transcription Quality Reviewer"].pay == Pay(2200.0, 2800.0, "EUR", "month", "structured")
    assert postings["Senior Software Engineer (Backend)"].pay.period == "year"
    assert postings["Account Executive DACH"].pay is None


def test_department_object_and_created_at_fallback(result):
    postings = by_title(result.postings)
    assert postings["Transcription Quality Reviewer"].department == "Quality"
    assert postings["Transcription Quality Reviewer"].employment_type == "part-time"
    assert postings["Account Executive DACH"].posted_at == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_skips_an_offer_without_a_link(result):
    assert len(result.postings) == 4
    assert result.skipped == [("offer 1400005", "no URL")]


@pytest.mark.parametrize("fixture, message", [
    ("greenhouse/northwinddata_jobs.json", "expected an object with a 'offers' list"),
    ("malformed/truncated.json", "malformed JSON"),
    ("malformed/html_error_page.html", "expected JSON but the body is HTML"),
])
def test_wrong_bodies_raise_feed_format_error(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        recruitee.parse(fixture_body(fixture), source_for("recruitee"))


def test_offers_of_another_shape_are_refused():
    with pytest.raises(FeedFormatError, match="field Recruitee always sends"):
        recruitee.parse(b'{"offers": [{"title": "x", "url": "https://x.example"}]}', source_for("recruitee"))
