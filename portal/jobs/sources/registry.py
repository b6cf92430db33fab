"""The source-kind registry: a dict, a `register` function and a lookup with a clear error."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from portal.jobs.posting import ParseResult, SourceConfig

BUILTIN_KINDS = ("greenhouse", "lever", "ashby", "workable", "recruitee", "rss", "remotive", "jsonld")


@dataclass(frozen=True)
class SourceKind:
    """A job-source format: how to parse one fetched body into postings."""

    kind: str
    title: str  # "Greenhouse job board API"
    parse: Callable[[bytes, SourceConfig], ParseResult]  # raises FeedFormatError on a wrong format
    accept: str = "application/json"  # the Accept header to send
    min_refresh_interval: timedelta = timedelta(0)  # a provider's own limit on how often to fetch


_KINDS: dict[str, SourceKind] = {}


class UnknownSourceKind(LookupError):
    """No adapter is registered under that kind."""


def register(source_kind: SourceKind) -> SourceKind:
    """Add a kind; registering two under one name is a programming error."""
    if source_kind.kind in _KINDS:
        raise ValueError(f"source kind '{source_kind.kind}' is registered twice")
    _KINDS[source_kind.kind] = source_kind
    return source_kind


def get_source_kind(kind: str) -> SourceKind:
    """The registered kind, or UnknownSourceKind naming the ones that exist."""
    _load_builtin_kinds()
    try:
        return _KINDS[kind]
    except KeyError:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise UnknownSourceKind(f"unknown source kind '{kind}'; available: {known}") from None


def all_source_kinds() -> list[SourceKind]:
    """Every registered kind."""
    _load_builtin_kinds()
    return list(_KINDS.values())


def _load_builtin_kinds() -> None:
    """Import the bundled adapters once; each registers itself on import."""
    import importlib
    for kind in BUILTIN_KINDS:
        importlib.import_module(f"portal.jobs.sources.{kind}")
