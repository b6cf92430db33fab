"""Recruitee careers site API: `GET https://{company}.recruitee.com/api/offers/`.

The response is {"offers": [...]}. Each offer has id, slug, title, description and requirements
(HTML), location, city, country, country_code, remote, hybrid and on_site flags,
employment_type_code ("fulltime_permanent", "parttime", "freelance"...), careers_url,
careers_apply_url, published_at and created_at ("2026-10-01 09:15:00 UTC"), close_at,
salary {min, max, currency, period}, min_hours, max_hours, department and company_name.
"""

from portal.jobs.posting import ParseResult, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

# Fields every job in this format carries; a list with none of them is some other JSON.
SIGNATURE_FIELDS = frozenset({"careers_url", "careers_apply_url", "slug"})


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read a Recruitee offers response into postings, skipping unusable offers with the reason."""
    offers = common.require_list_under(common.load_json(body, source), "offers", source)
    common.require_vendor_fields(offers, SIGNATURE_FIELDS, "Recruitee", source)
    return common.postings_from_entries(
        offers, "offer",
        lambda offer: (common.identifier_of(offer.get("id")) or common.text_of(offer.get("slug")),
                       common.text_of(offer.get("title")),
                       common.text_of(offer.get("careers_url")) or common.text_of(offer.get("careers_apply_url"))),
        lambda offer, external_id, title, url: _posting_from(offer, external_id, title, url, source))


def _posting_from(offer: dict, external_id: str, title: str, url: str, source: SourceConfig) -> Posting:
    """Map one Recruitee offer onto a Posting."""
    extra: dict = {}
    apply_url = common.text_of(offer.get("careers_apply_url"))
    if apply_url and apply_url != url:
        extra["apply_url"] = apply_url
    hours = {key: offer.get(key) for key in ("min_hours", "max_hours")
             if common.amount_of(offer.get(key)) is not None}
    if hours:
        extra["hours_per_week"] = hours
    countries: list[str] = []
    common.add_country(offer.get("country_code") or offer.get("country"), countries, extra)
    salary = common.mapping_of(offer.get("salary"))
    created_at = common.read_date(offer.get("created_at"), "created_at", extra)
    return Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=common.company_for(offer.get("company_name"), source),
        url=url,
        description_html=_description(offer),
        location=(common.text_of(offer.get("location"))
                  or common.join_location(offer.get("city"), offer.get("country"))),
        countries=countries,
        remote=_remote(offer),
        employment_type=common.employment_type_from(offer.get("employment_type_code")),
        pay=common.structured_pay(salary.get("min"), salary.get("max"), salary.get("currency"),
                                  salary.get("period")),
        posted_at=common.read_date(offer.get("published_at"), "published_at", extra) or created_at,
        expires_at=common.read_date(offer.get("close_at"), "close_at", extra),
        department=_department(offer.get("department")),
        extra=extra,
    )


def _description(offer: dict) -> str:
    """The description, then the requirements, as the careers page shows them."""
    parts = [common.text_of(offer.get("description"))]
    requirements = common.text_of(offer.get("requirements"))
    if requirements:
        parts.append(f"<h3>Requirements</h3>{requirements}")
    return "\n".join(part for part in parts if part)


def _remote(offer: dict) -> str:
    """The three Recruitee flags: hybrid wins over the others, then remote-only, then on-site."""
    if offer.get("hybrid") is True:
        return "hybrid"
    if offer.get("remote") is True and offer.get("on_site") is not True:
        return "remote"
    if offer.get("on_site") is True:
        return "hybrid" if offer.get("remote") is True else "on-site"
    return "unknown"


def _department(value: object) -> str | None:
    """Recruitee gives the department as a name or as {name}."""
    if isinstance(value, dict):
        return common.text_of(value.get("name")) or None
    return common.text_of(value) or None


register(SourceKind(kind="recruitee", title="Recruitee careers site API", parse=parse))
