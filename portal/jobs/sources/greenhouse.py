"""Greenhouse job board API: `GET https://boards-api.greenhouse.io/v1/boards/{token}/jobs?content=true`.

The response is {"jobs": [...], "meta": {"total": n}}. With `content=true` each job carries its
description as entity-escaped HTML ("&lt;p&gt;"), departments and offices; with
`pay_transparency=true` it also carries `pay_input_ranges` (amounts in cents, no period).
Greenhouse states no workplace type and no employment type, so those are left to the normaliser.
"""

import html

from portal.jobs.posting import ParseResult, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

# Fields every job in this format carries; a list with none of them is some other JSON.
SIGNATURE_FIELDS = frozenset({"absolute_url"})


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read a Greenhouse board response into postings, skipping unusable jobs with the reason."""
    jobs = common.require_list_under(common.load_json(body, source), "jobs", source)
    common.require_vendor_fields(jobs, SIGNATURE_FIELDS, "Greenhouse", source)
    return common.postings_from_entries(
        jobs, "job",
        lambda job: (common.identifier_of(job.get("id")), common.text_of(job.get("title")),
                     common.text_of(job.get("absolute_url"))),
        lambda job, external_id, title, url: _posting_from(job, external_id, title, url, source))


def _posting_from(job: dict, external_id: str, title: str, url: str, source: SourceConfig) -> Posting:
    """Map one Greenhouse job object onto a Posting."""
    extra: dict = {}
    departments = [common.text_of(d.get("name")) for d in common.list_of(job.get("departments"))
                   if isinstance(d, dict) and common.text_of(d.get("name"))]
    offices = [common.text_of(o.get("name")) for o in common.list_of(job.get("offices"))
               if isinstance(o, dict) and common.text_of(o.get("name"))]
    if offices:
        extra["offices"] = offices
    if len(departments) > 1:
        extra["departments"] = departments
    metadata = _metadata(job.get("metadata"))
    if metadata:
        extra["metadata"] = metadata
    for key in ("requisition_id", "internal_job_id", "language"):
        value = common.identifier_of(job.get(key))
        if value:
            extra[key] = value
    pay_ranges = _pay_ranges(job.get("pay_input_ranges"))
    if pay_ranges:
        extra["pay_input_ranges"] = pay_ranges
    updated_at = common.read_date(job.get("updated_at"), "updated_at", extra)
    if updated_at:
        extra["updated_at"] = updated_at.isoformat()
    posted_at = common.read_date(job.get("first_published"), "first_published", extra) or updated_at
    return Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=common.company_for(job.get("company_name"), source),
        url=url,
        description_html=html.unescape(common.text_of(job.get("content"))),
        location=common.text_of(common.mapping_of(job.get("location")).get("name")),
        department=departments[0] if departments else None,
        pay_text=_pay_text(pay_ranges),
        posted_at=posted_at,
        extra=extra,
    )


def _metadata(entries: object) -> dict:
    """Custom fields ({name, value}) with simple values, keyed by name."""
    found = {}
    for entry in common.list_of(entries):
        if not isinstance(entry, dict):
            continue
        name = common.text_of(entry.get("name"))
        value = entry.get("value")
        if name and isinstance(value, str | int | float | bool | list) and value not in ("", []):
            found[name] = value
    return found


def _pay_ranges(entries: object) -> list[dict]:
    """Greenhouse pay ranges converted from cents; Greenhouse gives no period, only a title and blurb."""
    ranges = []
    for entry in common.list_of(entries):
        if not isinstance(entry, dict):
            continue
        low, high = common.amount_of(entry.get("min_cents")), common.amount_of(entry.get("max_cents"))
        if low is None and high is None:
            continue
        ranges.append({
            "min": low / 100 if low is not None else None,
            "max": high / 100 if high is not None else None,
            "currency": common.currency_of(entry.get("currency_type")),
            "title": common.text_of(entry.get("title")),
            "blurb": html.unescape(common.text_of(entry.get("blurb"))),
        })
    return ranges


def _pay_text(ranges: list[dict]) -> str | None:
    """The pay ranges as the summary a reader would see ('USD 39.60 – 44.00 (Zone 1)')."""
    parts = []
    for pay_range in ranges:
        bounds = (pay_range["min"], pay_range["max"])
        amounts = " – ".join(f"{amount:,.2f}" for amount in bounds if amount is not None)
        text = " ".join(part for part in (pay_range["currency"] or "", amounts) if part)
        parts.append(f"{text} ({pay_range['title']})" if pay_range["title"] else text)
    return "; ".join(parts) or None


register(SourceKind(kind="greenhouse", title="Greenhouse job board API", parse=parse))
