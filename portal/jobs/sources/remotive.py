"""Remotive public API: `GET https://remotive.com/api/remote-jobs?search=annotation`.

The response is {"0-legal-notice": ..., "job-count": n, "jobs": [...]}. Each job has id, url,
title, company_name, company_logo, category, tags, job_type (full_time, contract, part_time,
freelance, internship, other), publication_date, candidate_required_location, salary (free
text) and description (HTML). Every Remotive job is remote.

Remotive's terms (github.com/remotive-com/remote-jobs-api): link back to the Remotive URL, name
Remotive as the source, and fetch at most a few times a day. Each posting therefore carries
`extra["credit"]` for the board to show.
"""

from datetime import timedelta

from portal.jobs.posting import ParseResult, Posting, SourceConfig
from portal.jobs.sources import common
from portal.jobs.sources.registry import SourceKind, register

# Fields every job in this format carries; a list with none of them is some other JSON.
SIGNATURE_FIELDS = frozenset({"candidate_required_location", "job_type", "publication_date"})

CREDIT_TEXT = "Remotive"


def parse(body: bytes, source: SourceConfig) -> ParseResult:
    """Read a Remotive response into remote postings, each crediting Remotive."""
    jobs = common.require_list_under(common.load_json(body, source), "jobs", source)
    common.require_vendor_fields(jobs, SIGNATURE_FIELDS, "Remotive", source)
    return common.postings_from_entries(
        jobs, "job",
        lambda job: (common.identifier_of(job.get("id")), common.text_of(job.get("title")),
                     common.text_of(job.get("url"))),
        lambda job, external_id, title, url: _posting_from(job, external_id, title, url, source))


def _posting_from(job: dict, external_id: str, title: str, url: str, source: SourceConfig) -> Posting:
    """Map one Remotive job onto a Posting."""
    extra: dict = {"credit": {"text": CREDIT_TEXT, "url": url}}
    applicant_location = common.text_of(job.get("candidate_required_location"))
    if applicant_location:
        extra["applicant_locations"] = [applicant_location]
    for key in ("category", "company_logo"):
        if common.text_of(job.get(key)):
            extra[key] = common.text_of(job.get(key))
    tags = [common.text_of(tag) for tag in common.list_of(job.get("tags")) if common.text_of(tag)]
    if tags:
        extra["tags"] = tags
    job_type = common.text_of(job.get("job_type"))
    if job_type:
        extra["job_type"] = job_type
    return Posting(
        source_name=source.name,
        external_id=external_id,
        title=title,
        company=common.company_for(job.get("company_name"), source),
        url=url,
        description_html=common.text_of(job.get("description")),
        location=applicant_location,
        remote="remote",
        employment_type=common.employment_type_from(job_type),
        pay_text=common.text_of(job.get("salary")) or None,
        posted_at=common.read_date(job.get("publication_date"), "publication_date", extra),
        extra=extra,
    )


# Remotive asks for at most a few requests a day (about four): refreshes in between leave it alone.
register(SourceKind(kind="remotive", title="Remotive remote jobs API", parse=parse,
                    min_refresh_interval=timedelta(hours=6)))
