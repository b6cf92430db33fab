"""Build job rows directly for tests (in production only ingest writes postings)."""

import itertools
from datetime import timedelta

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.models import JobPosting, JobPostingSource, JobSource

_sequence = itertools.count(1)


def make_posting(*, commit: bool = True, sources=("greenhouse-acme",), age_days: float = 1, **fields) -> JobPosting:
    """A plausible open posting; keyword arguments override any column."""
    number = next(_sequence)
    now = utcnow()
    values = {
        "title": f"Data annotator {number}",
        "company": "Acme Labelling",
        "location": "Remote",
        "countries": [],
        "remote": "remote",
        "employment_type": "contract",
        "posted_at": now - timedelta(days=age_days),
        "apply_url": f"https://jobs.example.com/acme/{number}",
        "description_html": "<p>Label images carefully.</p>",
        "description_text": "Label images carefully.",
        "task_types": [],
        "flags": [],
    }
    values.update(fields)
    values.setdefault("company_key", values["company"].lower())
    values.setdefault("fingerprint", f"fp-{number}")
    values.setdefault("is_flagged", bool(values["flags"]))
    posting = JobPosting(**values)
    for name in sources:
        posting.links.append(JobPostingSource(
            source_name=name, external_id=f"{name}-{number}",
            url=f"https://{name}.example.com/jobs/{number}", canonical_url=f"https://{name}.example.com/jobs/{number}"))
    db.session.add(posting)
    if commit:
        db.session.commit()
    return posting


def make_source(**fields) -> JobSource:
    """A configured job source with the outcome of a successful last run."""
    now = utcnow()
    values = {"name": "greenhouse-acme", "kind": "greenhouse", "url": "https://boards-api.greenhouse.io/v1/boards/acme/jobs",
              "last_run_at": now, "last_success_at": now, "last_status": "ok",
              "last_counts": {"fetched": 3, "new": 2, "updated": 1, "closed": 0, "skipped": 0}}
    values.update(fields)
    source = JobSource(**values)
    db.session.add(source)
    db.session.commit()
    return source
