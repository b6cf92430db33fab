"""Career pages that embed schema.org JobPosting in `<script type="application/ld+json">` blocks.

A page may hold several blocks; a block may be one object, a list, or an object with an @graph.
JobPosting fields read (schema.org and Google's job posting guidelines): title, description,
datePosted, validThrough, employmentType (a string or list: FULL_TIME, PART_TIME, CONTRACTOR,
TEMPORARY, INTERN...), hiringOrganization {name, sameAs}, jobLocation {address}, jobLocationType
"TELECOMMUTE", applicantLocationRequirements, baseSalary {currency, value {minValue, maxValue,
value, unitText}}, identifier, url and directApply. The HTML is read with the standard library's
parser; a block that is not valid JSON is skipped with the reason.
"""

import html
import json
from html.parser import HTMLParser

from portal.jobs.posting import FeedFormatError, ParseResult, Pay, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

LD_JSON_TYPE = "application/ld+json"
# Nesting deeper than this is not a real page's structured data; stop walking rather than recurse.
MAX_GRAPH_DEPTH = 8


class _LdJsonCollector(HTMLParser):
    """Collects the text of every <script type="application/ld+json"> element in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.saw_markup = False
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Start collecting at an ld+json script tag."""
        self.saw_markup = True
        if tag == "script":
            script_type = next((value or "" for name, value in attrs if name == "type"), "")
            if script_type.split(";")[0].strip().lower() == LD_JSON_TYPE:
                self._current = []

    def handle_data(self, data: str) -> None:
        """Script text arrives here (the parser treats script content as raw text)."""
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        """Finish the block at </script>."""
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read every JobPosting in a page's JSON-LD blocks; malformed blocks are skipped with the reason."""
    prefix = common.describe_source(source)
    text = body.decode("utf-8", errors="replace")
    if text.lstrip().startswith(("{", "[")):
        raise FeedFormatError(f"{prefix}: expected an HTML page with JSON-LD, but the body is JSON")
    collector = _LdJsonCollector()
    collector.feed(text)
    collector.close()
    if not collector.saw_markup:
        raise FeedFormatError(f"{prefix}: expected an HTML page with JSON-LD, but the body has no HTML tags")
    if not collector.blocks:
        raise FeedFormatError(
            f"{prefix}: the page has no <script type=\"application/ld+json\"> block; "
            "the careers page may have changed or the URL may be wrong")
    result = ParseResult()
    job_postings: list[dict] = []
    for number, block in enumerate(collector.blocks, start=1):
        try:
            data = json.loads(block, strict=False)  # strict=False: pages often leave raw newlines in strings
        except json.JSONDecodeError as error:
            reason = f"malformed JSON at line {error.lineno}: {error.msg}"
            result.skipped.append((f"ld+json block {number}", reason))
            continue
        except RecursionError:
            result.skipped.append((f"ld+json block {number}", "JSON nested too deeply"))
            continue
        found = list(_job_postings_in(data, depth=0))
        if not found:
            result.skipped.append((f"ld+json block {number}", "holds no JobPosting"))
        job_postings.extend(found)
    for index, job in enumerate(job_postings):
        posting, reason = _posting_from(job, source, only_posting_on_page=len(job_postings) == 1)
        if posting:
            result.postings.append(posting)
        else:
            name = common.text_of(job.get("title")) or f"#{index}"
            result.skipped.append((f"JobPosting {name}", reason))
    return result


def _job_postings_in(data: object, depth: int):
    """Every JobPosting object in a block: top level, in a list, or in an @graph."""
    if depth > MAX_GRAPH_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _job_postings_in(item, depth + 1)
    elif isinstance(data, dict):
        if _is_job_posting(data):
            yield data
        elif "@graph" in data:
            yield from _job_postings_in(data["@graph"], depth + 1)


def _is_job_posting(item: dict) -> bool:
    """@type is "JobPosting" or a list containing it (optionally with a schema.org prefix)."""
    types = item.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(name, str) and name.rsplit("/", 1)[-1].rsplit(":", 1)[-1] == "JobPosting"
               for name in names)


