"""The RSS and Atom adapter, including the refusals that keep feedparser safe."""

import time
import tracemalloc
from datetime import UTC, datetime

import pytest

from portal.jobs.posting import FeedFormatError
from portal.jobs.sources import rss
from portal.jobs.sources.registry import get_source_kind
from tests.jobs.sources.helpers import by_title, fixture_body, source_for

RSS_FEED = "rss/remote_board_all_other.rss"
ATOM_FEED = "rss/annotation_jobs.atom"


@pytest.fixture
def rss_result():
    return rss.parse(fixture_body(RSS_FEED), source_for("rss"))


@pytest.fixture
def atom_result():
    return rss.parse(fixture_body(ATOM_FEED), source_for("rss"))


def test_rss_is_registered_and_asks_for_feeds():
    kind = get_source_kind("rss")
    assert kind.parse is rss.parse
    assert "application/rss+xml" in kind.accept


def test_rss_items_map_to_postings(rss_result):
    posting = by_title(rss_result.postings)["Data Annotation Specialist (Part-Time)"]
    link = "https://remoteboard.example/remote-jobs/harbor-labs-data-annotation-specialist-part-time"
    assert posting.external_id == link  # the guid, a permalink
    assert posting.url == posting.external_id
    # a job board's feed names the employer in a "Company: Title" prefix
    assert posting.company == "Harbor Labs"
    assert posting.posted_at == datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
    assert posting.extra == {"author": "Harbor Labs", "tags": ["All Other Remote"]}
    assert "<h3>Requirements</h3>" in posting.description_html  # content:encoded preferred over description


def test_configured_company_wins_over_the_feed_title():
    result = rss.parse(fixture_body(RSS_FEED), source_for("rss", company="Harbor Labs"))
    assert {posting.company for posting in result.postings} == {"Harbor Labs"}


def test_guid_is_the_external_id_and_dates_convert_to_utc(rss_result):
    postings = by_title(rss_result.postings)
    scam = postings["Easy AI Rating Job – $45/hr, No Experience Needed!!!"]
    assert scam.company == "AI Rating Hub"
    assert scam.external_id == "remoteboard-889102"
    assert scam.posted_at == datetime(2026, 11, 1, 22, 40, tzinfo=UTC)
    engineer = postings["Senior Software Engineer"]
    assert engineer.posted_at == datetime(2026, 10, 30, 13, 0, tzinfo=UTC)  # -0400


def test_the_scam_posting_keeps_the_text_later_stages_flag(rss_result):
    scam = next(posting for posting in rss_result.postings if posting.external_id == "remoteboard-889102")
    for warning_sign in ("starter kit", "Telegram", "@gmail.com", "$49"):
        assert warning_sign in scam.description_html


def test_html_named_entities_are_read_not_refused(rss_result):
    posting = next(posting for posting in rss_result.postings if posting.company == "Lingua Loop")
    assert posting.title == "Transcriber\u00a0– Portuguese (Brazil)"
    assert "\u2014 paid per audio minute" in posting.description_html
    assert posting.posted_at == datetime(2026, 11, 3, tzinfo=UTC)  # a bare date instead of RFC 822


def test_skips_an_item_without_a_link(rss_result):
    assert len(rss_result.postings) == 5
    assert rss_result.skipped == [("entry remoteboard-889199", "no URL")]


def test_atom_entries_map_to_postings(atom_result):
    posting = by_title(atom_result.postings)["Speech Data Transcriber – Swahili"]
    assert posting.external_id == "tag:annotationjobs.example,2026:job-7781"
    assert posting.url == "https://annotationjobs.example/jobs/speech-data-transcriber-swahili"
    assert posting.company == "Sauti Data"  # no "Company: Title" prefix: the entry's author
    assert posting.posted_at == datetime(2026, 11, 2, 3, 30, tzinfo=UTC)  # published, +03:00
    assert posting.description_html.startswith("<p>Transcribe Swahili radio clips, about 10 hours")
    assert posting.extra == {"author": "Sauti Data", "tags": ["transcription", "swahili"]}


def test_atom_falls_back_to_updated_and_summary(atom_result):
    posting = by_title(atom_result.postings)["Image Segmentation Annotator"]
    assert posting.posted_at == datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    expected = "<p>Pixel-accurate masks for agricultural drone images. Remote, contract.</p>"
    assert posting.description_html == expected
    assert atom_result.skipped == [("entry tag:annotationjobs.example,2026:job-7784", "no title")]


def test_an_empty_feed_is_not_an_error():
    assert rss.parse(fixture_body("rss/empty_channel.rss"), source_for("rss")).postings == []


def test_an_entity_bomb_is_refused_quickly_and_in_little_memory():
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FeedFormatError, match="declares XML entities"):
            rss.parse(fixture_body("rss/entity_bomb.xml"), source_for("rss"))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 20 * 1024 * 1024  # expanded, &lol9; alone would be 300 MB


def test_an_external_entity_is_refused():
    with pytest.raises(FeedFormatError, match="declares XML entities or external references"):
        rss.parse(fixture_body("rss/external_entity.xml"), source_for("rss"))


def test_a_truncated_feed_is_refused_rather_than_read_in_part():
    with pytest.raises(FeedFormatError, match="malformed XML: no element found"):
        rss.parse(fixture_body("rss/truncated_feed.rss"), source_for("rss"))


@pytest.mark.parametrize("fixture, message", [
    ("malformed/html_error_page.html", "the body is an HTML page"),
    ("remotive/remote_jobs_annotation.json", "the body is JSON"),
    ("malformed/empty.txt", "the body is empty"),
    ("malformed/not_utf8.bin", "malformed XML"),
])
def test_bodies_that_are_not_feeds_are_refused(fixture, message):
    with pytest.raises(FeedFormatError, match=message):
        rss.parse(fixture_body(fixture), source_for("rss", name="wwr-other"))


def test_well_formed_xml_that_is_not_a_feed_is_refused():
    with pytest.raises(FeedFormatError, match="not an RSS or Atom feed"):
        rss.parse(b'<?xml version="1.0"?><sitemap><url>https://x.example</url></sitemap>', source_for("rss"))


@pytest.mark.parametrize("body", [b"/etc/passwd", b"https://example.org/feed.rss", b"file:///etc/passwd"])
def test_a_body_that_looks_like_a_path_or_url_is_never_opened_or_fetched(body):
    with pytest.raises(FeedFormatError, match="malformed XML"):
        rss.parse(body, source_for("rss"))


def test_a_feed_with_neither_prefix_nor_author_is_named_by_its_title():
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Acme Careers</title>'
            b'<item><title>Data Labeler</title><link>https://acme.example/jobs/1</link></item>'
            b'</channel></rss>')
    [posting] = rss.parse(body, source_for("rss")).postings
    assert (posting.company, posting.title) == ("Acme Careers", "Data Labeler")
