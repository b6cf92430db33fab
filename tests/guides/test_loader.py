"""The guide loader: the real library's shape, and a clear error for every kind of broken guide."""

import re
from pathlib import Path

import pytest

from portal.guides.loader import (CATEGORIES, TASK_GUIDE_SECTIONS, GuideError, estimated_minutes,
                                  load_library, parse_guide)
from portal.practice.catalog import TASK_TYPES

CONTENT = Path(__file__).resolve().parents[2] / "content" / "guides"
TASK_GUIDE_SLUGS = {info.guide_slug: slug for slug, info in TASK_TYPES.items()}
CAREER_GUIDES = {"what-is-data-annotation", "reading-project-guidelines", "qualification-tests",
                 "finding-annotation-work", "pay-and-career-growth", "recognising-job-scams",
                 "remote-home-setup"}

GOOD_FRONT = """---
title: Sample guide
summary: A guide used by the tests.
category: image
difficulty: beginner
reading_minutes: 1
---
"""


@pytest.fixture(scope="module")
def library():
    return load_library(CONTENT)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# The bundled library

def test_library_has_every_required_guide(library):
    slugs = {guide.slug for guide in library.guides}
    assert set(TASK_GUIDE_SLUGS) <= slugs
    assert CAREER_GUIDES <= slugs
    assert len(library) >= 17


def test_task_guides_name_their_practice_slug(library):
    for guide_slug, practice_slug in TASK_GUIDE_SLUGS.items():
        guide = library.get(guide_slug)
        assert guide.task_type == practice_slug, guide_slug
        assert guide.practice == practice_slug
        assert library.for_task_type(practice_slug) is guide


def test_every_category_has_guides(library):
    assert [key for key, _, _ in library.by_category()] == list(CATEGORIES)


def test_reading_minutes_are_close_to_the_word_count(library):
    for guide in library.guides:
        estimate = estimated_minutes(guide.word_count)
        assert abs(guide.reading_minutes - estimate) <= max(2, estimate // 2), (
            f"{guide.slug}: {guide.reading_minutes} min stated, {guide.word_count} words")


def test_every_task_guide_has_figures_and_a_worked_example(library):
    for guide_slug in TASK_GUIDE_SLUGS:
        guide = library.get(guide_slug)
        assert guide.html.count("<svg") >= 2, f"{guide_slug} needs at least two figures"
        assert "Worked example" in guide.html, guide_slug
        assert guide.word_count >= 900, guide_slug


def test_figures_are_self_contained_and_accessible(library):
    for guide in library.guides:
        assert not re.search(r'<image|xlink:href="http|href="//|src="http', guide.html), guide.slug
        for svg in re.findall(r"<svg.*?</svg>", guide.html, re.DOTALL):
            assert 'role="img"' in svg and "<title" in svg, f"{guide.slug}: figure without a title"


def test_element_ids_are_unique_within_each_guide(library):
    for guide in library.guides:
        ids = re.findall(r'\sid="([^"]+)"', guide.html)
        duplicates = {value for value in ids if ids.count(value) > 1}
        assert not duplicates, f"{guide.slug}: duplicate ids {duplicates}"


def test_reading_order_and_neighbours(library):
    first, last = library.guides[0], library.guides[-1]
    assert library.neighbours(first.slug)[0] is None
    assert library.neighbours(last.slug)[1] is None
    middle = library.guides[1]
    assert library.neighbours(middle.slug) == (first, library.guides[2])


def test_tables_render_without_inline_styles(library):
    assert all("style=" not in guide.html for guide in library.guides)


# Broken guides stop start-up with the file and the problem named