def _posting_from(job: dict, source: SourceConfig, only_posting_on_page: bool) -> tuple[Posting | None, str]:
    """Map one JobPosting onto a Posting, or give the reason it cannot be one."""
    title = html.unescape(common.text_of(job.get("title")) or common.text_of(job.get("name")))
    url = common.text_of(job.get("url"))
    extra: dict = {}
    if not url and only_posting_on_page:
        url = source.url  # a job's own page often omits url: the page is the posting
        extra["url_from_page"] = True
    reason = common.missing_required(title, url)
    if reason:
        return None, reason
    organization = common.mapping_of(job.get("hiringOrganization"))
    if common.text_of(organization.get("sameAs")):
        extra["company_url"] = common.text_of(organization.get("sameAs"))
    if isinstance(job.get("directApply"), bool):
        extra["direct_apply"] = job["directApply"]
    countries: list[str] = []
    locations = _locations(job.get("jobLocation"), countries, extra)
    applicant_locations = _applicant_locations(job.get("applicantLocationRequirements"), countries, extra)
    if applicant_locations:
        extra["applicant_locations"] = applicant_locations
    employment_types = common.employment_types_from(job.get("employmentType"))
    if len(employment_types) > 1:
        extra["employment_types"] = employment_types
    posting = Posting(
        source_name=source.name,
        external_id=_identifier(job.get("identifier")) or url,
        title=title,
        company=common.company_for(organization.get("name") or job.get("hiringOrganization"), source),
        url=url,
        description_html=_description(job.get("description")),
        location=" | ".join(locations),
        countries=countries,
        remote=_remote(job),
        employment_type=employment_types[0] if employment_types else None,
        pay=_base_salary(job.get("baseSalary")),
        posted_at=common.read_date(job.get("datePosted"), "datePosted", extra),
        expires_at=common.read_date(job.get("validThrough"), "validThrough", extra),
        department=common.text_of(job.get("occupationalCategory")) or None,
        extra=extra,
    )
    return posting, ""


def _identifier(value: object) -> str:
    """identifier as a PropertyValue {value} or a bare string or number."""
    if isinstance(value, dict):
        return common.identifier_of(value.get("value"))
    return common.identifier_of(value)


def _description(value: object) -> str:
    """The description HTML; pages often entity-escape it inside the JSON ("&lt;p&gt;")."""
    text = common.text_of(value)
    if "<" not in text and "&lt;" in text:
        return html.unescape(text)
    return text


def _remote(job: dict) -> str:
    """TELECOMMUTE means remote; schema.org has no term for hybrid or on-site, so otherwise unknown."""
    location_types = job.get("jobLocationType")
    values = location_types if isinstance(location_types, list) else [location_types]
    if any(common.text_of(value).upper() == "TELECOMMUTE" for value in values):
        return "remote"
    return "unknown"


def _locations(value: object, countries: list[str], extra: dict) -> list[str]:
    """'Locality, Region, Country' for each Place in jobLocation, adding countries as codes."""
    found = []
    for place in common.list_of(value):
        if not isinstance(place, dict):
            continue
        address = place.get("address")
        if isinstance(address, str):
            text = common.text_of(address)
        else:
            address = common.mapping_of(address)
            country = _country_name_or_code(address.get("addressCountry"))
            if country:
                common.add_country(country, countries, extra)
            text = common.join_location(address.get("addressLocality"), address.get("addressRegion"), country)
        if text and text not in found:
            found.append(text)
    return found


def _applicant_locations(value: object, countries: list[str], extra: dict) -> list[str]:
    """Names in applicantLocationRequirements; those of @type Country also become country codes."""
    names = []
    for area in common.list_of(value):
        if not isinstance(area, dict):
            continue
        name = common.text_of(area.get("name"))
        if not name:
            continue
        names.append(name)
        if common.text_of(area.get("@type")) == "Country":
            common.add_country(name, countries, extra)
    return names


def _country_name_or_code(value: object) -> str:
    """addressCountry is text ("US", "Germany") or a Country object {name}."""
    if isinstance(value, dict):
        return common.text_of(value.get("name"))
    return common.text_of(value)


def _base_salary(value: object) -> Pay | None:
    """baseSalary MonetaryAmount: a range (minValue/maxValue) or one figure (value) per unitText."""
    salary = common.mapping_of(value)
    amount = salary.get("value")
    if isinstance(amount, dict):
        low = amount.get("minValue", amount.get("value"))
        high = amount.get("maxValue", amount.get("value"))
        return common.structured_pay(low, high, salary.get("currency"), amount.get("unitText"))
    return common.structured_pay(amount, amount, salary.get("currency"), salary.get("unitText"))


register(SourceKind(kind="jsonld", title="Career page with schema.org JobPosting (JSON-LD)", parse=parse,
                    accept="text/html, application/xhtml+xml;q=0.9"))
