"""Guide search: ranking, stemming, snippets and hostile queries (pure, no app)."""

from pathlib import Path

import pytest

from portal.guides.loader import load_library
from portal.guides.search import GuideIndex, stem, terms

CONTENT = Path(__file__).resolve().parents[2] / "content" / "guides"


@pytest.fixture(scope="module")
def index():
    return GuideIndex(load_library(CONTENT))


def make_library(tmp_path, guides: dict[str, tuple[str, str]]):
    for slug, (title, body) in guides.items():
        (tmp_path / f"{slug}.md").write_text(
            f"---\ntitle: {title}\nsummary: About {title.lower()}.\ncategory: career\n"
            f"difficulty: beginner\nreading_minutes: 1\n---\n{body}\n", encoding="utf-8")
    return load_library(tmp_path)


@pytest.mark.parametrize("word, expected", [
    ("polygons", "polygon"), ("scams", "scam"), ("labelling", "label"), ("labels", "label"),
    ("categories", "category"), ("IoU", "IoU"), ("boxes", "box"),
])
def test_stemming_joins_word_forms(word, expected):
    assert stem(word.lower()) == stem(expected.lower())


def test_terms_lowercase_and_split_and_drop_noise():
    assert terms("Span-F1, IoU!") == ["span", "f1", "iou"]
    assert terms("What is a B tag?") == ["tag"]


@pytest.mark.parametrize("query, top", [
    ("iou", "bounding-boxes"),
    ("polygon", "polygons"),
    ("scam", "recognising-job-scams"),
    ("keypoints oks", "keypoints"),
    ("word error rate", "transcription"),
    ("router ethernet", "remote-home-setup"),
])
def test_the_obvious_guide_ranks_first(index, query, top):
    hits = index.search(query)
    assert hits, f"nothing found for {query!r}"
    assert hits[0].guide.slug == top, [hit.guide.slug for hit in hits[:5]]


def test_results_are_ordered_by_score(index):
    scores = [hit.score for hit in index.search("annotation quality")]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) > 1


def test_title_matches_outrank_passing_mentions(tmp_path):
    library = make_library(tmp_path, {
        "alpha": ("Zebra crossings", "Lots about roads and crossings."),
        "beta": ("Roads", "Roads everywhere; a zebra is mentioned once among many many other words here."),
    })
    hits = GuideIndex(library).search("zebra")
    assert [hit.guide.slug for hit in hits] == ["alpha", "beta"]


def test_snippet_highlights_matches_and_escapes_html(tmp_path):
    library = make_library(tmp_path, {
        "alpha": ("Sample", "Use `<b>` tags & the IoU, always the IoU."),
    })
    hit = GuideIndex(library).search("iou")[0]
    snippet = str(hit.snippet)
    assert "<mark>IoU</mark>," in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet
    assert "&amp;" in snippet


@pytest.mark.parametrize("query", [
    "", "   ", "!!!", "' OR 1=1 --", "<script>alert(1)</script>", "%", "\x00", "a" * 10000,
])
def test_hostile_or_empty_queries_are_harmless(index, query):
    for hit in index.search(query):
        assert "<script>" not in str(hit.snippet)


def test_sql_and_html_looking_queries_still_find_their_words(index):
    for query in ("<b>scam</b>", "scam' OR 1=1 --", "scam\"; DROP TABLE guide_read; --"):
        hits = index.search(query)
        assert hits and hits[0].guide.slug == "recognising-job-scams", query


def test_no_match_returns_nothing(index):
    assert index.search("xylophonequartz") == []
