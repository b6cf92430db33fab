"""Ashby job posting API: `GET https://api.ashbyhq.com/posting-api/job-board/{name}?includeCompensation=true`.

The response is {"apiVersion": "1", "jobs": [...]}. Each job has title, location,
secondaryLocations, department, team, isRemote, workplaceType ("OnSite", "Remote", "Hybrid"),
employmentType ("FullTime", "PartTime", "Intern", "Contract", "Temporary"), descriptionHtml,
publishedAt, isListed, jobUrl, applyUrl and address.postalAddress. With includeCompensation the
job also has `compensation`: summary strings and `summaryComponents` of
{compensationType, interval "1 YEAR"/"1 HOUR", currencyCode, minValue, maxValue}.
"""

from portal.jobs.posting import ParseResult, Pay, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

# Fields every job in this format carries; a list with none of them is some other JSON.
SIGNATURE_FIELDS = frozenset({"jobUrl", "applyUrl", "descriptionHtml", "employmentType"})

WORKPLACE_TYPES = {"remote": "remote", "hybrid": "hybrid", "onsite": "on-site"}
# Component types that are the base pay (equity, bonus and commission are extras on top).
BASE_PAY_TYPES = {"salary", "hourly", "wage"}


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read an Ashby job board response into postings, skipping unlisted or unusable jobs."""
    jobs = common.require_list_under(common.load_json(body, source), "jobs", source)
    common.require_vendor_fields(jobs, SIGNATURE_FIELDS, "Ashby", source)
    return common.postings_from_entries(
        jobs, "job", _identify,
        lambda job, external_id, title, url: _posting_from(job, external_id, title, url, source),
        refuse=lambda job: "unlisted on the board (isListed is false)" if job.get("isListed") is False else None)


def _identify(job: dict) -> tuple[str, str, str]:
    """Ashby's id, else the job URL, names the job."""
    url = common.text_of(job.get("jobUrl")) or common.text_of(job.get("applyUrl"))
    return common.identifier_of(job.get("id")) or url, common.text_of(job.get("title")), url


def _posting_from(job: dict, external_id: str, title: str, url: str, source: SourceConfig) -> Posting:
    """Map one Ashby job onto a Posting."""
    extra: dict = {}
    apply_url = common.text_of(job.get("applyUrl"))
    if apply_url and apply_url != url:
        extra["apply_url"] = apply_url
    if common.text_of(job.get("team")):
        extra["team"] = common.text_of(job.get("team"))
    countries: list[str] = []
    _add_address_country(job.get("address"), countries, extra)
    secondary = []
    for place in common.list_of(job.get("secondaryLocations")):
        if isinstance(place, dict):
            name = common.text_of(place.get("location"))
            if name:
                secondary.append(name)
            _add_address_country(place.get("address"), countries, extra)
    if secondary:
        extra["secondary_locations"] = secondary
    compensation = common.mapping_of(job.get("compensation"))
    pay = _base_pay(compensation, extra)
    return Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=common.company_for(None, source),
        url=url,
        description_html=common.text_of(job.get("descriptionHtml")),
        location=common.text_of(job.get("location")),
        countries=countries,
        remote=_remote(job),
        employment_type=common.employment_type_from(job.get("employmentType")),
        pay=pay,
        pay_text=(common.text_of(compensation.get("compensationTierSummary"))
                  or common.text_of(compensation.get("scrapeableCompensationSalarySummary")) or None),
        posted_at=common.read_date(job.get("publishedAt"), "publishedAt", extra),
        department=common.text_of(job.get("department")) or None,
        extra=extra,
    )


def _remote(job: dict) -> str:
    """workplaceType when Ashby states it; isRemote alone only tells remote from not-said."""
    workplace = WORKPLACE_TYPES.get(common.text_of(job.get("workplaceType")).lower().replace("-", ""))
    if workplace:
        return workplace
    return "remote" if job.get("isRemote") is True else "unknown"


def _add_address_country(address: object, countries: list[str], extra: dict) -> None:
    """The country of an Ashby address ({postalAddress: {addressCountry}}), as a code."""
    postal = common.mapping_of(common.mapping_of(address).get("postalAddress"))
    if postal.get("addressCountry"):
        common.add_country(postal.get("addressCountry"), countries, extra)


def _base_pay(compensation: dict, extra: dict) -> Pay | None:
    """The first salary or hourly component with amounts and a known interval."""
    components = common.list_of(compensation.get("summaryComponents"))
    for component in components:
        if not isinstance(component, dict):
            continue
        if common.text_of(component.get("compensationType")).lower() not in BASE_PAY_TYPES:
            continue
        pay = common.structured_pay(component.get("minValue"), component.get("maxValue"),
                                    component.get("currencyCode"), component.get("interval"))
        if pay:
            return pay
        extra["unread_compensation"] = component
    return None


register(SourceKind(kind="ashby", title="Ashby job posting API", parse=parse))
