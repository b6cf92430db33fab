"""Atom 1.0 documents for saved searches (pure: no Flask, no database).

Built with xml.etree, which escapes every text and attribute value, so a title such as
`<script>` or `R&D` can never break the document or inject markup into a feed reader.
"""

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

ATOM_NS = "http://www.w3.org/2005/Atom"
ElementTree.register_namespace("", ATOM_NS)
XML_UNSAFE = str.maketrans({code: None for code in (*range(0, 9), 11, 12, *range(14, 32))})


@dataclass(frozen=True)
class FeedEntry:
    """One posting as a feed entry."""

    entry_id: str  # a stable URI, e.g. the posting's page URL
    title: str
    link: str
    updated: datetime
    summary: str
    author: str


def _text(value: str) -> str:
    """XML 1.0 forbids most control characters even escaped; drop them."""
    return (value or "").translate(XML_UNSAFE)


def _child(parent, tag: str, text: str | None = None, **attributes):
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom_feed(*, feed_id: str, title: str, self_url: str, alternate_url: str, updated: datetime,
              entries: list[FeedEntry]) -> bytes:
    """A complete Atom document as UTF-8 bytes with an XML declaration."""
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    _child(feed, "id", feed_id)
    _child(feed, "title", title)
    _child(feed, "updated", updated.isoformat())
    _child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _child(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    _child(feed, "generator", "Annotator Portal")
    for item in entries:
        entry = _child(feed, "entry")
        _child(entry, "id", item.entry_id)
        _child(entry, "title", item.title)
        _child(entry, "updated", item.updated.isoformat())
        _child(entry, "link", rel="alternate", type="text/html", href=item.link)
        author = _child(entry, "author")
        _child(author, "name", item.author or "Unknown")
        _child(entry, "summary", item.summary, type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
