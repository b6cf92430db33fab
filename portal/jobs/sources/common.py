"""Helpers every source adapter shares: JSON loading, odd dates, employment types, pay, countries.

Pure: no Flask, no database. Every reader here is forgiving: a value it cannot read becomes None
(or is set aside with a reason), never an exception, except `load_json`, whose whole job is to
refuse a body that is not the JSON the source kind expects.
"""

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from portal.jobs.posting import FeedFormatError, ParseResult, Pay, Posting, SourceConfig

# Dates outside this range are a placeholder (epoch 0, year 9999) rather than a real posting date.
EARLIEST_PLAUSIBLE_YEAR = 1995
LATEST_PLAUSIBLE_YEAR = 2100
# Epoch numbers above this are milliseconds (1e11 seconds is the year 5138).
EPOCH_MILLISECONDS_THRESHOLD = 100_000_000_000

_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
_TRAILING_ZONE_NAME = re.compile(r"\s+(UTC|GMT|Z)$", re.IGNORECASE)

# Squashed spellings (lower case, letters only) of employment types, from every format we read:
# Ashby FullTime, Lever commitments, Workable "Full-time", Recruitee codes, schema.org FULL_TIME.
EMPLOYMENT_TYPE_SPELLINGS = {
    "fulltime": "full-time",
    "permanent": "full-time",
    "parttime": "part-time",
    "contract": "contract",
    "contractor": "contract",
    "contracttohire": "contract",
    "fixedterm": "contract",
    "temporary": "temporary",
    "temp": "temporary",
    "seasonal": "temporary",
    "intern": "internship",
    "internship": "internship",
    "traineeship": "internship",
    "freelance": "freelance",
    "freelancer": "freelance",
    "perdiem": "freelance",
}

# How each format spells a pay period: Lever intervals, Ashby "1 HOUR", schema.org unitText, plain words.
PAY_PERIOD_SPELLINGS = {
    "hour": "hour", "hourly": "hour", "perhour": "hour", "perhourwage": "hour", "1hour": "hour", "hr": "hour",
    "day": "day", "daily": "day", "perday": "day", "perdaywage": "day", "1day": "day",
    "week": "week", "weekly": "week", "perweek": "week", "perweeksalary": "week", "1week": "week",
    "month": "month", "monthly": "month", "permonth": "month", "permonthsalary": "month", "1month": "month",
    "year": "year", "yearly": "year", "annual": "year", "annually": "year", "peryear": "year",
    "peryearsalary": "year", "1year": "year", "annum": "year", "perannum": "year",
}

