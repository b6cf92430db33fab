"""Decide whether a posting is annotation-type work the board should keep, by tunable title rules.

Pure: no Flask, no database. The rules live in content/jobs/relevance.toml, which explains the
order of the decision; each Decision carries a reason an admin can read in the ingest log.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from portal.config import PROJECT_ROOT
from portal.jobs.normalise import html_to_text, windows_around
from portal.jobs.posting import Posting

DEFAULT_RULES_PATH = PROJECT_ROOT / "content" / "jobs" / "relevance.toml"
TEXT_SCAN_LIMIT = 20_000  # characters of description searched


class RelevanceRulesError(ValueError):
    """The relevance rules file is missing or malformed; the message names the file and the fix."""


@dataclass(frozen=True)
class PhrasePattern:
    """A phrase from the rules file and its compiled whole-word pattern (run on lower-cased text)."""

    phrase: str
    pattern: re.Pattern
    anchor: str  # the phrase's first word: every match contains it


@dataclass(frozen=True)
class RelevanceRules:
    """The parsed rules: title include, exclude and override phrases, description phrases, a threshold."""

    title_include: tuple[PhrasePattern, ...]
    title_exclude: tuple[PhrasePattern, ...]
    title_override: tuple[PhrasePattern, ...]
    description_include: tuple[PhrasePattern, ...]
    description_min_matches: int


@dataclass(frozen=True)
class Decision:
    """Keep or drop, and why, in words an admin understands."""

    keep: bool
    reason: str


def compile_phrase(phrase: str) -> PhrasePattern:
    """A whole-word pattern for a phrase: spaces and hyphens match any separator, a final 's' is optional."""
    words = [re.escape(word) for word in re.split(r"[\s\-/]+", phrase.strip().lower()) if word]
    pattern = re.compile(r"\b" + r"[\s\-/]+".join(words) + r"s?\b")
    return PhrasePattern(phrase=phrase.strip(), pattern=pattern, anchor=words[0].replace("\\", ""))


def _phrases(table: dict, key: str, where: str, source: Path) -> tuple[PhrasePattern, ...]:
    """A list of phrases from a table, or RelevanceRulesError saying what is wrong and where."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and re.search(r"\w", item) for item in value):
        raise RelevanceRulesError(
            f"{source}: [{where}].{key} must be a list of words or phrases, for example {key} = [\"annotator\"]")
    return tuple(compile_phrase(item) for item in value)


def _table(document: dict, name: str, source: Path) -> dict:
    """A top-level table of the rules file, or RelevanceRulesError naming the missing table."""
    table = document.get(name)
    if not isinstance(table, dict):
        raise RelevanceRulesError(f"{source}: the [{name}] table is missing; see the comments at the top of "
                                  f"{DEFAULT_RULES_PATH.name} for its form")
    return table


def load_rules(path: Path | None = None) -> RelevanceRules:
    """Read and check the rules file (content/jobs/relevance.toml unless given another)."""
    source = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RelevanceRulesError(f"{source}: the relevance rules file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RelevanceRulesError(f"{source}: cannot read the relevance rules file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise RelevanceRulesError(f"{source}: not valid TOML: {error}") from None
    title = _table(document, "title", source)
    description = _table(document, "description", source)
    minimum = description.get("min_matches", 2)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise RelevanceRulesError(f"{source}: [description].min_matches must be a whole number of at least 1")
    rules = RelevanceRules(
        title_include=_phrases(title, "include", "title", source),
        title_exclude=_phrases(title, "exclude", "title", source),
        title_override=_phrases(title, "override", "title", source),
        description_include=_phrases(description, "include", "description", source),
        description_min_matches=minimum,
    )
    if not rules.title_include:
        raise RelevanceRulesError(f"{source}: [title].include is empty, so every posting would depend on its "
                                  "description alone; list at least one title phrase")
    return rules


def _first_match(patterns: tuple[PhrasePattern, ...], text: str) -> PhrasePattern | None:
    """The first phrase, in file order, found in a lower-cased text."""
    return next((phrase for phrase in patterns if phrase.anchor in text and phrase.pattern.search(text)), None)


def _description_matches(patterns: tuple[PhrasePattern, ...], text: str, enough: int) -> list[str]:
    """Different description phrases found in a lower-cased text, stopping once there are enough."""
    found = []
    for phrase in patterns:
        if phrase.anchor in text and any(phrase.pattern.search(window)
                                         for window in windows_around(text, (phrase.anchor,), lowered=text)):
            found.append(phrase.phrase)
            if len(found) >= enough:
                break
    return found


def is_relevant(posting: Posting, rules: RelevanceRules) -> Decision:
    """Whether the board keeps a posting: its title decides, else enough annotation words in its description."""
    return title_decision(posting.title, rules) or description_decision(posting, rules)


def title_decision(title: object, rules: RelevanceRules) -> Decision | None:
    """The decision a title makes on its own (override, exclusion, inclusion), or None when it makes none.

    Ingest asks this before normalising, so an employer's engineering and sales roles cost next to nothing.
    """
    title = " ".join(title.lower().split()) if isinstance(title, str) else ""
    override = _first_match(rules.title_override, title)
    if override:
        return Decision(True, f"title matches '{override.phrase}', which overrides exclusions")
    excluded = _first_match(rules.title_exclude, title)
    if excluded:
        return Decision(False, f"title matches excluded '{excluded.phrase}'")
    included = _first_match(rules.title_include, title)
    if included:
        return Decision(True, f"title matches '{included.phrase}'")
    return None


def description_decision(posting: Posting, rules: RelevanceRules) -> Decision:
    """The decision for a posting whose title decides nothing: enough annotation phrases in its description."""
    text = posting.description_text if isinstance(posting.description_text, str) else ""
    if not text and isinstance(posting.description_html, str):
        text = html_to_text(posting.description_html)
    found = _description_matches(rules.description_include, text[:TEXT_SCAN_LIMIT].lower(),
                                 rules.description_min_matches)
    if len(found) >= rules.description_min_matches:
        return Decision(True, "description matches " + ", ".join(f"'{phrase}'" for phrase in found))
    if found:
        return Decision(False, f"title matches no annotation-work phrase and the description only '{found[0]}' "
                               f"(needs {rules.description_min_matches})")
    return Decision(False, "neither title nor description mentions annotation-type work")
