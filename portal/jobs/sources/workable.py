"""Workable widget API: `GET https://apply.workable.com/api/v1/widget/accounts/{subdomain}`.

The response is {"name": account, "description": ..., "jobs": [...]}. Each job has title,
shortcode, code, employment_type ("Full-time", "Contract"...), telecommuting, department, url,
shortlink, application_url, published_on and created_at (dates like "2026-09-22"), country, city,
state and `locations` [{country, countryCode, city, region, hidden}]. With `?details=true` a job
also carries `description` HTML. Some accounts list one row per location for the same shortcode;
those rows are merged into one posting.
"""

from portal.jobs.posting import ParseResult, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

# Fields every job in this format carries; a list with none of them is some other JSON.
SIGNATURE_FIELDS = frozenset({"shortcode"})

WORKPLACE_TYPES = {"remote": "remote", "hybrid": "hybrid", "onsite": "on-site", "on_site": "on-site"}


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read a Workable widget response into postings, merging per-location duplicates."""
    data = common.load_json(body, source)
    jobs = common.require_list_under(data, "jobs", source)
    common.require_vendor_fields(jobs, SIGNATURE_FIELDS, "Workable", source)
    account_name = common.text_of(data.get("name"))
    result = ParseResult()
    by_shortcode: dict[str, Posting] = {}
    for index, job in enumerate(jobs):
        if not isinstance(job, dict):
            result.skipped.append((f"job #{index}", "not a JSON object"))
            continue
        shortcode = common.identifier_of(job.get("shortcode"))
        label = f"job {shortcode or '#' + str(index)}"
        title = common.text_of(job.get("title"))
        url = (common.text_of(job.get("url")) or common.text_of(job.get("shortlink"))
               or common.text_of(job.get("application_url")))
        reason = common.missing_required(title, url)
        if reason:
            result.skipped.append((label, reason))
            continue
        if shortcode in by_shortcode:
            _merge_locations(by_shortcode[shortcode], job)
            continue
        posting = _posting_from(job, shortcode or url, title, url, account_name, source)
        if shortcode:
            by_shortcode[shortcode] = posting
        result.postings.append(posting)
    return result


def _posting_from(job: dict, external_id: str, title: str, url: str, account_name: str,
                  source: SourceConfig) -> Posting:
    """Map one Workable widget job onto a Posting."""
    extra: dict = {}
    for key in ("code", "shortlink", "application_url", "education", "experience", "function", "industry"):
        value = common.text_of(job.get(key))
        if value and value != url:
            extra[key] = value
    created_at = common.read_date(job.get("created_at"), "created_at", extra)
    posting = Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=common.company_for(account_name, source),
        url=url,
        description_html=common.text_of(job.get("description")),
        location=common.join_location(job.get("city"), job.get("state"), job.get("country")),
        remote=_remote(job),
        employment_type=common.employment_type_from(job.get("employment_type")),
        posted_at=common.read_date(job.get("published_on"), "published_on", extra) or created_at,
        department=common.text_of(job.get("department")) or None,
        extra=extra,
    )
    if not job.get("locations") and job.get("country"):
        common.add_country(job.get("country"), posting.countries, posting.extra)
    _merge_locations(posting, job)
    return posting


def _remote(job: dict) -> str:
    """workplace_type when present; telecommuting true means remote, false says nothing certain."""
    workplace = WORKPLACE_TYPES.get(common.text_of(job.get("workplace_type")).lower().replace("-", "_"))
    if workplace:
        return workplace
    return "remote" if job.get("telecommuting") is True else "unknown"


def _merge_locations(posting: Posting, job: dict) -> None:
    """Add a row's visible locations (and their country codes) to the posting."""
    places = posting.extra.setdefault("locations", [])
    for place in common.list_of(job.get("locations")):
        if not isinstance(place, dict) or place.get("hidden") is True:
            continue
        text = common.join_location(place.get("city"), place.get("region"), place.get("country"))
        if text and text not in places:
            places.append(text)
        common.add_country(place.get("countryCode") or place.get("country"), posting.countries, posting.extra)
    if not places:
        del posting.extra["locations"]
    elif len(places) > 1:
        posting.location = " | ".join(places)
    elif not posting.location:
        posting.location = places[0]


register(SourceKind(kind="workable", title="Workable widget API", parse=parse))
