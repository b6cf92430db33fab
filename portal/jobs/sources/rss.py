"""RSS 2.0 and Atom feeds, read with feedparser: each entry is one posting.

feedparser never raises and will happily "parse" an HTML error page, so the body is first checked
with defusedxml: a DTD that declares entities (the "billion laughs" bomb) or external references
is refused outright, and XML that is not well-formed is refused rather than read in part (a
truncated feed would make every posting after the cut look closed). HTML named entities such
as `&nbsp;`, common in real feeds but undefined in XML, are rewritten as numeric references first.
"""

import calendar
import html.entities
import io
import re
import time
from datetime import datetime
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml_safely

from portal.jobs.posting import FeedFormatError, ParseResult, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"
XML_PREDEFINED_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
MAX_EMPLOYER_PREFIX = 60  # a longer "...: ..." prefix is part of the title, not an employer

def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read an RSS or Atom feed into postings; refuse bodies that are not safe, well-formed feeds."""
    xml_body = _numeric_entities(body)
    _refuse_unsafe_or_malformed(xml_body, source)
    feed = feedparser.parse(io.BytesIO(xml_body), sanitize_html=False, resolve_relative_uris=False)
    if not feed.get("version"):
        raise FeedFormatError(f"{common.describe_source(source)}: the XML is not an RSS or Atom feed")
    configured_company = (source.company or "").strip()
    feed_title = common.text_of(feed.feed.get("title")) or source.name
    result = ParseResult()
    for index, entry in enumerate(feed.entries):
        title = common.text_of(entry.get("title"))
        company = configured_company
        if not company:
            company, title = _employer_and_title(entry, title, feed_title)
        url = common.text_of(entry.get("link"))
        external_id = common.text_of(entry.get("id")) or url
        reason = common.missing_required(title, url)
        if reason:
            result.skipped.append((f"entry {external_id or '#' + str(index)}", reason))
            continue
        result.postings.append(_posting_from(entry, external_id, title, url, company, source))
    return result


def _numeric_entities(body: bytes) -> bytes:
    """Rewrite HTML named entities (&nbsp;, &eacute;) as numeric ones, which XML always knows."""
    def replace(match: re.Match) -> bytes:
        """The numeric form of one named entity, or the entity untouched if XML or unknown."""
        name = match.group(1).decode("ascii")
        if name in XML_PREDEFINED_ENTITIES or name not in html.entities.name2codepoint:
            return match.group(0)
        return f"&#{html.entities.name2codepoint[name]};".encode("ascii")
    return _NAMED_ENTITY.sub(replace, body)


def _refuse_unsafe_or_malformed(body: bytes, source: SourceConfig) -> None:
    """FeedFormatError for entity declarations, HTML pages, JSON and XML that is not well-formed."""
    prefix = common.describe_source(source)
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if not start:
        raise FeedFormatError(f"{prefix}: the body is empty, expected an RSS or Atom feed")
    if start.startswith((b"{", b"[")):
        raise FeedFormatError(f"{prefix}: expected an RSS or Atom feed but the body is JSON")
    if start.startswith((b"<!doctype html", b"<html")):
        raise FeedFormatError(
            f"{prefix}: expected an RSS or Atom feed but the body is an HTML page "
            "(an error or login page, or the wrong URL)")
    try:
        parse_xml_safely(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise FeedFormatError(
            f"{prefix}: refused: the feed declares XML entities or external references "
            f"({type(error).__name__}), which can expand without bound") from None
    except ParseError as error:
        raise FeedFormatError(f"{prefix}: malformed XML: {error}") from None


def _employer_and_title(entry, title: str, feed_title: str) -> tuple[str, str]:
    """On a job board's feed the employer is the "Company: Title" prefix, else the entry's author.

    Aggregator feeds (We Work Remotely and the like) name the employer that way; only a feed with
    neither is taken to be one employer's own feed, named by its title.
    """
    prefix, separator, rest = title.partition(": ")
    if separator and rest.strip() and 0 < len(prefix) <= MAX_EMPLOYER_PREFIX:
        return prefix.strip(), rest.strip()
    return common.text_of(entry.get("author")) or feed_title, title


def _posting_from(entry, external_id: str, title: str, url: str, company: str,
                  source: SourceConfig) -> Posting:
    """Map one feedparser entry onto a Posting."""
    extra: dict = {}
    author = common.text_of(entry.get("author"))
    if author:
        extra["author"] = author
    terms = [common.text_of(tag.get("term")) for tag in entry.get("tags") or []]
    tags = [term for term in terms if term]
    if tags:
        extra["tags"] = tags
    posted_at = (_from_struct_time(entry.get("published_parsed"))
                 or _from_struct_time(entry.get("updated_parsed"))
                 or common.read_date(entry.get("published") or entry.get("updated"), "published", extra))
    return Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=company,
        url=url,
        description_html=_description(entry),
        posted_at=posted_at,
        extra=extra,
    )


def _description(entry) -> str:
    """The fullest body the entry has: <content> (Atom, content:encoded) before <summary>."""
    contents = [common.text_of(part.get("value")) for part in entry.get("content") or []]
    longest_content = max(contents, key=len, default="")
    summary = common.text_of(entry.get("summary"))
    return longest_content if len(longest_content) >= len(summary) else summary


def _from_struct_time(value: object) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime (None if absent or implausible)."""
    if not isinstance(value, time.struct_time):
        return None
    return common.parse_datetime(calendar.timegm(value))


register(SourceKind(kind="rss", title="RSS or Atom feed", parse=parse, accept=FEED_ACCEPT))
