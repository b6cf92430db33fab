"""The Ashby job posting adapter."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError, Pay
from portal.jobs.sources import ashby
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

BOARD = "ashby/quillmark_job_board.json"


@pytest.fixture
def result():
    return ashby.parse(fixture_body(BOARD), source_for("ashby", company="Quillmark AI"))


def test_ashby_is_registered():
    assert get_source_kind("ashby").parse is ashby.parse


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["LLM Response Evaluator (Contract)"]
    assert posting.external_id == "0b9e1f2a-1111-4c3d-8e9f-000000000001"
    assert posting.company == "Quillmark AI"
    assert posting.url == "https://jobs.ashbyhq.com/quillmark/0b9e1f2a-1111-4c3d-8e9f-000000000001"
    assert posting.extra["apply_url"].endswith("/application")
    assert posting.location == "Remote (US or Canada)"
    assert posting.countries == ["US", "CA"]  # address, then secondary locations
    assert posting.extra["secondary_locations"] == ["Toronto"]
    assert posting.remote == "remote"
    assert posting.employment_type == "contract"
    assert posting.department == "Human Data"
    assert posting.extra["team"] == "Evaluations"
    assert posting.posted_at == datetime(2026, 10, 28, 15, 2, 11, 123000, tzinfo=UTC)
    assert posting.description_html.startswith("<p>Compare two model answers")


def test_compensation(result):
    postings = by_title(result.postings)
    evaluator = postings["LLM Response Evaluator (Contract)"]
    assert evaluator.pay == Pay(25.0, 40.0, "USD", "hour", "structured")
    assert evaluator.pay_text == "$25 – $40 per hour"
    specialist = postings["Medical Data Annotation Specialist"]  # the equity component is passed over
    assert specialist.pay == Pay(70000.0, 90000.0, "USD", "year", "structured")
    assert specialist.pay_text == "$70K – $90K • Offers Equity"
    assert postings["Senior Software Engineer, Data Platform"].pay is None


def test_an_unreadable_interval_keeps_the_summary_text(result):
    intern = by_title(result.postings)["Annotation Intern (Summer 2027)"]
    assert intern.pay is None
    assert intern.pay_text == "$1,600 every two weeks"  # scrapeable summary when the tier summary is blank
    assert intern.extra["unread_compensation"]["interval"] == "2 WEEK"


def test_workplace_and_employment_types(result):
    postings = by_title(result.postings)
    assert postings["Medical Data Annotation Specialist"].remote == "hybrid"
    assert postings["Senior Software Engineer, Data Platform"].remote == "on-site"
    assert postings["Annotation Intern (Summer 2027)"].remote == "remote"  # isRemote alone
    assert postings["Annotation Intern (Summer 2027)"].employment_type == "internship"
    assert postings["Medical Data Annotation Specialist"].employment_type == "full-time"


def test_not_remote_without_a_workplace_type_is_unknown():
    body = b'{"jobs": [{"title": "Rater", "jobUrl": "https://jobs.ashbyhq.com/x/1", "isRemote": false}]}'
    assert ashby.parse(body, source_for("ashby")).postings[0].remote == "unknown"


def test_skips_unlisted_and_linkless_jobs_with_the_reason(result):
    assert len(result.postings) == 4
    assert result.skipped == [
        ("job 0b9e1f2a-1111-4c3d-8e9f-000000000004", "unlisted on the board (isListed is false)"),
        ("job 0b9e1f2a-1111-4c3d-8e9f-000000000006", "no URL"),
    ]


@pytest.mark.parametrize("fixture, message", [
    ("lever/brightlabel_postings.json", "expected an object with a 'jobs' list"),
    ("remotive/remote_jobs_annotation.json", "field Ashby always sends"),
    ("greenhouse/northwinddata_jobs.json", "field Ashby always sends"),
    ("malformed/html_error_page.html", "expected JSON but the body is HTML"),
])
def test_wrong_bodies_raise_feed_format_error(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        ashby.parse(fixture_body(fixture), source_for("ashby"))
