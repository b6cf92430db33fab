"""The normalised job posting every source adapter produces and every later stage reads.

Pure: no Flask, no database. Adapters fill what their format states outright; `normalise.py`
derives the rest (pay from text, remote from wording, countries, task types, clean HTML).
"""

from dataclasses import dataclass, field
from datetime import datetime

REMOTE_VALUES = ("remote", "hybrid", "on-site", "unknown")
PAY_PERIODS = ("hour", "day", "week", "month", "year")
EMPLOYMENT_TYPES = ("full-time", "part-time", "contract", "temporary", "internship", "freelance")


@dataclass(frozen=True)
class SourceConfig:
    """One `[[source]]` table of the sources TOML file."""

    name: str
    kind: str
    url: str
    company: str | None = None
    enabled: bool = True


@dataclass
class Pay:
    """A pay range in one currency and period; `source` says where the figure came from."""

    min: float | None
    max: float | None
    currency: str | None  # ISO 4217, e.g. "USD"
    period: str  # one of PAY_PERIODS
    source: str  # "structured" (an API field) or "text" (found in the description or title)


@dataclass(frozen=True)
class Flag:
    """A scam warning shown on the posting: a stable code and a plain explanation."""

    code: str
    message: str


@dataclass
class Posting:
    """One opening as read from one source, then normalised."""

    source_name: str
    external_id: str  # the id within its source: ATS id, feed guid, or URL
    title: str
    company: str
    url: str  # where a person reads and applies
    description_html: str = ""  # raw from the source until normalise() sanitizes it
    location: str = ""
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2 codes
    remote: str = "unknown"  # one of REMOTE_VALUES
    employment_type: str | None = None  # one of EMPLOYMENT_TYPES
    pay: Pay | None = None
    pay_text: str | None = None  # a compensation summary the source gives as text
    posted_at: datetime | None = None  # aware UTC
    expires_at: datetime | None = None  # aware UTC (validThrough)
    department: str | None = None
    languages: list[str] = field(default_factory=list)  # language names the posting requires
    task_types: list[str] = field(default_factory=list)  # practice task slugs it mentions
    flags: list[Flag] = field(default_factory=list)
    description_text: str = ""  # plain text of the description, for search and similarity
    extra: dict = field(default_factory=dict)  # format-specific facts the normaliser may use


@dataclass
class ParseResult:
    """What an adapter read from one response: postings, and entries skipped with the reason."""

    postings: list[Posting] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


class FeedFormatError(ValueError):
    """The response is not in the format the source kind expects (a clear, loggable reason)."""
