"""Tell when two listings are the same opening: canonical URLs, company keys, fingerprints, text similarity.

Pure: no Flask, no database. Merging is cautious on purpose: a wrongly merged pair hides a real
job, while a missed merge only shows one job twice, so every test here leans towards "different".
"""

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from portal.jobs.posting import Posting

# Query parameters that say how a visitor arrived, not which page it is (ad, mail and ATS referrers).
TRACKING_PARAMETERS = frozenset({
    "gclid", "gclsrc", "dclid", "fbclid", "msclkid", "yclid", "twclid", "li_fat_id", "igshid",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref", "referrer", "referer", "source", "src",
    "gh_src", "gh_jid_src", "lever-source", "lever-origin", "lever-source[]", "trk", "trkinfo",
    "trackingid", "refid", "ref_src", "ref_url", "campaign", "sessionid", "_ga", "_gl",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
DEFAULT_PORTS = {"http": "80", "https": "443"}

# Legal-form words dropped from the end of a company name: "Scale AI, Inc." and "scale ai" agree.
LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "plc", "corp", "corporation", "co",
    "company", "gmbh", "mbh", "ag", "kg", "ug", "bv", "nv", "sa", "sas", "sarl", "srl", "spa", "sl",
    "slu", "oy", "oyj", "ab", "as", "asa", "aps", "kk", "pty", "pvt", "private", "pte", "sdn", "bhd",
    "se", "ltda", "sro",
})
COMPANY_KEY_MAX_LENGTH = 200  # the width of job_posting.company_key

# Title segments that describe the contract or workplace, not the role, so "AI Tutor (Remote)" and
# "AI Tutor - Contract" fingerprint alike. Seniority ("Senior", "Lead") and languages ("- Spanish")
# are kept: a senior role or another language is a different opening.
TITLE_NOISE_WORDS = frozenset({
    "remote", "hybrid", "onsite", "on", "site", "office", "contract", "contractor", "freelance",
    "freelancer", "full", "part", "time", "fulltime", "parttime", "temporary", "temp", "wfh", "work",
    "from", "home", "worldwide", "anywhere", "global", "urgent", "urgently", "hiring", "now", "new",
    "immediate", "start", "flexible", "hours", "only", "and", "or", "based",
})
_BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
_TITLE_SEPARATORS = re.compile(r"\s+[-–—|/:]\s+|\s*[|–—]\s*|,\s+")
_DOTTED_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+")

SHINGLE_WORDS = 3
SIMILARITY_THRESHOLD = 0.85  # high on purpose: an uncertain pair stays two postings
TITLE_SIMILARITY_THRESHOLD = 0.8
SIMILARITY_TEXT_LIMIT = 20_000  # characters compared; long enough for any real description


def canonical_url(url: str) -> str:
    """One spelling per page (case, default port, fragment, tracking parameters), to match listings."""
    if not isinstance(url, str):
        return ""
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
        if not parts.scheme or not parts.netloc:
            return stripped
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return stripped
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    if port is not None and DEFAULT_PORTS.get(scheme) != str(port):
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking_parameter(key)]
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _is_tracking_parameter(key: str) -> bool:
    """Whether a query parameter only records how the visitor arrived."""
    lowered = key.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def fold_text(text: str) -> str:
    """Lower case without accents, so 'Zürich' and 'zurich' compare equal."""
    if text.isascii():
        return text.lower()  # ASCII is its own decomposition and has no combining marks
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def company_key(company: str) -> str:
    """The company name reduced for matching: no case, accents, punctuation or legal form."""
    if not isinstance(company, str):
        return ""
    folded = _DOTTED_ACRONYM.sub(lambda match: match.group(0).replace(".", ""), fold_text(company))
    words = _NON_WORD.sub(" ", folded.replace("&", " and ")).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)[:COMPANY_KEY_MAX_LENGTH]


def title_key(title: str) -> str:
    """The title without case, punctuation and workplace or contract noise ('(Remote)', '- Contract')."""
    if not isinstance(title, str):
        return ""
    folded = fold_text(title)
    without_brackets = _BRACKETED.sub(lambda match: " " if _is_noise(match.group(1)) else f" {match.group(1)} ",
                                      folded)
    segments = _TITLE_SEPARATORS.split(without_brackets)
    kept = [segment for segment in segments if not _is_noise(segment)] or segments
    return " ".join(_NON_WORD.sub(" ", " ".join(kept)).split())


def _is_noise(segment: str) -> bool:
    """Whether a title segment only names the workplace or contract type."""
    words = _NON_WORD.sub(" ", segment).split()
    return all(word in TITLE_NOISE_WORDS for word in words)


def location_key(location: str) -> str:
    """The location without case, accents or punctuation."""
    if not isinstance(location, str):
        return ""
    return " ".join(_NON_WORD.sub(" ", fold_text(location)).split())


def fingerprint(company: str, title: str, location: str) -> str:
    """A 64-character hex digest of company, title and location keys: equal for the same opening."""
    key = "\x1f".join((company_key(company), title_key(title), location_key(location)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _shingles(text: str) -> set:
    """The set of overlapping word triples in a text (single words for very short texts)."""
    words = _WORD.findall(text[:SIMILARITY_TEXT_LIMIT].lower())
    if len(words) < SHINGLE_WORDS:
        return {tuple(words)} if words else set()
    return {tuple(words[index:index + SHINGLE_WORDS]) for index in range(len(words) - SHINGLE_WORDS + 1)}


def description_similarity(a: str, b: str) -> float:
    """Jaccard similarity of word-triple shingles, in [0, 1]; 0 when either text is empty (unknown)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return 0.0
    first, second = _shingles(a), _shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def titles_similar(a: str, b: str) -> bool:
    """Whether two titles name the same role: equal keys, or nearly the same set of words."""
    first, second = title_key(a), title_key(b)
    if not first or not second:
        return False
    if first == second:
        return True
    first_words, second_words = set(first.split()), set(second.split())
    return len(first_words & second_words) / len(first_words | second_words) >= TITLE_SIMILARITY_THRESHOLD


def is_probable_duplicate(a: Posting, b: Posting) -> bool:
    """Whether two listings are one opening: same company, similar title, near-identical description."""
    key = company_key(a.company)
    if not key or key != company_key(b.company):
        return False
    if a.countries and b.countries and not set(a.countries) & set(b.countries):
        return False  # the same role offered in two countries is two openings
    if not titles_similar(a.title, b.title):
        return False
    first_text = a.description_text or a.description_html
    second_text = b.description_text or b.description_html
    return description_similarity(first_text, second_text) >= SIMILARITY_THRESHOLD
