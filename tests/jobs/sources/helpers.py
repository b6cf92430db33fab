"""Fixture bodies and source configs shared by the adapter tests."""

from pathlib import Path

from portal.jobs.posting import Posting, SourceConfig

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_body(relative_path: str) -> bytes:
    """The raw bytes of a recorded response under tests/jobs/fixtures/."""
    return (FIXTURES / relative_path).read_bytes()


def source_for(kind: str, **overrides) -> SourceConfig:
    """A configured source of the given kind, named after it."""
    values = {"name": f"test-{kind}", "kind": kind, "url": f"https://feeds.example.org/{kind}"}
    values.update(overrides)
    return SourceConfig(**values)


def by_title(postings: list[Posting]) -> dict[str, Posting]:
    """Postings keyed by title, for readable assertions."""
    return {posting.title: posting for posting in postings}
