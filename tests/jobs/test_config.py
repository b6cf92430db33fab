"""The job sources TOML file: which file is read, and validation both ways."""

from pathlib import Path

import pytest

from portal.jobs import config
from portal.jobs.config import SourcesConfigError, load_sources
from portal.jobs.posting import SourceConfig
from portal.jobs.sources.registry import BUILTIN_KINDS, get_source_kind

VALID = """
[[source]]
name = "scaleai"
kind = "greenhouse"
url = "https://boards-api.greenhouse.io/v1/boards/scaleai/jobs?content=true"
company = "Scale AI"

[[source]]
name = "remotive-annotation"
kind = "remotive"
url = "https://remotive.com/api/remote-jobs?search=annotation"
enabled = false
"""


def write(tmp_path: Path, text: str, name: str = "sources.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_source(**fields) -> str:
    """A TOML document with one [[source]] table holding exactly the given fields."""
    lines = ["[[source]]"]
    for key, value in fields.items():
        if isinstance(value, bool):
            rendered = str(value).lower()
        elif isinstance(value, int):
            rendered = str(value)
        else:
            rendered = f'"{value}"'
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


GOOD_FIELDS = {"name": "acme", "kind": "lever", "url": "https://api.lever.co/v0/postings/acme?mode=json"}


def test_loads_valid_sources_in_file_order(tmp_path):
    sources = load_sources(write(tmp_path, VALID))
    assert sources == [
        SourceConfig(name="scaleai", kind="greenhouse",
                     url="https://boards-api.greenhouse.io/v1/boards/scaleai/jobs?content=true",
                     company="Scale AI"),
        SourceConfig(name="remotive-annotation", kind="remotive",
                     url="https://remotive.com/api/remote-jobs?search=annotation", enabled=False),
    ]


def test_an_empty_file_is_an_empty_list(tmp_path):
    assert load_sources(write(tmp_path, "# nothing configured yet\n")) == []


def test_explicit_path_beats_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_JOB_SOURCES", str(write(tmp_path, one_source(**GOOD_FIELDS), "env.toml")))
    explicit = write(tmp_path, VALID, "explicit.toml")
    assert [source.name for source in load_sources(explicit)] == ["scaleai", "remotive-annotation"]


def test_environment_beats_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_JOB_SOURCES", str(write(tmp_path, one_source(**GOOD_FIELDS), "env.toml")))
    assert [source.name for source in load_sources()] == ["acme"]
    assert config.sources_path() == tmp_path / "env.toml"


def test_the_default_is_the_bundled_file(monkeypatch):
    monkeypatch.delenv("PORTAL_JOB_SOURCES", raising=False)
    assert config.sources_path() == config.DEFAULT_SOURCES_PATH
    assert config.DEFAULT_SOURCES_PATH.parts[-3:] == ("content", "jobs", "sources.toml")


def test_a_missing_file_names_the_path_and_the_remedy(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(SourcesConfigError, match=f"{missing}: no such file .*PORTAL_JOB_SOURCES"):
        load_sources(missing)


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, '[[source]]\nname = "acme\n')
    with pytest.raises(SourcesConfigError, match=f"{path}: not valid TOML"):
        load_sources(path)


@pytest.mark.parametrize("fields, message", [
    ({"kind": "lever", "url": "https://x.example"}, "#1: missing required field 'name'"),
    ({"name": "acme", "url": "https://x.example"}, "#1 ('acme'): missing required field 'kind'"),
    ({"name": "acme", "kind": "lever"}, "#1 ('acme'): missing required field 'url'"),
    ({**GOOD_FIELDS, "kind": "workday"},
     "unknown kind 'workday'; known kinds: ashby, greenhouse, jsonld, lever"),
    ({**GOOD_FIELDS, "url": "ftp://x.example/feed"},
     "url 'ftp://x.example/feed' must be an absolute http(s) URL"),
    ({**GOOD_FIELDS, "url": "javascript:alert(1)"}, "must be an absolute http(s) URL"),
    ({**GOOD_FIELDS, "url": "/relative/path"}, "must be an absolute http(s) URL"),
    ({**GOOD_FIELDS, "enabled": "yes"}, "'enabled' must be a bool, got 'yes'"),
    ({**GOOD_FIELDS, "company": 42}, "'company' must be a str, got 42"),
    ({**GOOD_FIELDS, "name": ""}, "'name' must be a non-empty string"),
    ({**GOOD_FIELDS, "name": "Acme Corp"}, "name 'Acme Corp' must be lower case"),
    ({**GOOD_FIELDS, "enable": False}, "unknown field(s) enable; allowed: name, kind, url, company, enabled"),
])
def test_invalid_tables_name_the_file_the_table_and_the_problem(tmp_path, fields, message):
    path = write(tmp_path, one_source(**fields))
    with pytest.raises(SourcesConfigError) as error:
        load_sources(path)
    assert str(error.value).startswith(f"{path}: [[source]] #1")
    assert message in str(error.value)


def test_wrong_value_types_are_refused(tmp_path):
    path = write(tmp_path, '[[source]]\nname = "acme"\nkind = "lever"\nurl = ["https://x.example"]\n')
    with pytest.raises(SourcesConfigError, match="'url' must be a non-empty string"):
        load_sources(path)


def test_duplicate_names_point_at_both_tables(tmp_path):
    path = write(tmp_path, VALID + one_source(**{**GOOD_FIELDS, "name": "scaleai"}))
    expected = r"#3 \('scaleai'\): duplicate name, already used by \[\[source\]\] #1"
    with pytest.raises(SourcesConfigError, match=expected):
        load_sources(path)


@pytest.mark.parametrize("text, message", [
    ('title = "jobs"\n' + VALID, "unexpected top-level key(s) title"),
    ('source = "scaleai"\n', "'source' must be an array of tables"),
    ('source = ["scaleai"]\n', "[[source]] #1: must be a table"),
])
def test_the_document_shape_is_checked(tmp_path, text, message):
    with pytest.raises(SourcesConfigError) as error:
        load_sources(write(tmp_path, text))
    assert message in str(error.value)


def test_company_is_optional_and_blank_means_none(tmp_path):
    sources = load_sources(write(tmp_path, one_source(**GOOD_FIELDS, company="  ")))
    assert sources[0].company is None
    assert sources[0].enabled is True


def test_the_bundled_sources_file_loads_and_every_kind_is_registered(monkeypatch):
    monkeypatch.delenv("PORTAL_JOB_SOURCES", raising=False)
    sources = load_sources()
    assert len(sources) >= 10
    for source in sources:
        assert get_source_kind(source.kind).kind == source.kind
    enabled_kinds = {source.kind for source in sources if source.enabled}
    assert {"greenhouse", "lever", "ashby", "workable", "remotive"} <= enabled_kinds


def test_the_bundled_file_credits_remotive_in_its_header():
    header = config.DEFAULT_SOURCES_PATH.read_text(encoding="utf-8").split("\n[[source]]")[0]
    assert "Remotive's terms" in header and "link" in header and "4" in header


def test_every_builtin_kind_is_known_to_the_validator(tmp_path):
    for kind in BUILTIN_KINDS:
        sources = load_sources(write(tmp_path, one_source(**{**GOOD_FIELDS, "kind": kind})))
        assert sources[0].kind == kind
