"""The schema.org JobPosting (JSON-LD) adapter."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError, Pay
from portal.jobs.sources import jsonld
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

CAREERS_PAGE = "jsonld/lumen_careers_page.html"
SINGLE_JOB_PAGE = "jsonld/single_job_page.html"


@pytest.fixture
def result():
    return jsonld.parse(fixture_body(CAREERS_PAGE), source_for("jsonld"))


def test_jsonld_is_registered_and_asks_for_html():
    kind = get_source_kind("jsonld")
    assert kind.parse is jsonld.parse
    assert kind.accept.startswith("text/html")


def test_finds_postings_in_graphs_and_lists(result):
    assert [posting.title for posting in result.postings] == [
        "Remote AI Trainer – French (Contract)", "Senior Software Engineer, Speech Pipeline",
        "Account Executive"]


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["Remote AI Trainer – French (Contract)"]
    assert posting.external_id == "LS-1042"
    assert posting.company == "Lumen Speech Data"
    assert posting.extra["company_url"] == "https://lumen-speech.example"
    assert posting.url == "https://lumen-speech.example/careers/ai-trainer-french"
    assert posting.remote == "remote"  # TELECOMMUTE
    assert posting.employment_type == "contract"
    assert posting.extra["employment_types"] == ["contract", "part-time"]
    assert posting.pay == Pay(20.0, 30.0, "USD", "hour", "structured")
    assert posting.posted_at == datetime(2026, 10, 25, tzinfo=UTC)
    assert posting.expires_at == datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert posting.extra["direct_apply"] is True
    # entity-escaped in the JSON, unescaped once here
    assert posting.description_html.startswith("<p>Write and rate French answers")


def test_applicant_location_requirements(result):
    posting = by_title(result.postings)["Remote AI Trainer – French (Contract)"]
    assert posting.extra["applicant_locations"] == ["France", "BE", "Quebec"]
    assert posting.countries == ["FR", "BE"]  # only the Country entries become codes


def test_job_location_addresses_and_single_value_salary(result):
    engineer = by_title(result.postings)["Senior Software Engineer, Speech Pipeline"]
    assert engineer.location == "Lisbon, Lisboa, PT"
    assert engineer.countries == ["PT"]
    assert engineer.remote == "unknown"
    assert engineer.external_id == "LS-0988"
    assert engineer.pay == Pay(85000.0, 85000.0, "EUR", "year", "structured")
    assert engineer.posted_at == datetime(2026, 9, 30, 9, 0, tzinfo=UTC)
    sales = by_title(result.postings)["Account Executive"]
    assert sales.location == "Madrid, Spain | Barcelona, Spain"
    assert sales.countries == ["ES"]
    assert sales.company == "Lumen Speech Data"  # hiringOrganization given as plain text
    assert sales.external_id == "https://lumen-speech.example/careers/account-executive"


def test_skips_malformed_blocks_and_unusable_postings_with_reasons(result):
    assert result.skipped == [
        ("ld+json block 1", "holds no JobPosting"),
        ("ld+json block 4", "malformed JSON at line 2: Expecting property name enclosed in double quotes"),
        ("JobPosting Speech Data Collector – Italian", "no URL"),
    ]


def test_a_job_page_without_url_uses_the_page_address():
    result = jsonld.parse(fixture_body(SINGLE_JOB_PAGE),
                          source_for("jsonld", url="https://lumen-speech.example/careers/italian"))
    posting = result.postings[0]
    assert posting.url == "https://lumen-speech.example/careers/italian"
    assert posting.extra["url_from_page"] is True
    assert posting.countries == ["IT"]  # a single applicantLocationRequirements object
    assert posting.pay == Pay(150.0, 150.0, "EUR", "week", "structured")  # value and unitText at the top
    assert posting.employment_type is None  # OTHER
    assert posting.posted_at is None
    assert posting.extra["unparsed_dates"] == {"datePosted": "1 November 2026"}
    assert "quiet room.\nPaid per approved recording." in posting.description_html  # raw newline in the JSON


def test_type_lists_and_prefixed_types_count_as_job_postings():
    page = (b'<html><head><script type="application/ld+json">'
            b'[{"@type": ["JobPosting", "Thing"], "title": "A", "url": "https://x.example/a"},'
            b' {"@type": "http://schema.org/JobPosting", "title": "B", "url": "https://x.example/b"}]'
            b'</script></head></html>')
    assert [posting.title for posting in jsonld.parse(page, source_for("jsonld")).postings] == ["A", "B"]


def test_a_page_with_no_jsonld_is_refused():
    with pytest.raises(FeedFormatError, match="no <script type=\"application/ld\\+json\"> block"):
        jsonld.parse(fixture_body("jsonld/page_without_jsonld.html"), source_for("jsonld"))


@pytest.mark.parametrize("fixture, message", [
    ("greenhouse/northwinddata_jobs.json", "the body is JSON"),
    ("malformed/empty.txt", "no HTML tags"),
    ("malformed/html_error_page.html", "no <script"),
])
def test_wrong_bodies_raise_feed_format_error(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        jsonld.parse(fixture_body(fixture), source_for("jsonld"))
