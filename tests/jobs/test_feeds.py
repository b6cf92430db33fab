"""Atom feeds of saved searches: valid Atom, escaping, newest open matches, token required."""

from xml.etree import ElementTree

import feedparser
import pytest

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.feeds import ATOM_NS, FeedEntry, atom_feed
from portal.jobs.models import SavedSearch
from tests.jobs.factories import make_posting

A = f"{{{ATOM_NS}}}"


@pytest.fixture
def feed_token(app, auth):
    auth.register()
    with app.app_context():
        make_posting(title="Rater <b>&</b> \"reviewer\"", company="R&D <Labs>", age_days=1,
                     description_text="Rate search results\x0b fast.")
        make_posting(title="Older rater", age_days=5)
        make_posting(title="Closed rater", closed_at=utcnow())
        make_posting(title="Unrelated cook", age_days=1)
        saved = SavedSearch(user_id=1, name="Raters & <friends>", params={"q": "rater"}, feed_token="t" * 43)
        db.session.add(saved)
        db.session.commit()
        return saved.feed_token


def test_feed_is_valid_atom_with_escaped_text(client, feed_token):
    response = client.get(f"/jobs/feeds/{feed_token}.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{A}feed"
    assert root.find(f"{A}title").text == "Raters & <friends>: jobs on Annotator Portal"
    entries = root.findall(f"{A}entry")
    assert [entry.find(f"{A}title").text for entry in entries] == ['Rater <b>&</b> "reviewer"', "Older rater"]
    assert entries[0].find(f"{A}author/{A}name").text == "R&D <Labs>"
    assert b"<b>" not in response.data and b"&lt;b&gt;" in response.data
    for entry in entries:
        assert entry.find(f"{A}id").text.startswith("http://localhost/jobs/")
        assert entry.find(f"{A}updated").text.endswith("+00:00")


def test_feedparser_reads_it_cleanly(client, feed_token):
    parsed = feedparser.parse(client.get(f"/jobs/feeds/{feed_token}.atom").data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Raters & <friends>: jobs on Annotator Portal"
    assert [entry.title for entry in parsed.entries] == ['Rater <b>&</b> "reviewer"', "Older rater"]
    assert parsed.entries[0].link.startswith("http://localhost/jobs/")
    assert parsed.feed.links[0].href == f"http://localhost/jobs/feeds/{feed_token}.atom"


def test_unknown_token_is_404(client, feed_token):
    assert client.get(f"/jobs/feeds/{'x' * 43}.atom").status_code == 404
    assert client.get(f"/jobs/feeds/{feed_token[:-1]}.atom").status_code == 404


def test_feed_keeps_at_most_fifty_entries_newest_first(app, client, feed_token):
    with app.app_context():
        for day in range(60):
            make_posting(title=f"Bulk rater {day}", age_days=10 + day, commit=False)
        db.session.commit()
    root = ElementTree.fromstring(client.get(f"/jobs/feeds/{feed_token}.atom").data)
    titles = [entry.find(f"{A}title").text for entry in root.findall(f"{A}entry")]
    assert len(titles) == 50 and titles[0] == 'Rater <b>&</b> "reviewer"' and titles[-1] == "Bulk rater 47"


def test_feed_of_a_search_with_a_stale_filter_still_works(app, client, feed_token):
    with app.app_context():
        saved = db.session.query(SavedSearch).one()
        saved.params = {"q": "rater", "task_type": "retired-task"}
        db.session.commit()
    assert len(ElementTree.fromstring(client.get(f"/jobs/feeds/{feed_token}.atom").data).findall(f"{A}entry")) == 2


def test_atom_builder_drops_characters_xml_forbids():
    now = utcnow()
    body = atom_feed(feed_id="urn:x", title="Bell\x07 & <tag>", self_url="http://h/f?a=1&b=2",
                     alternate_url="http://h/", updated=now,
                     entries=[FeedEntry("urn:e", "T\x00", "http://h/e", now, "S\x1f", "A")])
    root = ElementTree.fromstring(body)
    assert root.find(f"{A}title").text == "Bell & <tag>"
    assert root.find(f"{A}link").get("href") == "http://h/f?a=1&b=2"
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
