"""The job sources list: a TOML file of `[[source]]` tables, validated into SourceConfig objects.

Which file is read, first match wins:
1. the `path` passed to `load_sources` (a command-line option, a test);
2. the file named by the environment variable PORTAL_JOB_SOURCES;
3. content/jobs/sources.toml in the project.

Each table has `name`, `kind` and `url`, and optionally `company` and `enabled` (default true).
Pure: no Flask, no database.
"""

import os
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from portal.config import PROJECT_ROOT
from portal.jobs.posting import SourceConfig
from portal.jobs.sources.registry import all_source_kinds

DEFAULT_SOURCES_PATH = PROJECT_ROOT / "content" / "jobs" / "sources.toml"
SOURCES_PATH_VARIABLE = "PORTAL_JOB_SOURCES"
REQUIRED_FIELDS = ("name", "kind", "url")
OPTIONAL_FIELDS = {"company": str, "enabled": bool}
# Names appear in URLs, logs and the database: keep them short, lower case and unambiguous.
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class SourcesConfigError(ValueError):
    """The sources file is missing or invalid; the message names the file and the table."""


def sources_path(path: Path | None = None) -> Path:
    """The file to read: the explicit path, else $PORTAL_JOB_SOURCES, else the bundled default."""
    if path is not None:
        return Path(path)
    from_environment = os.environ.get(SOURCES_PATH_VARIABLE, "").strip()
    return Path(from_environment) if from_environment else DEFAULT_SOURCES_PATH


def load_sources(path: Path | None = None) -> list[SourceConfig]:
    """Every configured source, enabled or not, in file order; SourcesConfigError on any mistake."""
    chosen = sources_path(path)
    try:
        with chosen.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise SourcesConfigError(
            f"{chosen}: no such file (set {SOURCES_PATH_VARIABLE} or pass a path to use another list)"
        ) from None
    except OSError as error:
        raise SourcesConfigError(f"{chosen}: cannot be read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SourcesConfigError(f"{chosen}: not valid TOML: {error}") from None
    return sources_from_document(document, chosen)


def sources_from_document(document: dict, origin: Path | str) -> list[SourceConfig]:
    """Validate a parsed TOML document into SourceConfigs; `origin` names the file in errors."""
    unexpected = sorted(set(document) - {"source"})
    if unexpected:
        raise SourcesConfigError(
            f"{origin}: unexpected top-level key(s) {', '.join(unexpected)}; "
            "only [[source]] tables belong here")
    tables = document.get("source", [])
    if not isinstance(tables, list):
        raise SourcesConfigError(f"{origin}: 'source' must be an array of tables, written [[source]]")
    known_kinds = sorted(kind.kind for kind in all_source_kinds())
    sources: list[SourceConfig] = []
    seen_names: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        source = _source_from_table(table, f"{origin}: [[source]] #{index}", known_kinds)
        if source.name in seen_names:
            raise SourcesConfigError(
                f"{origin}: [[source]] #{index} ('{source.name}'): duplicate name, "
                f"already used by [[source]] #{seen_names[source.name]}")
        seen_names[source.name] = index
        sources.append(source)
    return sources


def _source_from_table(table: object, where: str, known_kinds: list[str]) -> SourceConfig:
    """One [[source]] table checked field by field; `where` prefixes every error."""
    if not isinstance(table, dict):
        raise SourcesConfigError(f"{where}: must be a table")
    name = table.get("name")
    if isinstance(name, str) and name:
        where = f"{where} ('{name}')"
    unknown = sorted(set(table) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        allowed = ", ".join(REQUIRED_FIELDS + tuple(OPTIONAL_FIELDS))
        raise SourcesConfigError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
    for field_name in REQUIRED_FIELDS:
        if field_name not in table:
            raise SourcesConfigError(f"{where}: missing required field '{field_name}'")
        if not isinstance(table[field_name], str) or not table[field_name].strip():
            raise SourcesConfigError(f"{where}: '{field_name}' must be a non-empty string")
    for field_name, expected_type in OPTIONAL_FIELDS.items():
        if field_name in table and not isinstance(table[field_name], expected_type):
            raise SourcesConfigError(
                f"{where}: '{field_name}' must be a {expected_type.__name__}, got {table[field_name]!r}")
    if not SOURCE_NAME.match(name):
        raise SourcesConfigError(
            f"{where}: name '{name}' must be lower case letters, digits, '.', '_' or '-' (at most 64)")
    if table["kind"] not in known_kinds:
        raise SourcesConfigError(
            f"{where}: unknown kind '{table['kind']}'; known kinds: {', '.join(known_kinds)}")
    url = table["url"].strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourcesConfigError(f"{where}: url '{url}' must be an absolute http(s) URL")
    company = table.get("company")
    return SourceConfig(
        name=name,
        kind=table["kind"],
        url=url,
        company=(company.strip() or None) if company is not None else None,
        enabled=table.get("enabled", True),
    )
