"""Derive what a source did not state outright: safe HTML, plain text, pay, workplace, countries,
employment type, languages and the practice task types a posting mentions.

Pure: no Flask, no database. Every function here takes whatever an adapter produced, however odd,
and never raises: a value it cannot read stays empty. Patterns are compiled once at import, and
long texts are scanned only up to TEXT_SCAN_LIMIT, so a hostile description costs bounded time.
"""

import dataclasses
import html
import re

import nh3

from portal.jobs.posting import EMPLOYMENT_TYPES, Pay, Posting
from portal.jobs.sources.common import COUNTRY_NAMES
from portal.practice.catalog import TASK_TYPES

MAX_DESCRIPTION_INPUT_CHARS = 100_000  # raw HTML beyond this is cut before sanitizing
TEXT_SCAN_LIMIT = 20_000  # characters of description searched for pay, languages and task types
SHORT_PAY_TEXT_CHARS = 80  # a text this short is a pay summary in itself (pay_text, a title)
FIELD_LIMITS = {"title": 300, "company": 200, "location": 300}  # the widths of the job_posting columns

# --- Sanitizing -----------------------------------------------------------------------------------

ALLOWED_TAGS = frozenset({
    "p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "u", "h2", "h3", "h4", "blockquote", "code",
    "pre", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
# Elements dropped with everything inside them: code, styling and embedded documents are never text.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "title",
    "head", "textarea", "select", "button", "form",
})
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener noreferrer",
    strip_comments=True,
    url_relative="deny",  # a relative link would point into the portal, not the employer's site
)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def sanitize_description(html_text: str) -> str:
    """Employer HTML reduced to safe formatting and http(s)/mailto links, so the board can show it."""
    if not isinstance(html_text, str) or not html_text.strip():
        return ""
    capped = _CONTROL_CHARS.sub("", html_text[:MAX_DESCRIPTION_INPUT_CHARS])
    if not _HTML_TAG.search(capped):
        capped = _paragraphs_from_plain_text(capped)
    return _CLEANER.clean(capped).strip()


def _paragraphs_from_plain_text(text: str) -> str:
    """Plain text as HTML paragraphs, so a feed's line breaks survive sanitizing."""
    paragraphs = (block.strip() for block in _BLANK_LINES.split(text))
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in paragraphs if block)