# Country names as ATS address fields and schema.org spell them, for the countries annotation work
# is most often offered in. A name not here is kept in `extra["country_names"]` for the normaliser.
COUNTRY_NAMES = {
    "united states": "US", "united states of america": "US", "usa": "US", "us": "US", "america": "US",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "ireland": "IE", "canada": "CA", "australia": "AU",
    "new zealand": "NZ", "india": "IN", "pakistan": "PK", "bangladesh": "BD", "sri lanka": "LK",
    "nepal": "NP", "philippines": "PH", "indonesia": "ID", "malaysia": "MY", "singapore": "SG",
    "thailand": "TH", "vietnam": "VN", "viet nam": "VN", "japan": "JP", "south korea": "KR",
    "korea": "KR", "republic of korea": "KR", "china": "CN", "taiwan": "TW", "hong kong": "HK",
    "germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES", "portugal": "PT",
    "italy": "IT", "netherlands": "NL", "the netherlands": "NL", "belgium": "BE", "switzerland": "CH",
    "austria": "AT", "poland": "PL", "czechia": "CZ", "czech republic": "CZ", "romania": "RO",
    "bulgaria": "BG", "greece": "GR", "hungary": "HU", "serbia": "RS", "croatia": "HR", "ukraine": "UA",
    "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "estonia": "EE", "latvia": "LV",
    "lithuania": "LT", "turkey": "TR", "türkiye": "TR", "turkiye": "TR", "israel": "IL", "egypt": "EG",
    "morocco": "MA", "tunisia": "TN", "nigeria": "NG", "kenya": "KE", "ghana": "GH", "uganda": "UG",
    "south africa": "ZA", "ethiopia": "ET", "rwanda": "RW", "mexico": "MX", "brazil": "BR", "brasil": "BR",
    "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE", "venezuela": "VE",
    "costa rica": "CR", "uruguay": "UY", "united arab emirates": "AE", "uae": "AE", "saudi arabia": "SA",
    "qatar": "QA", "jordan": "JO", "lebanon": "LB",
}
_ALPHA2 = re.compile(r"^[A-Za-z]{2}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def describe_source(source: SourceConfig) -> str:
    """The prefix of every error about one source, so a log line names the culprit."""
    return f"source '{source.name}' ({source.kind}, {source.url})"


def load_json(body: bytes, source: SourceConfig) -> object:
    """Decode a JSON body, or raise FeedFormatError saying what the body is instead."""
    prefix = describe_source(source)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FeedFormatError(
            f"{prefix}: the body is not UTF-8 text ({error.reason} at byte {error.start})") from None
    stripped = text.lstrip()
    if not stripped:
        raise FeedFormatError(f"{prefix}: the body is empty, expected JSON")
    if stripped.startswith("<"):
        raise FeedFormatError(
            f"{prefix}: expected JSON but the body is HTML or XML (starts {stripped[:40]!r}); "
            "the URL may be wrong or the site may have served an error or login page")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedFormatError(
            f"{prefix}: malformed JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise FeedFormatError(f"{prefix}: the JSON is nested too deeply to read") from None


def describe_shape(data: object) -> str:
    """A short description of a JSON value, for 'expected X, got Y' errors."""
    if isinstance(data, dict):
        keys = ", ".join(sorted(str(key) for key in data)[:6]) or "no keys"
        return f"an object with keys {keys}"
    if isinstance(data, list):
        return f"a list of {len(data)} items"
    return f"a {type(data).__name__}"


def require_list_under(data: object, key: str, source: SourceConfig) -> list:
    """The list at `data[key]`, or FeedFormatError naming what arrived (another vendor, an error object)."""
    if isinstance(data, dict) and isinstance(data.get(key), list):
        return data[key]
    vendor_error = _vendor_error_message(data)
    detail = f"; the server said: {vendor_error}" if vendor_error else ""
    raise FeedFormatError(
        f"{describe_source(source)}: expected an object with a '{key}' list, "
        f"got {describe_shape(data)}{detail}")


def require_vendor_fields(entries: list, signature: frozenset[str], vendor: str,
                          source: SourceConfig) -> None:
    """FeedFormatError when no entry has any field the vendor always sends: the JSON is another format."""
    objects = [entry for entry in entries if isinstance(entry, dict)]
    if not entries or any(signature & entry.keys() for entry in objects):
        return
    sample = ", ".join(sorted(objects[0])[:8]) if objects else "no objects"
    raise FeedFormatError(
        f"{describe_source(source)}: none of the {len(entries)} entries has a field {vendor} always sends "
        f"({', '.join(sorted(signature))}); the first has {sample}: is this another vendor's format?")


def _vendor_error_message(data: object) -> str | None:
    """The error text ATS APIs put in a JSON error body ({"error": ...}, {"message": ...})."""
    if not isinstance(data, dict):
        return None
    for key in ("error", "message", "detail", "errors"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
        if isinstance(value, dict | list) and value:
            return json.dumps(value)[:200]
    return None


def text_of(value: object) -> str:
    """A stripped string for a text field, '' for anything that is not text or a number."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    return ""


def identifier_of(value: object) -> str:
    """An id as text: ATS ids arrive as numbers or strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text_of(value)


def mapping_of(value: object) -> dict:
    """The value if it is a JSON object, else an empty dict, so nested reads never raise."""
    return value if isinstance(value, dict) else {}


def list_of(value: object) -> list:
    """The value if it is a JSON list, a one-item list for a single object, else an empty list."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def company_for(payload_company: object, source: SourceConfig) -> str:
    """The employer: what the payload says, else the configured company, else the source's name."""
    return text_of(payload_company) or (source.company or "").strip() or source.name


def missing_required(title: str, url: str) -> str | None:
    """Why an entry cannot become a posting (no title, no usable link), or None when it can."""
    if not title:
        return "no title"
    if not url:
        return "no URL"
    if not url.lower().startswith(("https://", "http://")):
        return f"URL is not http(s): {url[:60]!r}"
    return None

def postings_from_entries(entries: list, noun: str, identify: Callable[[dict], tuple[str, str, str]],
                          build: Callable[[dict, str, str, str], Posting],
                          refuse: Callable[[dict], str | None] | None = None) -> ParseResult:
    """The loop every JSON adapter runs: each entry becomes a posting or a skip with its reason.

    `identify` returns (external id, title, URL); entries that are not objects, that `refuse`
    names a reason for, or that lack a title or URL are skipped; the rest go through `build`.
    """
    result = ParseResult()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            result.skipped.append((f"{noun} #{index}", "not a JSON object"))
            continue
        external_id, title, url = identify(entry)
        reason = (refuse(entry) if refuse else None) or missing_required(title, url)
        if reason:
            result.skipped.append((f"{noun} {external_id or '#' + str(index)}", reason))
            continue
        result.postings.append(build(entry, external_id or url, title, url))
    return result


def parse_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from ISO 8601, RFC 822, a bare date or epoch s/ms; None if unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return _plausible(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return _plausible(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, int | float):
        return _from_epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if _NUMERIC.match(text):
        return _from_epoch(float(text))
    return _plausible(_from_iso(text) or _from_rfc822(text))


def _from_epoch(number: float) -> datetime | None:
    """Seconds or milliseconds since 1970, told apart by size."""
    if not math.isfinite(number):
        return None
    seconds = number / 1000 if abs(number) >= EPOCH_MILLISECONDS_THRESHOLD else number
    try:
        return _plausible(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _from_iso(text: str) -> datetime | None:
    """ISO 8601 and its near relatives ("2026-11-03", "2026-11-03 09:15:00 UTC", "...Z")."""
    if _ISO_DATE_ONLY.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            return None
    candidate = _TRAILING_ZONE_NAME.sub("+00:00", text)
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _from_rfc822(text: str) -> datetime | None:
    """RFC 822 / 2822 dates as RSS writes them ("Tue, 03 Nov 2026 10:00:00 GMT")."""
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _plausible(moment: datetime | None) -> datetime | None:
    """The moment in UTC if its year is a real posting year, else None."""
    if moment is None:
        return None
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if not EARLIEST_PLAUSIBLE_YEAR <= moment.year <= LATEST_PLAUSIBLE_YEAR:
        return None
    return moment


def read_date(value: object, field_name: str, extra: dict) -> datetime | None:
    """Parse a date field; an unreadable one is kept in extra['unparsed_dates'] rather than lost."""
    moment = parse_datetime(value)
    if moment is None and value not in (None, "", 0):
        extra.setdefault("unparsed_dates", {})[field_name] = str(value)[:80]
    return moment


def _squash(value: str) -> str:
    """Lower case, letters and digits only: 'Full-Time', 'FULL_TIME' and 'full time' agree."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def employment_type_from(value: object) -> str | None:
    """One of posting.EMPLOYMENT_TYPES from any vendor's spelling, or None when it says nothing known."""
    text = text_of(value)
    if not text:
        return None
    squashed = _squash(text)
    if squashed in EMPLOYMENT_TYPE_SPELLINGS:
        return EMPLOYMENT_TYPE_SPELLINGS[squashed]
    # "fulltime_permanent", "Full-time (Remote)", "Freelance / Contract": the leading word decides.
    for spelling in sorted(EMPLOYMENT_TYPE_SPELLINGS, key=len, reverse=True):
        if squashed.startswith(spelling):
            return EMPLOYMENT_TYPE_SPELLINGS[spelling]
    return None


def employment_types_from(values: object) -> list[str]:
    """Every distinct known employment type in a string or a list of them, in order."""
    found: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        employment_type = employment_type_from(value)
        if employment_type and employment_type not in found:
            found.append(employment_type)
    return found


def pay_period_from(value: object) -> str | None:
    """One of posting.PAY_PERIODS from 'per-hour-wage', '1 YEAR', 'HOUR', 'monthly'...; None if unknown."""
    text = text_of(value)
    return PAY_PERIOD_SPELLINGS.get(_squash(text)) if text else None


def amount_of(value: object) -> float | None:
    """A non-negative finite amount from a number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        cleaned = value.replace(",", "").strip()
        if not _NUMERIC.match(cleaned):
            return None
        value = float(cleaned)
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def currency_of(value: object) -> str | None:
    """An ISO 4217-shaped code in upper case, or None."""
    text = text_of(value)
    return text.upper() if _CURRENCY.match(text) else None


def structured_pay(minimum: object, maximum: object, currency: object, period: object) -> Pay | None:
    """A Pay from an API's numeric fields, or None when there is no amount or the period is unknown."""
    low, high = amount_of(minimum), amount_of(maximum)
    known_period = pay_period_from(period)
    if (low is None and high is None) or known_period is None or (low == 0 and not high):
        return None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Pay(min=low, max=high, currency=currency_of(currency), period=known_period, source="structured")


def country_code(value: object) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or a common country name; None if not recognised."""
    text = text_of(value)
    if not text:
        return None
    if _ALPHA2.match(text):
        code = text.upper()
        return "GB" if code == "UK" else code
    return COUNTRY_NAMES.get(text.lower().strip(" ."))


def add_country(value: object, countries: list[str], extra: dict) -> None:
    """Append the country's code once; a name we cannot map is kept in extra['country_names']."""
    code = country_code(value)
    if code:
        if code not in countries:
            countries.append(code)
        return
    name = text_of(value)
    if name and name not in extra.setdefault("country_names", []):
        extra["country_names"].append(name)


def join_location(*parts: object) -> str:
    """'City, Region, Country' from the parts that are present, without repeats."""
    seen: list[str] = []
    for part in parts:
        text = text_of(part)
        if text and text not in seen:
            seen.append(text)
    return ", ".join(seen)
