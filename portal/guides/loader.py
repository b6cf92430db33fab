"""Load the guides library from Markdown files with YAML front matter (pure: no Flask).

Every problem is reported as a GuideError naming the file and what to fix, and stops start-up:
a broken guide must never reach a reader half-rendered.
"""

import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import markdown
import yaml

CATEGORIES = {
    "image": "Image annotation",
    "text": "Text annotation",
    "audio-video": "Audio & video",
    "career": "Career",
    "home-setup": "Home setup",
}
DIFFICULTIES = ("beginner", "intermediate", "advanced")
REQUIRED_FIELDS = ("title", "summary", "category", "difficulty", "reading_minutes")
OPTIONAL_FIELDS = ("slug", "task_type", "practice", "order")
TASK_GUIDE_SECTIONS = (
    "What it is and where it is used",
    "The rules",
    "Common mistakes that fail assessments",
    "How it is scored",
    "Sources and further reading",
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The CSP forbids these, so a guide that uses them would render broken: refuse it at load time.
FORBIDDEN_MARKUP = re.compile(r"<script|<style|<iframe|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
WORDS_PER_MINUTE = 200
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "attr_list", "footnotes", "admonition",
                       "md_in_html", "sane_lists", "toc"]
MARKDOWN_CONFIG = {
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
}


class GuideError(ValueError):
    """A guide file that cannot be published; the message names the file and the fix."""


@dataclass(frozen=True)
class Section:
    """One `##` section: its anchor, title and plain text, used for search snippets."""

    anchor: str
    title: str
    text: str


@dataclass(frozen=True)
class Guide:
    """A parsed guide: metadata from the front matter plus rendered HTML."""

    slug: str
    title: str
    summary: str
    category: str
    difficulty: str
    reading_minutes: int
    order: int
    task_type: str | None
    practice: str | None
    html: str
    toc: list = field(hash=False)
    sections: tuple[Section, ...]
    word_count: int
    path: Path

    @property
    def category_title(self) -> str:
        return CATEGORIES[self.category]

    @property
    def text(self) -> str:
        return "\n".join(section.text for section in self.sections)


class Library:
    """All guides in reading order, with lookups by slug and by category."""

    def __init__(self, guides: tuple[Guide, ...]):
        self.guides = guides
        self._by_slug = {guide.slug: guide for guide in guides}
        self._position = {guide.slug: index for index, guide in enumerate(guides)}

    def __len__(self) -> int:
        return len(self.guides)

    def get(self, slug: str) -> Guide | None:
        return self._by_slug.get(slug)

    def by_category(self) -> list[tuple[str, str, list[Guide]]]:
        """(category key, title, guides) in the fixed category order, skipping empty ones."""
        grouped = []
        for key, title in CATEGORIES.items():
            members = [guide for guide in self.guides if guide.category == key]
            if members:
                grouped.append((key, title, members))
        return grouped

    def neighbours(self, slug: str) -> tuple[Guide | None, Guide | None]:
        """The previous and next guide in reading order."""
        index = self._position[slug]
        previous = self.guides[index - 1] if index > 0 else None
        following = self.guides[index + 1] if index + 1 < len(self.guides) else None
        return previous, following

    def for_task_type(self, task_type: str) -> Guide | None:
        return next((guide for guide in self.guides if guide.task_type == task_type), None)


class _TextExtractor(HTMLParser):
    """Collect readable text per `<h2>` section, skipping figures' SVG and permalink anchors."""

    SKIP = {"svg", "script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: list[list] = [["", "Introduction", []]]
        self._skip_depth = 0
        self._in_h2 = False
        self._in_permalink = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.SKIP:
            self._skip_depth += 1
        elif tag == "h2":
            self._in_h2 = True
            self.sections.append([attributes.get("id", ""), "", []])
        elif tag == "a" and "headerlink" in (attributes.get("class") or ""):
            self._in_permalink = True
        elif tag in {"p", "li", "td", "th", "br", "h3", "h4", "figcaption", "div", "tr"}:
            self.sections[-1][2].append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "h2":
            self._in_h2 = False
        elif tag == "a":
            self._in_permalink = False

    def handle_data(self, data):
        if self._skip_depth or self._in_permalink:
            return
        if self._in_h2:
            self.sections[-1][1] += data
        else:
            self.sections[-1][2].append(data)

    def result(self) -> tuple[Section, ...]:
        sections = []
        for anchor, title, parts in self.sections:
            text = re.sub(r"\s+", " ", "".join(parts)).strip()
            if text or title:
                sections.append(Section(anchor, title.strip(), text))
        return tuple(sections)


def split_front_matter(source: str, path: Path) -> tuple[dict, str]:
    """Separate the YAML block between the leading `---` lines from the Markdown body."""
    match = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", source, re.DOTALL)
    if not match:
        raise GuideError(f"guide {path}: no front matter; start the file with a '---' line, "
                         "the YAML fields, and a closing '---' line")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise GuideError(f"guide {path}: front matter is not valid YAML ({error})") from None
    if not isinstance(meta, dict):
        raise GuideError(f"guide {path}: front matter must be a mapping of field: value")
    return meta, match.group(2)


def _validate_meta(meta: dict, path: Path) -> None:
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, ""):
            raise GuideError(f"guide {path}: front matter has no '{name}'")
    unknown = set(meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    if unknown:
        raise GuideError(f"guide {path}: unknown front matter field(s) {sorted(unknown)}; "
                         f"allowed: {sorted(REQUIRED_FIELDS + OPTIONAL_FIELDS)}")
    if meta["category"] not in CATEGORIES:
        raise GuideError(f"guide {path}: unknown category '{meta['category']}'; "
                         f"use one of {', '.join(CATEGORIES)}")
    if meta["difficulty"] not in DIFFICULTIES:
        raise GuideError(f"guide {path}: unknown difficulty '{meta['difficulty']}'; "
                         f"use one of {', '.join(DIFFICULTIES)}")
    minutes = meta["reading_minutes"]
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 120:
        raise GuideError(f"guide {path}: reading_minutes must be a whole number from 1 to 120")
    if "order" in meta and (not isinstance(meta["order"], int) or isinstance(meta["order"], bool)):
        raise GuideError(f"guide {path}: order must be a whole number")
    for name in ("title", "summary", "task_type", "practice"):
        if name in meta and not isinstance(meta[name], str):
            raise GuideError(f"guide {path}: '{name}' must be text")


def render_markdown(body: str) -> tuple[str, list]:
    """Markdown to HTML plus the table of contents tokens (a fresh converter: it keeps state)."""
    converter = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG)
    rendered = converter.convert(body)
    return rendered, converter.toc_tokens


def parse_guide(path: Path) -> Guide:
    """Parse one guide file, or raise GuideError saying what is wrong with it."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise GuideError(f"guide {path}: file is not UTF-8 text") from None
    meta, body = split_front_matter(source, path)
    _validate_meta(meta, path)
    slug = meta.get("slug", path.stem)
    if not SLUG_PATTERN.match(slug):
        raise GuideError(f"guide {path}: slug '{slug}' must be lower-case words joined by hyphens "
                         "(taken from the file name unless the front matter sets 'slug')")
    if re.search(r"^#\s", body, re.MULTILINE):
        raise GuideError(f"guide {path}: the body has a '# ' heading; the template prints the "
                         "title, so start sections at '##'")
    forbidden = FORBIDDEN_MARKUP.search(body)
    if forbidden:
        line = body[:forbidden.start()].count("\n") + source[:source.index(body)].count("\n") + 1
        raise GuideError(f"guide {path}:{line}: '{forbidden.group().strip()}' is not allowed "
                         "(the Content-Security-Policy blocks inline scripts, styles and handlers)")
    rendered, toc = render_markdown(body)
    extractor = _TextExtractor()
    extractor.feed(rendered)
    sections = extractor.result()
    task_type = meta.get("task_type")
    if task_type:
        titles = [section.title for section in sections if section.anchor]
        present = [title for title in titles if title in TASK_GUIDE_SECTIONS]
        if present != list(TASK_GUIDE_SECTIONS):
            missing = [title for title in TASK_GUIDE_SECTIONS if title not in titles]
            problem = f"missing sections {missing}" if missing else "sections out of order"
            raise GuideError(f"guide {path}: a task-type guide needs the sections "
                             f"{list(TASK_GUIDE_SECTIONS)} in that order; {problem}")
    word_count = sum(len(section.text.split()) for section in sections)
    return Guide(
        slug=slug,
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        category=meta["category"],
        difficulty=meta["difficulty"],
        reading_minutes=meta["reading_minutes"],
        order=meta.get("order", 100),
        task_type=task_type,
        practice=meta.get("practice") or task_type,
        html=rendered,
        toc=toc,
        sections=sections,
        word_count=word_count,
        path=path,
    )


def load_library(directory: Path) -> Library:
    """Parse every `*.md` in the directory, in reading order; raise GuideError on the first problem."""
    if not directory.is_dir():
        raise GuideError(f"guides directory {directory} does not exist")
    guides = [parse_guide(path) for path in sorted(directory.glob("*.md"))]
    if not guides:
        raise GuideError(f"guides directory {directory} holds no .md files")
    seen_slugs, seen_task_types = {}, {}
    for guide in guides:
        if guide.slug in seen_slugs:
            raise GuideError(f"guide {guide.path}: slug '{guide.slug}' is already used by "
                             f"{seen_slugs[guide.slug]}")
        seen_slugs[guide.slug] = guide.path
        if guide.task_type:
            if guide.task_type in seen_task_types:
                raise GuideError(f"guide {guide.path}: task_type '{guide.task_type}' is already "
                                 f"taken by {seen_task_types[guide.task_type]}")
            seen_task_types[guide.task_type] = guide.path
    category_rank = {key: rank for rank, key in enumerate(CATEGORIES)}
    guides.sort(key=lambda guide: (category_rank[guide.category], guide.order, guide.title.lower()))
    return Library(tuple(guides))


def estimated_minutes(word_count: int) -> int:
    """Reading time at an unhurried pace; the front matter's figure is checked against it."""
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))