_DROPPED_ELEMENT = re.compile(
    r"<(script|style|noscript|template|head|title|svg|math|iframe|textarea)\b[^>]*>.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL)
_TAG_OR_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<([!/]?)([A-Za-z][A-Za-z0-9]*)[^>]*>|<\?[^>]*>", re.DOTALL)
# What each tag becomes in plain text: blocks start a new line, table cells are spaced apart.
TEXT_SEPARATOR_OF_TAG = {
    **dict.fromkeys(("p", "div", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "tr", "table",
                     "thead", "tbody", "blockquote", "pre", "section", "article", "header", "footer", "dl", "dt",
                     "dd", "figure", "figcaption", "address"), "\n"),
    "td": " ", "th": " ",
}
ITEM_TAGS = frozenset({"li", "dt", "dd", "tr"})  # an item's end adds no line: the next item starts one


def _tag_separator(match: re.Match) -> str:
    """The text a tag leaves behind: a line break for blocks, a space for cells, else nothing."""
    name = (match.group(2) or "").lower()
    if match.group(1) == "/" and name in ITEM_TAGS:
        return ""
    return TEXT_SEPARATOR_OF_TAG.get(name, "")


def html_to_text(html_text: str) -> str:
    """Readable plain text of an HTML fragment (blocks on their own lines), for search and similarity."""
    if not isinstance(html_text, str) or not html_text:
        return ""
    text = html_text[:MAX_DESCRIPTION_INPUT_CHARS]
    if "<" in text:
        text = _TAG_OR_COMMENT.sub(_tag_separator, _DROPPED_ELEMENT.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL_CHARS.sub("", text.replace("\r", "\n"))
    lines: list[str] = []
    for raw_line in text.split("\n"):
        line = " ".join(raw_line.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


# --- Pay ------------------------------------------------------------------------------------------

HOURS_PER_PERIOD = {"hour": 1.0, "day": 8.0, "week": 40.0, "month": 173.33, "year": 2080.0}

# US dollars per unit of each currency, approximate mid-2025 market rates (checked 2025-07). Only
# the minimum-pay filter and the too-good-to-be-true check use them, so a few percent off is fine;
# a volatile currency is left out rather than converted wrongly.
APPROXIMATE_USD_RATES = {
    "USD": 1.0, "EUR": 1.16, "GBP": 1.35, "CHF": 1.24, "CAD": 0.73, "AUD": 0.65, "NZD": 0.60,
    "SGD": 0.78, "HKD": 0.127, "JPY": 0.0068, "CNY": 0.139, "KRW": 0.00073, "INR": 0.0117,
    "PKR": 0.0035, "BDT": 0.0082, "LKR": 0.0033, "PHP": 0.0176, "IDR": 0.000061, "MYR": 0.236,
    "THB": 0.030, "VND": 0.000038, "SEK": 0.105, "NOK": 0.099, "DKK": 0.156, "PLN": 0.27,
    "CZK": 0.047, "HUF": 0.0029, "RON": 0.23, "BGN": 0.59, "UAH": 0.024, "ILS": 0.29, "AED": 0.272,
    "SAR": 0.267, "QAR": 0.275, "ZAR": 0.056, "KES": 0.0077, "NGN": 0.00065, "GHS": 0.095,
    "EGP": 0.020, "MAD": 0.11, "MXN": 0.053, "BRL": 0.18, "CLP": 0.00105, "COP": 0.00025, "PEN": 0.28,
}
CURRENCY_CODES = frozenset(APPROXIMATE_USD_RATES) | {"TRY", "ARS", "RUB", "TWD", "NPR", "UGX", "ETB", "VES"}
# Symbols before or after an amount. A bare "$" means US dollars unless the text says whose dollar.
CURRENCY_SYMBOLS = {
    "US$": "USD", "CA$": "CAD", "C$": "CAD", "CAN$": "CAD", "AU$": "AUD", "A$": "AUD", "NZ$": "NZD",
    "S$": "SGD", "SG$": "SGD", "HK$": "HKD", "MX$": "MXN", "R$": "BRL", "NT$": "TWD", "$": "USD",
    "£": "GBP", "€": "EUR", "₹": "INR", "Rs.": "INR", "Rs": "INR", "¥": "JPY", "₱": "PHP", "₦": "NGN",
    "₩": "KRW", "₺": "TRY", "₪": "ILS", "₫": "VND", "฿": "THB", "₴": "UAH", "zł": "PLN", "KSh": "KES",
}
CURRENCY_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP",
                  "rupees": "INR", "pesos": "MXN", "reais": "BRL"}
PERIOD_WORDS = {
    "hour": "hour", "hr": "hour", "h": "hour", "hourly": "hour", "p/h": "hour", "ph": "hour",
    "day": "day", "d": "day", "daily": "day",
    "week": "week", "wk": "week", "weekly": "week",
    "month": "month", "mo": "month", "mth": "month", "monthly": "month",
    "year": "year", "yr": "year", "annum": "year", "annual": "year", "annually": "year", "yearly": "year",
    "pa": "year", "p.a": "year", "p.a.": "year",
}
MULTIPLIERS = {"k": 1_000, "thousand": 1_000}
FUNDING_MULTIPLIERS = ("m", "mn", "million", "bn", "billion")  # amounts this big are funding, not pay
# A bare amount with no period word: this large is a salary, this small is an hourly rate.
YEARLY_IF_AT_LEAST = 10_000
HOURLY_IF_AT_MOST = 200
IMPLAUSIBLE_PAY = 10_000_000


def _alternation(words) -> str:
    """A regex alternation of literal words that prefers the longest, so 'CA$' wins over '$'.

    Written as a trie ('c(?:a(?:n\\$|\\$)|\\$)'): Python's regex engine tries every alternative in
    turn, so sixty language names cost sixty tests at each word, the trie a handful. It matches
    exactly what the longest-first list matches, trying the same words in the same order."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    """The alternation below one trie node: longer continuations first, then ending here."""
    branches = [re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    joined = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return joined
    if len(branches) == 1 and len(branches[0]) == 1:
        return joined + "?"
    return (joined if len(branches) > 1 else "(?:" + joined + ")") + "?"


def _phrase_alternation(phrases) -> str:
    """Like _alternation, but the spaces inside a phrase match any run of whitespace."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, phrase.split(" "))) for phrase in ordered)


def _amount_pattern(index: int) -> str:
    """One amount with optional currency code, symbol, thousands suffix and trailing currency."""
    codes, symbols = _alternation(CURRENCY_CODES), _alternation(CURRENCY_SYMBOLS)
    words = _alternation(CURRENCY_WORDS)
    return (
        rf"(?:(?P<code{index}>\b(?:{codes}))\s?(?P<symbol{index}>{symbols})?|(?P<lone{index}>{symbols}))?\s?"
        rf"(?<![\w,])(?<!\d\.)(?P<number{index}>\d{{1,3}}(?:[,.\u00a0\u202f]\d{{3}})+(?:[.,]\d{{1,2}})?(?!\d)"
        rf"|\d+(?:[.,]\d{{1,2}})?(?![\d]))"
        rf"(?:\s?(?P<multiplier{index}>(?i:k|thousand|mn|m|million|bn|billion))(?![A-Za-z]))?"
        rf"(?:\s?(?P<after{index}>\b(?:{codes})\b|{symbols}|(?i:\b(?:{words})\b)))?"
    )


PAY_QUALIFIERS = ("up to", "as much as", "starting at", "starting from", "starts at", "from", "at least",
                  "minimum of", "minimum", "min.", "min", "maximum of", "maximum", "max.", "max", "between")
_PAY_CANDIDATE = re.compile(
    rf"(?:(?P<qualifier>(?i:{_phrase_alternation(PAY_QUALIFIERS)}))\s*)?"
    + _amount_pattern(1)
    + r"(?:\s*(?:[-–—~]|(?i:\bto\b|\band\b))\s*" + _amount_pattern(2) + r")?"
    + r"(?P<plus>\+)?"
)
# Scanning starts only at numbers (fast), then reads the words before each number backwards: this
# pattern is the qualifier, code and symbol grammar of _PAY_CANDIDATE written in reverse.
_NUMBER_ANCHOR = re.compile(r"\d[\d,.]*")
_REVERSED_PREFIX = re.compile(
    rf"\s?(?:(?:{_alternation(symbol[::-1] for symbol in CURRENCY_SYMBOLS)})"
    rf"(?:\s?(?:{_alternation(code[::-1] for code in CURRENCY_CODES)})(?!\w))?"
    rf"|(?:{_alternation(code[::-1] for code in CURRENCY_CODES)})(?!\w))?"
    rf"(?:\s*(?i:{_phrase_alternation(qualifier[::-1] for qualifier in PAY_QUALIFIERS)})(?!\w))?")
PREFIX_WINDOW = 24
# Cheap tests that let most numbers in a long description (years, counts) skip the full parse: an
# amount is only pay with a currency mark or a period word close by, so one of these must be near.
SYMBOL_CHARACTERS = frozenset(char for symbol in CURRENCY_SYMBOLS for char in symbol
                              if not char.isalnum() and char != ".") | {"/"}
NEARBY_PAY_WORDS = ("hour", " hr", "day", "daily", "week", "wk", "month", " mo", "mth", "year", "yr", "annu",
                    "p.a", " pa", " ph", "dollar", "euro", "pound", "rupee", "peso", "reais", "ksh", "zł")
_THREE_CAPITALS = re.compile(r"[A-Z]{3}")
_PERIOD_AFTER = re.compile(
    r"\s*(?i:(?:/|\bper\b|\ban?\b|\beach\b|\bevery\b)\s*(?P<unit>hour|hr|h|day|d|week|wk|month|mo|mth|year|yr|annum)s?\b"
    r"|(?P<adjective>hourly|daily|weekly|monthly|yearly|annually|annual)\b|(?P<abbreviation>p\.a\.?|p/h)"
    r"|(?P<short>pa|ph)\b)")
_PER_UNIT_AFTER = re.compile(
    r"\s*(?i:(?:/|\bper\b|\ban?\b|\beach\b|\bevery\b|\bfor\s+(?:each|every)\b)\s*(?:audio\s+|video\s+)?"
    r"(?:task|item|image|hit|word|minute|min|annotation|label|question|submission|page|video|clip|project"
    r"|unit|response|piece|transcript|sentence|prompt|conversation|record|file|review|survey|test|call"
    r"|photo|batch|comparison|rating)s?\b)")
_NOT_PAY_AFTER = re.compile(
    r"\s*(?i:(?:[\w-]+\s+){0,2}(?:bonus|sign[\s-]?on|gift\s?cards?|fees?|deposit|funding|grant|prize|credit"
    r"|referral|reward|budget|allowance|raised|valuation|revenue|series|investment|loan)\b)")
_PERIOD_BEFORE = re.compile(
    r"(?i:\b(?P<word>hourly|daily|weekly|monthly|annual|annually|yearly)\b|\bper\s+(?P<unit>hour|day|week|month|year|annum)\b)")
_PAY_CONTEXT = re.compile(
    r"(?i:\b(?:pay|pays|paid|rate|rates|salary|salaries|compensation|earn|earning|earnings|wage|wages"
    r"|remuneration|stipend|income|ote|base|range|budget)\b)")
_CLAUSE_END = re.compile(r"[.;!?\n](?!\d)")
BEFORE_WINDOW = 40


def parse_pay_text(text: str) -> Pay | None:
    """The first pay range stated in a text ('$15-$25/hr', '€30,000–€40,000 a year'), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text[:TEXT_SCAN_LIMIT]
    is_pay_summary = len(text.strip()) <= SHORT_PAY_TEXT_CHARS
    first_inferred = None
    consumed = 0
    for anchor in _NUMBER_ANCHOR.finditer(text):
        if anchor.start() < consumed:
            continue
        if not is_pay_summary and not _pay_hint_near(text, anchor.start(), anchor.end()):
            continue
        match = _candidate_at(text, anchor.start())
        consumed = match.end() if match else anchor.end()
        found = _pay_from_match(match, text, is_pay_summary) if match else None
        if found is None:
            continue
        pay, period_stated = found
        if period_stated:
            return pay
        first_inferred = first_inferred or pay
    return first_inferred


def _pay_hint_near(text: str, start: int, end: int) -> bool:
    """Whether a currency mark, a currency code or a pay word sits close to a number."""
    near = text[max(0, start - PREFIX_WINDOW):end + PREFIX_WINDOW]
    if not SYMBOL_CHARACTERS.isdisjoint(near) or "Rs" in near or _THREE_CAPITALS.search(near):
        return True
    lowered = near.lower()
    return any(word in lowered for word in NEARBY_PAY_WORDS)


def _candidate_at(text: str, number_start: int) -> re.Match | None:
    """The pay candidate whose first number starts at `number_start`, with its qualifier and currency."""
    head = text[max(0, number_start - PREFIX_WINDOW):number_start][::-1]
    prefix = _REVERSED_PREFIX.match(head)
    match = _PAY_CANDIDATE.match(text, number_start - (prefix.end() if prefix else 0))
    if match and match.start("number1") == number_start:
        return match
    match = _PAY_CANDIDATE.match(text, number_start)
    return match if match and match.start("number1") == number_start else None


def _pay_from_match(match: re.Match, text: str, is_pay_summary: bool) -> tuple[Pay, bool] | None:
    """A Pay and whether its period was stated, from one candidate amount; None when it is not pay."""
    low, high = _value(match, 1), _value(match, 2)
    if low is None or (match.group("number2") and high is None):
        return None
    if match.group("number2") and not match.group("multiplier1") and match.group("multiplier2") and low < 1000:
        low *= MULTIPLIERS.get(match.group("multiplier2").lower(), 1)  # "$30-40k": the k covers both
    currency = _currency(match)
    after = text[match.end():match.end() + 60]
    if _PER_UNIT_AFTER.match(after):
        return None  # per-task rates have no period the board can compare
    period = _period_after(after)
    period_stated = period is not None
    if period is None:
        period = _period_before(text, match.start())
        period_stated = period is not None
    if not period_stated and (currency is None or _NOT_PAY_AFTER.match(after)):
        return None  # a number with neither currency nor period is a count, a year or a phone number
    if not (currency and period_stated) and not (is_pay_summary or _has_pay_context(text, match.start())):
        return None
    minimum, maximum = _bounds(match, low, high)
    if period is None:
        period = _inferred_period(max(value for value in (minimum, maximum) if value is not None))
        if period is None:
            return None
    return Pay(min=minimum, max=maximum, currency=currency, period=period, source="text"), period_stated


def _value(match: re.Match, index: int) -> float | None:
    """The amount of one side of a range, with its thousands suffix; None if absent, zero or absurd."""
    number = match.group(f"number{index}")
    if not number:
        return None
    multiplier_word = (match.group(f"multiplier{index}") or "").lower()
    if multiplier_word in FUNDING_MULTIPLIERS:
        return None
    value = _number(number) * MULTIPLIERS.get(multiplier_word, 1)
    return value if 0 < value < IMPLAUSIBLE_PAY else None


def _number(text: str) -> float:
    """A decimal from '1,200', '30.000', '12,50', '1.234,56' or '20'."""
    digits = text.replace("\u00a0", "").replace("\u202f", "")
    separators = [char for char in digits if char in ",."]
    if not separators:
        return float(digits)
    last = separators[-1]
    whole, _, tail = digits.rpartition(last)
    if len(tail) in (1, 2) and (len(separators) == 1 or separators.count(last) == 1):
        return float(whole.replace(",", "").replace(".", "") + "." + tail)
    return float(digits.replace(",", "").replace(".", ""))


def _currency(match: re.Match) -> str | None:
    """The ISO code for the amount: a stated code wins over a symbol, a specific symbol over '$'."""
    codes, symbols = [], []
    for name in ("code1", "after1", "code2", "after2", "symbol1", "lone1", "symbol2", "lone2"):
        marker = match.group(name)
        if not marker:
            continue
        if marker in CURRENCY_CODES:
            codes.append(marker)
        elif marker in CURRENCY_SYMBOLS:
            symbols.append(marker)
        elif marker.lower() in CURRENCY_WORDS:
            symbols.append(marker.lower())
    if codes:
        return codes[0]
    specific = [symbol for symbol in symbols if symbol != "$"]
    chosen = specific[0] if specific else (symbols[0] if symbols else None)
    if chosen is None:
        return None
    return CURRENCY_SYMBOLS.get(chosen) or CURRENCY_WORDS.get(chosen)


def _period_after(after: str) -> str | None:
    """The pay period written just after an amount ('/hr', 'per annum', 'a year', 'p.a.')."""
    found = _PERIOD_AFTER.match(after)
    if not found:
        return None
    word = next(group for group in found.groups() if group)
    return PERIOD_WORDS.get(word.lower().rstrip("."), PERIOD_WORDS.get(word.lower()))


def _clause_before(text: str, start: int) -> str:
    """The words just before an amount, back to the start of its sentence or line."""
    window = text[max(0, start - BEFORE_WINDOW):start]
    ends = list(_CLAUSE_END.finditer(window))
    return window[ends[-1].end():] if ends else window


def _period_before(text: str, start: int) -> str | None:
    """A period word leading into the amount ('Hourly rate: $20', 'Annual salary €40,000')."""
    found = _PERIOD_BEFORE.search(_clause_before(text, start))
    if not found:
        return None
    return PERIOD_WORDS.get((found.group("word") or found.group("unit")).lower())


def _has_pay_context(text: str, start: int) -> bool:
    """Whether the clause before an amount talks about pay ('Salary:', 'You will earn')."""
    return bool(_PAY_CONTEXT.search(_clause_before(text, start)))


def _bounds(match: re.Match, low: float, high: float | None) -> tuple[float | None, float | None]:
    """(min, max) from a range, 'up to X', 'from X', 'X+' or a single rate."""
    if high is not None:
        return (low, high) if low <= high else (high, low)
    qualifier = " ".join((match.group("qualifier") or "").lower().split())
    if qualifier.startswith(("up to", "as much as", "max")):
        return None, low
    if match.group("plus") or qualifier.startswith(("from", "starting", "starts", "at least", "min")):
        return low, None
    return low, low


def _inferred_period(value: float) -> str | None:
    """A period for a bare amount, from its size alone; None when the size does not tell."""
    if value >= YEARLY_IF_AT_LEAST:
        return "year"
    if value <= HOURLY_IF_AT_MOST:
        return "hour"
    return None


def hourly_equivalent_usd(pay: Pay) -> float | None:
    """The lower bound as approximate US dollars an hour, so pay in any period and currency compares."""
    if not isinstance(pay, Pay):
        return None
    amount = pay.min if pay.min is not None else pay.max
    rate = APPROXIMATE_USD_RATES.get(pay.currency or "")
    hours = HOURS_PER_PERIOD.get(pay.period)
    if not isinstance(amount, int | float) or isinstance(amount, bool) or rate is None or hours is None:
        return None
    if amount != amount or amount <= 0:  # NaN or nothing
        return None
    return round(amount * rate / hours, 2)


# --- Workplace, countries, employment type ---------------------------------------------------------

# Checked in order; the first that matches decides. Location and title say it plainly.
REMOTE_IN_HEADLINE = (
    ("hybrid", re.compile(r"(?i:\bhybrid\b)")),
    ("remote", re.compile(r"(?i:\bremote(?![\s-]+(?:sensing|control|pilot))\b|\banywhere\b|\bworldwide\b|\bwfh\b"
                          r"|\bwork(?:ing)?\s+from\s+home\b|\bhome[\s-]based\b|\btelecommut\w*)")),
    ("on-site", re.compile(r"(?i:\bon[\s-]?site\b|\bin[\s-]office\b|\boffice[\s-]based\b|\bin[\s-]person\b)")),
)
# The description mentions remote work in passing ("our remote-first culture"), so only firm phrases
# count; these run on lower-cased text.
REMOTE_DESCRIPTION_ANCHORS = ("remote", "hybrid", "site", "office", "person", "work from")
REMOTE_IN_DESCRIPTION = (
    ("on-site", re.compile(r"\bnot\s+(?:a\s+)?(?:fully\s+)?remote\b|\bno\s+remote\b"
                           r"|\b(?:on[\s-]?site|in[\s-]office|in[\s-]person)\s+(?:role|position|job)\b")),
    ("hybrid", re.compile(r"\bhybrid\s+(?:role|position|job|work|working|schedule|model|setup|arrangement)\b")),
    ("remote", re.compile(r"\b(?:fully|completely|entirely)\s+remote\b|100%\s+remote\b"
                          r"|\bremote\s+(?:role|position|job|opportunity|contract)\b|\bwork\s+from\s+(?:home|anywhere)\b"
                          r"|\bwork\s+remotely\b|\bthis\s+is\s+a\s+remote\b")),
)

# Names and aliases beyond the adapters' table; None marks a region whose name contains a country's
# ("New Mexico", "Latin America"), consumed first so it is not read as that country.
EXTRA_COUNTRY_NAMES = {
    "u.s.": "US", "u.s.a.": "US", "u.k.": "GB", "britain": "GB", "españa": "ES", "méxico": "MX",
    "italia": "IT", "nederland": "NL", "polska": "PL", "österreich": "AT", "schweiz": "CH",
    "suisse": "CH", "belgique": "BE", "belgië": "BE", "sverige": "SE", "norge": "NO", "danmark": "DK",
    "suomi": "FI", "éire": "IE", "russia": "RU", "belarus": "BY", "kazakhstan": "KZ", "armenia": "AM",
    "slovakia": "SK", "slovenia": "SI", "luxembourg": "LU", "iceland": "IS", "malta": "MT",
    "cyprus": "CY", "bosnia and herzegovina": "BA", "bosnia": "BA", "albania": "AL",
    "north macedonia": "MK", "moldova": "MD", "algeria": "DZ", "cameroon": "CM", "senegal": "SN",
    "tanzania": "TZ", "zimbabwe": "ZW", "zambia": "ZM", "ecuador": "EC", "bolivia": "BO",
    "paraguay": "PY", "guatemala": "GT", "dominican republic": "DO", "puerto rico": "PR",
    "jamaica": "JM", "panama": "PA", "el salvador": "SV", "honduras": "HN", "kuwait": "KW",
    "bahrain": "BH", "oman": "OM", "myanmar": "MM", "cambodia": "KH", "mongolia": "MN",
    "new mexico": "US", "new south wales": "AU", "latin america": None, "south america": None,
    "central america": None, "north america": None, "british columbia": "CA",
}
_COUNTRY_TABLE = {name: code for name, code in {**COUNTRY_NAMES, **EXTRA_COUNTRY_NAMES}.items()
                  if len(name) > 3 or "." in name}
# Short aliases are matched in capitals only: "US" is the country, "us" is a pronoun.
SHORT_COUNTRY_ALIASES = {"US": "US", "USA": "US", "UK": "GB", "UAE": "AE"}
_COUNTRY_NAME = re.compile(rf"(?i:(?<!\w)({_alternation(_COUNTRY_TABLE)})(?!\w))")
_SHORT_COUNTRY = re.compile(rf"\b({_alternation(SHORT_COUNTRY_ALIASES)})\b")

# Spellings of each employment type, in the order posting.EMPLOYMENT_TYPES lists them.
EMPLOYMENT_TYPE_WORDS = (
    ("full-time", r"full[\s-]?time|permanent"),
    ("part-time", r"part[\s-]?time"),
    ("contract", r"contract|contractor|contract[\s-]to[\s-]hire|fixed[\s-]term|1099"),
    ("temporary", r"temporary|temp|seasonal"),
    ("internship", r"internship|intern"),
    ("freelance", r"freelance|freelancer|freelancing"),
)
_EMPLOYMENT_WORD = "|".join(pattern for _, pattern in EMPLOYMENT_TYPE_WORDS)
_EMPLOYMENT_IN_TITLE = re.compile(rf"(?i:\b({_EMPLOYMENT_WORD})\b)")
# In a description only firm phrases count: "contract law" or "our full-time staff" say nothing.
# The pattern runs on lower-cased text.
_EMPLOYMENT_IN_DESCRIPTION = re.compile(
    rf"\b(?:employment|job|contract|position|engagement|work)\s+type\s*:\s*({_EMPLOYMENT_WORD})\b"
    rf"|\bthis\s+is\s+an?\s+({_EMPLOYMENT_WORD})\b"
    rf"|\b({_EMPLOYMENT_WORD})\s+(?:role|position|job|opportunity|basis|engagement|employment|contract|gig)\b"
    rf"|\bindependent\s+(contractor)\b")
EMPLOYMENT_DESCRIPTION_ANCHORS = ("type", "this is a", "contract", "time", "temp", "intern", "freelanc", "seasonal",
                                  "permanent", "1099", "fixed")
_EMPLOYMENT_TYPE_OF_WORD = tuple((kind, re.compile(rf"(?i:{pattern})")) for kind, pattern in EMPLOYMENT_TYPE_WORDS)


def windows_around(text: str, anchors, before: int = 40, after: int = 80, lowered: str | None = None) -> list[str]:
    """The lower-cased stretches of text around each anchor word, merged. Phrase patterns run only
    there, in lower case, which keeps a long description cheap: Python's regex engine is slow on
    alternations and slower still when it must ignore case."""
    lowered = text.lower() if lowered is None else lowered
    spans = []
    for anchor in anchors:
        index = lowered.find(anchor)
        while index != -1:
            spans.append((max(0, index - before), index + len(anchor) + after))
            index = lowered.find(anchor, index + len(anchor))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [lowered[start:end] for start, end in merged]


def remote_from(location: str, title: str, text: str) -> str:
    """The workplace a posting states in its location, title or description, else 'unknown'."""
    for field_text in (location, title):
        for value, pattern in REMOTE_IN_HEADLINE:
            if pattern.search(field_text):
                return value
    windows = windows_around(text, REMOTE_DESCRIPTION_ANCHORS, before=30, after=30)
    for value, pattern in REMOTE_IN_DESCRIPTION:
        if any(pattern.search(window) for window in windows):
            return value
    return "unknown"


def countries_from(*texts: str) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the countries named in location texts, in order, without repeats."""
    codes: list[str] = []
    for text in texts:
        found = [(match.start(), _COUNTRY_TABLE.get(match.group(1).lower()))
                 for match in _COUNTRY_NAME.finditer(text)]
        found += [(match.start(), SHORT_COUNTRY_ALIASES[match.group(1)]) for match in _SHORT_COUNTRY.finditer(text)]
        for _, code in sorted(found, key=lambda item: item[0]):
            if code and code not in codes:
                codes.append(code)
    return codes


def employment_type_from(title: str, text: str) -> str | None:
    """The employment type a title names ('(Contract)') or a description states firmly, else None."""
    windows = windows_around(text, EMPLOYMENT_DESCRIPTION_ANCHORS)
    match = _EMPLOYMENT_IN_TITLE.search(title) or next(filter(None, map(_EMPLOYMENT_IN_DESCRIPTION.search, windows)), None)
    if not match:
        return None
    word = next(group for group in match.groups() if group)
    return next((kind for kind, pattern in _EMPLOYMENT_TYPE_OF_WORD if pattern.fullmatch(word)), None)


# --- Languages and task types ------------------------------------------------------------------------

# Language names as postings write them, mapped to the name the board shows.
LANGUAGE_NAMES = {name: name for name in (
    "English", "Spanish", "French", "German", "Italian", "Portuguese", "Dutch", "Polish", "Russian",
    "Ukrainian", "Turkish", "Arabic", "Hebrew", "Persian", "Hindi", "Bengali", "Urdu", "Punjabi", "Tamil",
    "Telugu", "Marathi", "Gujarati", "Kannada", "Malayalam", "Chinese", "Mandarin", "Cantonese",
    "Japanese", "Korean", "Vietnamese", "Thai", "Indonesian", "Malay", "Tagalog", "Filipino", "Swahili",
    "Yoruba", "Hausa", "Igbo", "Amharic", "Zulu", "Afrikaans", "Greek", "Czech", "Slovak", "Hungarian",
    "Romanian", "Bulgarian", "Serbian", "Croatian", "Swedish", "Norwegian", "Danish", "Finnish",
    "Catalan", "Estonian", "Latvian", "Lithuanian", "Slovenian")} | {"Farsi": "Persian", "Bangla": "Bengali"}
_LANGUAGE = _alternation(LANGUAGE_NAMES)
_LANGUAGE_LOWER = _alternation(name.lower() for name in LANGUAGE_NAMES)
_LANGUAGE_LOWER_LIST = rf"(?:{_LANGUAGE_LOWER})(?:\s*(?:,|/|&|\+|\band/or\b|\band\b|\bor\b)\s*(?:{_LANGUAGE_LOWER}))*"
# Runs on lower-cased text: a trigger word then a list of languages, "Japanese (native)", "German speakers".
_LANGUAGE_REQUIRED = re.compile(
    rf"\b(?:fluent|fluency|fluently|native|near[\s-]native|native[\s-]level|bilingual|proficient|proficiency"
    rf"|mother[\s-]tongue|command\s+of|speak|speaks|c1|c2)"
    rf"(?:[\s:-]+(?:in|of|the|both|and|or|level|written|spoken|verbal|a|an|excellent|full|professional"
    rf"|native|speaker|speakers))*[\s:-]+({_LANGUAGE_LOWER_LIST})\b"
    rf"|\b({_LANGUAGE_LOWER_LIST})\s*\(\s*(?:native|fluent|c1|c2|mother\s+tongue|bilingual)[^)]{{0,30}}\)"
    rf"|\b({_LANGUAGE_LOWER_LIST})[\s-]+(?:native\s+)?speakers?\b")
LANGUAGE_ANCHORS = ("fluen", "native", "bilingual", "proficien", "mother", "command of", "speak", "c1", "c2")
_LANGUAGE_IN_TITLE = re.compile(rf"\b({_LANGUAGE})\b")
_LANGUAGE_NAME = re.compile(rf"\b({_LANGUAGE_LOWER})\b")
_LANGUAGE_KEYS = {name.lower(): shown for name, shown in LANGUAGE_NAMES.items()}

# The wording that shows a posting involves a practice task type, by catalog slug. Bare words that
# mean other things elsewhere ("segmentation" in marketing, "landmark" cases) need a qualifier.
TASK_TYPE_KEYWORDS = {
    # slug: (anchors, one of which every match contains; the pattern, run on lower-cased text)
    "bbox": (("bounding", "bbox", "2d", "cuboid"),
             r"bounding[\s-]+box(?:es)?|bbox(?:es)?|2d[\s-]+box(?:es)?|cuboids?"),
    "polygon": (("polygon",),
                r"polygons|polygon(?:al)?[\s-]+(?:annotation|label|labell?ing|segmentation|mask|tool|shape|outline)s?"
                r"|(?:draw|drawing|trace|tracing)\s+polygons?"),
    "segmentation": (("segmentation", "pixel"),
                     r"(?:semantic|instance|panoptic|image|video|pixel[\s-]+level|pixel[\s-]+wise)[\s-]+segmentation"
                     r"|segmentation\s+masks?|pixel[\s-]+(?:level|wise|accurate|perfect)\s+(?:annotation|label|labell?ing|mask)s?"),
    "keypoints": (("keypoint", "key-point", "pose", "skeleton", "landmark"),
                  r"key-?points?|pose\s+(?:estimation|annotation|labell?ing)|human\s+pose|skeleton\s+annotation"
                  r"|(?:facial|face|body|anatomical)\s+landmarks?|landmark\s+(?:annotation|labell?ing|detection)"),
    "sentiment": (("sentiment",), r"sentiments?"),
    "ner": (("entit",),
            r"named[\s-]+entit(?:y|ies)|entity\s+(?:tagging|recognition|annotation|labell?ing|extraction|linking)"),
    "categorization": (("classification", "categori", "intent"),
                       r"(?:text|content|document|query|topic)\s+(?:classification|categori[sz]ation)"
                       r"|intent\s+(?:classification|labell?ing|detection|recognition|tagging)|(?:user|search|query)\s+intent"),
    "transcription": (("transcri", "speech"),
                      r"transcri(?:be|bes|bed|bing|ber|bers|ption|ptions|ptionist|ptionists)|speech[\s-]+to[\s-]+text"),
    "sound-events": (("audio", "sound", "acoustic"),
                     r"audio\s+(?:tagging|events?|event\s+detection|classification)"
                     r"|sound\s+(?:events?|tagging|labell?ing|classification)|acoustic\s+events?"),
    "tracking": (("track", "video", "frame"),
                 r"(?:object|multi[\s-]object|multiple[\s-]object|video|person|pedestrian|vehicle)\s+tracking"
                 r"|video\s+(?:annotation|labell?ing)|frame[\s-]by[\s-]frame|track(?:ing)?\s+objects"),
}
_TASK_TYPE_PATTERNS = tuple((slug, anchors, re.compile(rf"\b(?:{pattern})\b"))
                            for slug, (anchors, pattern) in TASK_TYPE_KEYWORDS.items())
_NER_ACRONYM = re.compile(r"\bNER\b")  # capitals only: "ner" is a fragment of many words


def languages_from(title: str, text: str) -> list[str]:
    """Languages a posting requires: named in its title, or with 'fluent', 'native', 'bilingual'..."""
    found: list[str] = []
    for match in _LANGUAGE_IN_TITLE.finditer(title):
        _add_language(match.group(1), found)
    for window in windows_around(text, LANGUAGE_ANCHORS, before=80, after=120):
        for match in _LANGUAGE_REQUIRED.finditer(window):
            listed = next(group for group in match.groups() if group)
            for name in _LANGUAGE_NAME.findall(listed):
                _add_language(name, found)
    return found


def _add_language(name: str, found: list[str]) -> None:
    """Append a language's display name once."""
    shown = _LANGUAGE_KEYS.get(name.lower())
    if shown and shown not in found:
        found.append(shown)


def task_types_from(title: str, text: str) -> list[str]:
    """Practice task slugs a posting's title or description mentions, in catalog order."""
    combined = f"{title}\n{text}"
    lowered = combined.lower()
    found = [slug for slug, anchors, pattern in _TASK_TYPE_PATTERNS
             if any(pattern.search(window) for window in windows_around(combined, anchors, lowered=lowered))]
    if "ner" not in found and "NER" in combined and _NER_ACRONYM.search(combined):
        found.append("ner")
    return [slug for slug in TASK_TYPES if slug in found]


# --- The whole stage -------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def clean_line(value: object, limit: int) -> str:
    """One line of text: no control characters, single spaces, at most `limit` characters."""
    if not isinstance(value, str):
        return ""
    return _WHITESPACE.sub(" ", _CONTROL_CHARS.sub(" ", value)).strip()[:limit].rstrip()


def _text_list(value: object) -> list[str]:
    """The strings in a list from `extra`, ignoring anything else."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def normalise(posting: Posting) -> Posting:
    """A copy of the posting with clean fields and everything derivable from its text filled in."""
    title = clean_line(posting.title, FIELD_LIMITS["title"])
    location = clean_line(posting.location, FIELD_LIMITS["location"])
    description_html = sanitize_description(posting.description_html)
    description_text = html_to_text(description_html)
    scanned_text = description_text[:TEXT_SCAN_LIMIT]
    extra = posting.extra if isinstance(posting.extra, dict) else {}

    pay = posting.pay if isinstance(posting.pay, Pay) else None
    if pay is None:
        pay = parse_pay_text(posting.pay_text or "") or parse_pay_text(title) or parse_pay_text(scanned_text)
    remote = posting.remote
    if remote not in ("remote", "hybrid", "on-site"):
        remote = remote_from(location, title, scanned_text)
    countries = _text_list(posting.countries)
    if not countries:
        countries = countries_from(location, *_text_list(extra.get("country_names")),
                                   *_text_list(extra.get("applicant_locations")))
    employment_type = posting.employment_type if posting.employment_type in EMPLOYMENT_TYPES else None
    employment_type = employment_type or employment_type_from(title, scanned_text)
    languages = _text_list(posting.languages) or languages_from(title, scanned_text)
    task_types = _text_list(posting.task_types) or task_types_from(title, scanned_text)

    return dataclasses.replace(
        posting,
        title=title,
        company=clean_line(posting.company, FIELD_LIMITS["company"]),
        location=location,
        description_html=description_html,
        description_text=description_text,
        pay=pay,
        remote=remote,
        countries=countries,
        employment_type=employment_type,
        languages=languages,
        task_types=task_types,
        flags=list(posting.flags) if isinstance(posting.flags, list) else [],
        extra=dict(extra),
    )