@pytest.mark.parametrize("text, message", [
    ("no front matter here", "no front matter"),
    ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
    ("---\n- a list\n---\nbody", "mapping"),
    (GOOD_FRONT.replace("title: Sample guide\n", ""), "has no 'title'"),
    (GOOD_FRONT.replace("category: image", "category: cooking"), "unknown category 'cooking'"),
    (GOOD_FRONT.replace("difficulty: beginner", "difficulty: easy-peasy"), "unknown difficulty"),
    (GOOD_FRONT.replace("reading_minutes: 1", "reading_minutes: soon"), "reading_minutes"),
    (GOOD_FRONT.replace("reading_minutes: 1", "reading_minutes: 1\nauthor: me"), "unknown front matter"),
    (GOOD_FRONT + "# A title in the body\n", "'# ' heading"),
    (GOOD_FRONT + "Hello\n\n<script>alert(1)</script>\n", "'<script' is not allowed"),
    (GOOD_FRONT + '<svg><rect style="fill:red"/></svg>\n', "'style=' is not allowed"),
    (GOOD_FRONT + '<img src="x" onerror="alert(1)">\n', "not allowed"),
    (GOOD_FRONT.replace("category: image", "category: image\ntask_type: bbox") + "## The rules\n\ntext\n",
     "missing sections"),
    (GOOD_FRONT.replace("category: image", "category: image\nslug: Not A Slug"), "lower-case words"),
])
def test_broken_guides_are_refused_with_the_file_named(tmp_path, text, message):
    path = write(tmp_path, "broken-guide.md", text)
    with pytest.raises(GuideError) as raised:
        parse_guide(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_task_sections_out_of_order_are_refused(tmp_path):
    body = "\n".join(f"## {title}\n\ntext\n" for title in reversed(TASK_GUIDE_SECTIONS))
    front = GOOD_FRONT.replace("category: image", "category: image\ntask_type: bbox")
    with pytest.raises(GuideError, match="out of order"):
        parse_guide(write(tmp_path, "boxes.md", front + body))


def test_duplicate_slugs_are_refused(tmp_path):
    write(tmp_path, "first.md", GOOD_FRONT + "Text.\n")
    write(tmp_path, "second.md", GOOD_FRONT.replace("---\ntitle", "---\nslug: first\ntitle") + "Text.\n")
    with pytest.raises(GuideError, match="slug 'first' is already used"):
        load_library(tmp_path)


def test_two_guides_for_one_task_type_are_refused(tmp_path):
    sections = "\n".join(f"## {title}\n\ntext\n" for title in TASK_GUIDE_SECTIONS)
    front = GOOD_FRONT.replace("category: image", "category: image\ntask_type: bbox")
    write(tmp_path, "one.md", front + sections)
    write(tmp_path, "two.md", front + sections)
    with pytest.raises(GuideError, match="task_type 'bbox' is already taken"):
        load_library(tmp_path)


def test_empty_or_missing_directory_is_refused(tmp_path):
    with pytest.raises(GuideError, match="holds no .md files"):
        load_library(tmp_path)
    with pytest.raises(GuideError, match="does not exist"):
        load_library(tmp_path / "nope")


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin.md"
    path.write_bytes(GOOD_FRONT.encode() + "caf\xe9".encode("latin-1"))
    with pytest.raises(GuideError, match="not UTF-8"):
        parse_guide(path)


def test_a_valid_guide_renders_toc_sections_and_text(tmp_path):
    body = "Intro words.\n\n## First part\n\nAlpha | Beta\n--- | ---:\n1 | 2\n\n### Detail\n\nGamma delta.\n"
    guide = parse_guide(write(tmp_path, "sample.md", GOOD_FRONT + body))
    assert guide.slug == "sample"
    assert [entry["name"] for entry in guide.toc] == ["First part"]
    assert guide.toc[0]["children"][0]["name"] == "Detail"
    assert guide.sections[0].title == "Introduction"
    assert guide.sections[1].anchor == "first-part"
    assert "Gamma delta." in guide.sections[1].text
    assert 'align="right"' in guide.html


def test_broken_guide_stops_app_start_up(tmp_path):
    from portal.app import create_app
    (tmp_path / "guides").mkdir()
    write(tmp_path / "guides", "bad.md", "no front matter")
    with pytest.raises(GuideError, match="bad.md"):
        create_app({"SECRET_KEY": "x" * 40, "CONTENT_DIR": tmp_path,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_apps_share_parsed_guides_until_a_file_changes(tmp_path):
    from portal.app import create_app
    config = {"SECRET_KEY": "x" * 40, "CONTENT_DIR": tmp_path, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    (tmp_path / "guides").mkdir()
    path = write(tmp_path / "guides", "sample.md", GOOD_FRONT + "\nFirst text.\n")
    first, second = create_app(dict(config)), create_app(dict(config))
    assert first.extensions["guides.library"] is second.extensions["guides.library"]
    path.write_text(GOOD_FRONT.replace("Sample guide", "Edited guide") + "\nNew text here.\n", encoding="utf-8")
    edited = create_app(dict(config)).extensions["guides.library"]
    assert [guide.title for guide in edited.guides] == ["Edited guide"]
    path.write_text("no front matter any more", encoding="utf-8")
    with pytest.raises(GuideError, match="sample.md"):
        create_app(dict(config))
