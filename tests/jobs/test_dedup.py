"""De-duplication: canonical URLs, company keys, fingerprints and cautious description similarity."""

import time

import pytest

from portal.jobs.dedup import (
    SIMILARITY_THRESHOLD, canonical_url, company_key, description_similarity, fingerprint, is_probable_duplicate,
    title_key,
)
from portal.jobs.posting import Posting


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://Boards.Greenhouse.io:443/acme/jobs/123/?utm_source=x&gh_src=abc#apply",
     "https://boards.greenhouse.io/acme/jobs/123"),
    ("http://example.com:80/a?b=2&a=1", "http://example.com/a?a=1&b=2"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("https://jobs.lever.co/acme/abc?lever-source=LinkedIn&lever-origin=applied&ref=x", "https://jobs.lever.co/acme/abc"),
    ("https://x.example/job?id=7&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&src=5&source=6&trk=7&utm_medium=8",
     "https://x.example/job?id=7"),
    ("https://example.com/", "https://example.com"),
    ("https://example.com/Path/Case", "https://example.com/Path/Case"),
    ("  https://example.com/a  ", "https://example.com/a"),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("junk", ["not a url", "", "   ", "http://[::1", "https://host:notaport/x", "mailto:a@b.c"])
def test_canonical_url_returns_junk_stripped_without_raising(junk):
    assert canonical_url(junk) == junk.strip()


def test_canonical_url_of_a_non_string_is_empty():
    assert canonical_url(None) == ""


@pytest.mark.parametrize(("company", "expected"), [
    ("Scale AI, Inc.", "scale ai"),
    ("scale ai", "scale ai"),
    ("Appen Limited", "appen"),
    ("Müller Daten GmbH", "muller daten"),
    ("TransPerfect B.V.", "transperfect"),
    ("Acme Pty Ltd", "acme"),
    ("The Labelling Company", "labelling"),
    ("Limited", "limited"),
    ("AT&T", "at and t"),
])
def test_company_key(company, expected):
    assert company_key(company) == expected


def test_title_key_drops_workplace_and_contract_noise_only():
    assert title_key("AI Tutor (Remote)") == title_key("AI Tutor - Contract") == title_key("ai tutor") == "ai tutor"
    assert title_key("Senior AI Tutor") != title_key("AI Tutor")
    assert title_key("AI Tutor - Spanish") != title_key("AI Tutor - French")


def test_fingerprint_is_stable_hex_and_ignores_noise():
    first = fingerprint("Scale AI, Inc.", "AI Tutor (Remote)", "Remote - US")
    assert len(first) == 64 and int(first, 16) >= 0
    assert first == fingerprint("scale ai", "AI tutor - Contract", "remote  us")
    assert first != fingerprint("Scale AI", "AI Tutor", "Remote - UK")
    assert first != fingerprint("Scale AI", "Senior AI Tutor", "Remote - US")


BOILERPLATE = ("Acme AI builds training data for the world's leading AI labs. We are a remote-first company with "
               "people in forty countries. We offer flexible hours, weekly pay and a supportive community. Acme AI "
               "is an equal opportunity employer and values diversity of every kind. ") * 2


def _annotator_role(variant: str = "") -> str:
    """A realistic annotator description, optionally with a small edit."""
    return (BOILERPLATE + "As a data annotator you will draw bounding boxes around vehicles and pedestrians, "
            "follow detailed written guidelines, flag unclear cases to your lead and meet weekly accuracy targets. "
            "You need a reliable computer, a stable connection and strong attention to detail. " + variant)


def _engineer_role() -> str:
    """A different role at the same company that shares the boilerplate."""
    return (BOILERPLATE + "As a backend engineer you will design the services that store annotations, scale our "
            "task queue to millions of items a day and build internal tools in Python and Go. You have five "
            "years of experience with distributed systems and PostgreSQL.")


def test_description_similarity_bounds():
    assert description_similarity("same words here today", "same words here today") == 1.0
    assert description_similarity("", "anything") == 0.0
    assert description_similarity("alpha beta gamma delta", "epsilon zeta eta theta") == 0.0


def test_near_duplicates_are_similar_and_boilerplate_alone_is_not():
    assert description_similarity(_annotator_role(), _annotator_role("Apply today.")) >= SIMILARITY_THRESHOLD
    assert description_similarity(_annotator_role(), _engineer_role()) < SIMILARITY_THRESHOLD


def test_description_similarity_is_fast_on_long_texts():
    first, second = _annotator_role() * 6, _annotator_role("x") * 6
    started = time.perf_counter()
    for _ in range(20):
        description_similarity(first, second)
    assert time.perf_counter() - started < 1.0


def _posting(**fields) -> Posting:
    """A normalised posting; keyword arguments override any field."""
    values = {"source_name": "lever-acme", "external_id": "1", "title": "Data Annotator", "company": "Acme AI, Inc.",
              "url": "https://jobs.lever.co/acme/1", "description_text": _annotator_role()}
    values.update(fields)
    return Posting(**values)


def test_same_opening_from_two_sources_is_a_duplicate():
    first = _posting()
    second = _posting(source_name="remotive", title="Data Annotator (Remote)", company="Acme AI",
                      description_text=_annotator_role("Apply through our careers page."))
    assert is_probable_duplicate(first, second)


@pytest.mark.parametrize("change", [
    {"title": "Backend Engineer", "description_text": _engineer_role()},
    {"description_text": _engineer_role()},
    {"company": "Other Labs"},
    {"title": "Senior Data Annotation Lead"},
    {"description_text": ""},
])
def test_different_or_uncertain_pairs_are_not_merged(change):
    assert not is_probable_duplicate(_posting(), _posting(**change))


def test_same_role_in_different_countries_is_not_merged():
    assert not is_probable_duplicate(_posting(countries=["US"]), _posting(countries=["GB"]))
    assert is_probable_duplicate(_posting(countries=["US"]), _posting(countries=["US", "CA"]))
