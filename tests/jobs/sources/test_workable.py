"""The Workable widget adapter."""

from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError
from portal.jobs.sources import workable
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

WIDGET = "workable/tessera_annotation_widget.json"


@pytest.fixture
def result():
    return workable.parse(fixture_body(WIDGET), source_for("workable"))


def test_workable_is_registered():
    assert get_source_kind("workable").parse is workable.parse


def test_maps_the_documented_fields(result):
    posting = by_title(result.postings)["Quality Assurance Reviewer – Text Annotation"]
    assert posting.external_id == "F6G7H8J9K0"
    assert posting.company == "Tessera Annotation"  # the account name in the payload
    assert posting.url == "https://apply.workable.com/tessera-annotation/j/F6G7H8J9K0/"
    assert posting.extra["application_url"].endswith("/apply")
    assert posting.extra["code"] == "QA-07"
    assert posting.location == "Nairobi, Kenya"
    assert posting.countries == ["KE"]
    assert posting.remote == "unknown"  # telecommuting false does not say on-site
    assert posting.employment_type == "contract"
    assert posting.department == "Quality"
    assert posting.posted_at == datetime(2026, 11, 2, tzinfo=UTC)


def test_rows_repeated_per_location_merge_into_one_posting(result):
    annotators = [posting for posting in result.postings if posting.external_id == "A1B2C3D4E5"]
    assert len(annotators) == 1
    posting = annotators[0]
    assert posting.countries == ["PH", "KE"]  # the hidden Kampala location is left out
    assert posting.location == "Manila, Metro Manila, Philippines | Nairobi, Nairobi County, Kenya"
    assert posting.remote == "remote"
    assert posting.employment_type == "part-time"
    assert posting.description_html == "<p>Label objects in street images with polygons and boxes.</p>"


def test_workplace_type_wins_over_telecommuting(result):
    assert by_title(result.postings)["Senior Software Engineer"].remote == "hybrid"


def test_an_unreadable_published_on_falls_back_to_created_at(result):
    posting = by_title(result.postings)["Account Executive, EMEA"]
    assert posting.posted_at == datetime(2026, 10, 19, tzinfo=UTC)
    assert posting.extra["unparsed_dates"] == {"published_on": "20/10/2026"}
    assert posting.countries == ["DE"]  # from the job's country name when there are no locations


def test_skips_a_job_without_a_title(result):
    assert len(result.postings) == 4
    assert result.skipped == [("job X1Y2Z3A4B5", "no title")]


def test_company_falls_back_without_an_account_name():
    body = b'{"jobs": [{"title": "Tagger", "shortcode": "S1", "url": "https://apply.workable.com/x/j/S1/"}]}'
    result = workable.parse(body, source_for("workable", company="Configured"))
    assert result.postings[0].company == "Configured"


@pytest.mark.parametrize("fixture, message", [
    ("remotive/remote_jobs_annotation.json", "field Workable always sends"),
    ("lever/brightlabel_postings.json", "expected an object with a 'jobs' list"),
    ("malformed/html_error_page.html", "expected JSON but the body is HTML"),
])
def test_wrong_bodies_raise_feed_format_error(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        workable.parse(fixture_body(fixture), source_for("workable"))
