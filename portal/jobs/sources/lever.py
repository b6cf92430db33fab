"""Lever postings API: `GET https://api.lever.co/v0/postings/{site}?mode=json`.

The response is a bare JSON list of postings (github.com/lever/postings-api): `text` is the title,
`categories` holds location, commitment, team and department, `createdAt` is epoch milliseconds,
`workplaceType` is remote, hybrid, on-site or unspecified, and the optional `salaryRange` has
`min`, `max`, `currency` and an `interval` such as "per-hour-wage" or "per-year-salary".
An unknown site answers {"ok": false, "error": "Document not found"}.
"""

from portal.jobs.posting import FeedFormatError, ParseResult, Pay, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

# Fields every job in this format carries; a list with none of them is some other JSON.
SIGNATURE_FIELDS = frozenset({"hostedUrl", "applyUrl", "categories"})

WORKPLACE_TYPES = {"remote": "remote", "hybrid": "hybrid", "on-site": "on-site", "onsite": "on-site"}


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read a Lever postings list into postings, skipping unusable ones with the reason."""
    data = common.load_json(body, source)
    if not isinstance(data, list):
        raise FeedFormatError(
            f"{common.describe_source(source)}: expected a JSON list of Lever postings, "
            f"got {common.describe_shape(data)}{_error_detail(data)}")
    common.require_vendor_fields(data, SIGNATURE_FIELDS, "Lever", source)
    return common.postings_from_entries(
        data, "posting",
        lambda entry: (common.identifier_of(entry.get("id")), common.text_of(entry.get("text")),
                       common.text_of(entry.get("hostedUrl")) or common.text_of(entry.get("applyUrl"))),
        lambda entry, external_id, title, url: _posting_from(entry, external_id, title, url, source))


def _error_detail(data: object) -> str:
    """Lever's own error text when it answered {"ok": false, "error": ...}."""
    if isinstance(data, dict) and common.text_of(data.get("error")):
        return f"; Lever said: {common.text_of(data.get('error'))[:200]}"
    return ""


def _posting_from(entry: dict, external_id: str, title: str, url: str, source: SourceConfig) -> Posting:
    """Map one Lever posting onto a Posting."""
    categories = common.mapping_of(entry.get("categories"))
    extra: dict = {}
    apply_url = common.text_of(entry.get("applyUrl"))
    if apply_url and apply_url != url:
        extra["apply_url"] = apply_url
    all_locations = [common.text_of(place) for place in common.list_of(categories.get("allLocations"))
                     if common.text_of(place)]
    if len(all_locations) > 1:
        extra["all_locations"] = all_locations
    for key in ("team", "level"):
        if common.text_of(categories.get(key)):
            extra[key] = common.text_of(categories.get(key))
    commitment = common.text_of(categories.get("commitment"))
    if commitment:
        extra["commitment"] = commitment
    countries: list[str] = []
    if entry.get("country"):
        common.add_country(entry.get("country"), countries, extra)
    pay, pay_text = _pay(entry, extra)
    return Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=common.company_for(None, source),
        url=url,
        description_html=_description(entry),
        location=common.text_of(categories.get("location")) or ", ".join(all_locations),
        countries=countries,
        remote=WORKPLACE_TYPES.get(common.text_of(entry.get("workplaceType")).lower(), "unknown"),
        employment_type=common.employment_type_from(commitment),
        pay=pay,
        pay_text=pay_text,
        posted_at=common.read_date(entry.get("createdAt"), "createdAt", extra),
        department=(common.text_of(categories.get("department"))
                    or common.text_of(categories.get("team")) or None),
        extra=extra,
    )


def _description(entry: dict) -> str:
    """The whole advert as Lever's hosted page shows it: description, the lists, then the closing."""
    parts = [common.text_of(entry.get("description"))]
    for item in common.list_of(entry.get("lists")):
        if not isinstance(item, dict):
            continue
        heading, content = common.text_of(item.get("text")), common.text_of(item.get("content"))
        if content:
            parts.append(f"<h3>{heading}</h3><ul>{content}</ul>" if heading else f"<ul>{content}</ul>")
    parts.append(common.text_of(entry.get("additional")))
    return "\n".join(part for part in parts if part)


def _pay(entry: dict, extra: dict) -> tuple[Pay | None, str | None]:
    """Structured pay from salaryRange when its interval is a period we know; the text otherwise."""
    salary = common.mapping_of(entry.get("salaryRange"))
    description = common.text_of(entry.get("salaryDescriptionPlain")) or None
    if not salary:
        return None, description
    pay = common.structured_pay(salary.get("min"), salary.get("max"), salary.get("currency"),
                                salary.get("interval"))
    if pay is None:
        extra["salary_range"] = {key: salary.get(key) for key in ("min", "max", "currency", "interval")}
        bounds = [common.text_of(salary.get(key)) for key in ("min", "max")]
        amounts = " – ".join(bound for bound in bounds if bound)
        summary = " ".join(part for part in (common.text_of(salary.get("currency")), amounts,
                                             common.text_of(salary.get("interval"))) if part)
        return None, description or summary or None
    return pay, description


register(SourceKind(kind="lever", title="Lever postings API", parse=parse))
