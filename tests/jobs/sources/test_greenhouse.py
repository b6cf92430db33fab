"""The Greenhouse job board adapter."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError
from portal.jobs.sources import greenhouse
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

BOARD = "greenhouse/northwinddata_jobs.json"


@pytest.fixture
def result():
    return greenhouse.parse(fixture_body(BOARD), source_for("greenhouse"))


def test_greenhouse_is_registered():
    assert get_source_kind("greenhouse").parse is greenhouse.parse


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["Data Annotator – Image Bounding Boxes (Contract)"]
    assert posting.source_name == "test-greenhouse"
    assert posting.external_id == "4012345001"
    assert posting.company == "Northwind Data Labs"
    assert posting.url == "https://job-boards.greenhouse.io/northwinddata/jobs/4012345001"
    assert posting.location == "Remote - United States"
    assert posting.department == "Data Operations"
    assert posting.posted_at == datetime(2026, 10, 27, 13, 0, 2, tzinfo=UTC)  # first_published, -04:00
    assert posting.extra["updated_at"] == "2026-11-02T15:14:33+00:00"
    assert posting.extra["offices"] == ["Remote (US)"]
    assert posting.extra["metadata"] == {"Employment Type": "Contract"}
    assert posting.extra["requisition_id"] == "OPS-118"


def test_unescapes_the_entity_escaped_content(result):
    posting = by_title(result.postings)["Data Annotator – Image Bounding Boxes (Contract)"]
    assert posting.description_html.startswith('<div class="content-intro"><p><strong>')
    assert "&lt;" not in posting.description_html
    assert "$18&ndash;$22 per hour" in posting.description_html  # one level of escaping removed, no more


def test_keeps_dangerous_markup_raw_for_the_normaliser_to_sanitize(result):
    html = by_title(result.postings)["AI Trainer – Spanish Language (Freelance)"].description_html
    assert "<script>" in html and 'onclick="' in html and 'href="javascript:alert(1)"' in html


def test_pay_ranges_become_text_because_greenhouse_gives_no_period(result):
    posting = by_title(result.postings)["Data Annotator – Image Bounding Boxes (Contract)"]
    assert posting.pay is None
    assert posting.pay_text == "USD 18.00 – 22.00 (Hourly rate)"
    assert posting.extra["pay_input_ranges"][0]["blurb"] == "<p>Paid weekly via direct deposit.</p>"
    engineer = by_title(result.postings)["Senior Software Engineer, Labeling Platform"]
    assert engineer.pay_text.count(";") == 1
    assert engineer.extra["departments"] == ["Engineering", "Platform"]


def test_falls_back_to_updated_at_without_first_published(result):
    posting = by_title(result.postings)["Account Executive, Enterprise"]
    assert posting.posted_at == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)


def test_states_nothing_greenhouse_does_not_state(result):
    for posting in result.postings:
        assert posting.remote == "unknown"
        assert posting.employment_type is None
        assert posting.countries == []


def test_skips_jobs_without_a_link_or_title_with_the_reason(result):
    assert len(result.postings) == 5
    assert result.skipped == [("job 4012345005", "no URL"), ("job 4012345006", "no title")]


def test_company_falls_back_to_the_configured_company():
    body = b'{"jobs": [{"id": 1, "title": "Rater", "absolute_url": "https://x.example/1"}]}'
    result = greenhouse.parse(body, source_for("greenhouse", company="Configured Co"))
    assert result.postings[0].company == "Configured Co"


def test_an_empty_board_is_not_an_error():
    result = greenhouse.parse(fixture_body("greenhouse/empty_board.json"), source_for("greenhouse"))
    assert result.postings == [] and result.skipped == []


def test_non_object_entries_are_skipped():
    body = b'{"jobs": ["oops", {"id": 1, "title": "Rater", "absolute_url": "https://x.example/1"}, 3]}'
    result = greenhouse.parse(body, source_for("greenhouse"))
    assert [posting.external_id for posting in result.postings] == ["1"]
    assert result.skipped == [("job #0", "not a JSON object"), ("job #2", "not a JSON object")]


def test_a_list_of_only_non_objects_is_not_a_greenhouse_board():
    with pytest.raises(FeedFormatError, match="field Greenhouse always sends"):
        greenhouse.parse(b'{"jobs": ["oops", 3]}', source_for("greenhouse"))


@pytest.mark.parametrize("fixture, message", [
    ("greenhouse/board_not_found.json", "the server said: Job board not found"),
    ("lever/brightlabel_postings.json", "expected an object with a 'jobs' list, got a list"),
    ("remotive/remote_jobs_annotation.json", "field Greenhouse always sends"),
    ("ashby/quillmark_job_board.json", "field Greenhouse always sends"),
    ("malformed/html_error_page.html", "expected JSON but the body is HTML"),
    ("malformed/truncated.json", "malformed JSON"),
])
def test_wrong_bodies_raise_feed_format_error_naming_the_source(fixture, message):
    with pytest.raises(FeedFormatError) as error:
        greenhouse.parse(fixture_body(fixture), source_for("greenhouse", name="gh-northwind"))
    assert message in str(error.value)
    assert "gh-northwind" in str(error.value)
