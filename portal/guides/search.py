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
EDGE_PUNCTUATION = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
MAX_QUERY_TERMS = 12
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
    """Lower-cased, stemmed word tokens."""
    return [stem(token) for token in TOKEN.findall(text.lower())]


@dataclass(frozen=True)
class SearchHit:
    """One ranked result: the guide, its score, the best section and a highlighted snippet."""

    guide: Guide
    score: float
    anchor: str
    section_title: str
    snippet: Markup


class GuideIndex:
    """BM25F-style ranking: per-field term frequencies weighted, one length normalisation."""

    def __init__(self, library: Library):
        self.library = library
        self._documents = []
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
            for term in query_terms:
                frequency = weighted.get(term)
                if not frequency:
                    continue
                norm = BM25_K1 * (1 - BM25_B + BM25_B * length / self._average_length)
                score += self._idf[term] * frequency * (BM25_K1 + 1) / (frequency + norm)
            if score > 0:
                scored.append((score, guide))
        scored.sort(key=lambda pair: (-pair[0], pair[1].title))
        hits = []
        for score, guide in scored[:limit]:
            anchor, section_title, snippet = best_snippet(guide, query_terms)
            hits.append(SearchHit(guide, round(score, 4), anchor, section_title, snippet))
        return hits


def best_snippet(guide: Guide, query_terms: list[str]) -> tuple[str, str, Markup]:
    """The window of text with the most distinct query terms, escaped, with matches in <mark>."""
    wanted = set(query_terms)
    best = (-1, 0, 0, None)
    for section in guide.sections:
        words = section.text.split()
        stems = [set(terms(word)) for word in words]
        for start in range(0, max(1, len(words)), max(1, SNIPPET_WORDS // 4)):
            window = stems[start:start + SNIPPET_WORDS]
            found = set().union(*window) & wanted if window else set()
            hits = sum(1 for word_stems in window if word_stems & wanted)
            key = (len(found), hits)
            if key > best[:2]:
                best = (len(found), hits, start, section)
    _, _, start, section = best
    if section is None:
        return "", "", Markup(escape(guide.summary))
    words = section.text.split()
    window = words[start:start + SNIPPET_WORDS]
    rendered = []
    for word in window:
        match = EDGE_PUNCTUATION.match(word)
        lead, core, trail = match.groups()
        if set(terms(core)) & wanted:
            rendered.append(Markup("{}<mark>{}</mark>{}").format(lead, core, trail))
        else:
            rendered.append(escape(word))
    snippet = Markup(" ").join(rendered)
    if start > 0:
        snippet = Markup("… ") + snippet
    if start + SNIPPET_WORDS < len(words):
        snippet += Markup(" …")
    return section.anchor, section.title, snippet
