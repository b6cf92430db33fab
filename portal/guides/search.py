"""Keyword search over the guides: an in-memory BM25 index built once at start-up (pure: no Flask).

The library is small and read-only between deployments, so an in-process index answers in
microseconds on any database and needs no FTS5 or tsvector schema kept in step with the files.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

from portal.guides.loader import Guide, Library

TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
FIELD_WEIGHTS = {"title": 4.0, "summary": 2.0, "headings": 2.0, "body": 1.0}
BM25_K1 = 1.2
BM25_B = 0.75
SNIPPET_WORDS = 32
SNIPPET_LEAD_WORDS = 6
EDGE_PUNCTUATION = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
MAX_QUERY_TERMS = 12
STOP_WORDS = frozenset("""a an and are as at be by for from has have how in is it its of on or that the
this to was were what when where which who why will with you your""".split())
MAX_QUERY_LENGTH = 200


def stem(token: str) -> str:
    """A light English stem so that 'polygons' finds 'polygon' and 'labelling' finds 'label'."""
    token = token.replace("’", "'").split("'")[0]
    for suffix in ("ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "s", "ed"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            stemmed = token[: -len(suffix)]
            if suffix == "ies":
                stemmed += "y"
            if len(stemmed) > 3 and stemmed[-1] == stemmed[-2] and stemmed[-1] not in "aeious":
                stemmed = stemmed[:-1]
            return stemmed
    return token


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens, without stop words and single characters."""
    return [stem(token) for token in TOKEN.findall(text.lower())
            if len(token) > 1 and token not in STOP_WORDS]


@dataclass(frozen=True)
class SearchHit:
    """One ranked result: the guide, its score, the best section and a highlighted snippet."""

    guide: Guide
    score: float
    anchor: str
    section_title: str
    snippet: Markup


@dataclass(frozen=True)
class _SectionWords:
    """A section's words with their stems, computed once at index time for snippets."""

    anchor: str
    title: str
    words: tuple[str, ...]
    stems: tuple[frozenset, ...]
    positions: dict  # stem -> word positions, so a snippet visits only matching words

    @classmethod
    def build(cls, anchor: str, title: str, words: list[str]) -> "_SectionWords":
        stems = tuple(frozenset(terms(word)) for word in words)
        positions = {}
        for position, word_stems in enumerate(stems):
            for word_stem in word_stems:
                positions.setdefault(word_stem, []).append(position)
        return cls(anchor, title, tuple(words), stems, positions)


class GuideIndex:
    """BM25F-style ranking: per-field term frequencies weighted, one length normalisation."""

    def __init__(self, library: Library):
        self.library = library
        self._documents = []
        self._sections = {}
        document_frequency = Counter()
        for guide in library.guides:
            fields = {
                "title": terms(guide.title),
                "summary": terms(guide.summary),
                "headings": terms(" ".join(section.title for section in guide.sections)),
                "body": terms(guide.text),
            }
            weighted = Counter()
            for name, tokens in fields.items():
                for token in tokens:
                    weighted[token] += FIELD_WEIGHTS[name]
            length = sum(weighted.values())
            self._documents.append((guide, weighted, length))
            document_frequency.update(weighted.keys())
            self._sections[guide.slug] = tuple(
                _SectionWords.build(section.anchor, section.title, words)
                for section in guide.sections if (words := section.text.split())
            )
        count = max(1, len(self._documents))
        self._average_length = sum(length for _, _, length in self._documents) / count
        self._idf = {
            token: math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))
            for token, frequency in document_frequency.items()
        }

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Guides matching any query term, best first; an empty query finds nothing."""
        query_terms = list(dict.fromkeys(terms(query[:MAX_QUERY_LENGTH])))[:MAX_QUERY_TERMS]
        if not query_terms:
            return []
        scored = []
        for guide, weighted, length in self._documents:
            score = 0.0
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / self._average_length)
            for term in query_terms:
                frequency = weighted.get(term)
                if frequency:
                    score += self._idf[term] * frequency * (BM25_K1 + 1) / (frequency + norm)
            if score > 0:
                scored.append((score, guide))
        scored.sort(key=lambda pair: (-pair[0], pair[1].title))
        hits = []
        for score, guide in scored[:limit]:
            anchor, section_title, snippet = self._snippet(guide, frozenset(query_terms))
            hits.append(SearchHit(guide, round(score, 4), anchor, section_title, snippet))
        return hits

    def _snippet(self, guide: Guide, wanted: frozenset) -> tuple[str, str, Markup]:
        """The window with the most distinct query terms (then most matches), highlighted."""
        best_key, best = (0, 0), None
        for section in self._sections[guide.slug]:
            positions = sorted({position for term in wanted for position in section.positions.get(term, ())})
            matches = [(position, section.stems[position] & wanted) for position in positions]
            for first, _ in matches:
                start = max(0, first - SNIPPET_LEAD_WORDS)
                inside = [found for position, found in matches if start <= position < start + SNIPPET_WORDS]
                key = (len(frozenset().union(*inside)), len(inside))
                if key > best_key:
                    best_key, best = key, (section, start)
        if best is None:
            return "", "", Markup(escape(guide.summary))
        section, start = best
        return section.anchor, section.title, highlight(section, start, wanted)


def highlight(section: _SectionWords, start: int, wanted: frozenset) -> Markup:
    """Escape the window's words and wrap the matching part of each matching word in <mark>."""
    rendered = []
    end = min(len(section.words), start + SNIPPET_WORDS)
    for word, stems in zip(section.words[start:end], section.stems[start:end]):
        if stems & wanted:
            lead, core, trail = EDGE_PUNCTUATION.match(word).groups()
            rendered.append(Markup("{}<mark>{}</mark>{}").format(lead, core, trail))
        else:
            rendered.append(escape(word))
    snippet = Markup(" ").join(rendered)
    if start > 0:
        snippet = Markup("… ") + snippet
    if end < len(section.words):
        snippet += Markup(" …")
    return snippet
