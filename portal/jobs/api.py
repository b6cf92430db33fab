"""The jobs JSON API under /api/v1: search the board and read one posting (read-only, public)."""

from flask import Blueprint, jsonify, request, url_for

from portal.errors import error_response
from portal.jobs import services
from portal.jobs.search import PER_PAGE, QueryError, parse_job_query, search_postings

api_bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")


@api_bp.errorhandler(QueryError)
def handle_query_error(error: QueryError):
    return error_response(400, error.message, error.field)


def posting_payload(posting) -> dict:
    """The public JSON shape of a posting, shared by the list and the detail endpoint."""
    has_pay = posting.pay_min is not None or posting.pay_max is not None
    return {
        "id": posting.id,
        "title": posting.title,
        "company": posting.company,
        "location": posting.location,
        "remote": posting.remote,
        "employment_type": posting.employment_type,
        "pay": {"min": posting.pay_min, "max": posting.pay_max, "currency": posting.pay_currency,
                "period": posting.pay_period, "source": posting.pay_source} if has_pay else None,
        "posted_at": posting.posted_at.isoformat() if posting.posted_at else None,
        "closed_at": posting.closed_at.isoformat() if posting.closed_at else None,
        "url": url_for("jobs.show", posting_id=posting.id, _external=True),
        "apply_url": posting.apply_url,
        "sources": [{"name": link.source_name, "url": link.url} for link in posting.links],
        "task_types": list(posting.task_types or []),
        "flags": [{"code": flag.get("code"), "message": flag.get("message")} for flag in posting.flags or []],
        "is_sample": posting.is_sample,
    }


@api_bp.get("/jobs")
def list_jobs():
    results = search_postings(parse_job_query(request.args))
    return jsonify({"total": results.total, "total_capped": results.total_capped, "page": results.page,
                    "per_page": PER_PAGE, "pages": results.pages,
                    "jobs": [posting_payload(posting) for posting in results.postings]})


@api_bp.get("/jobs/<id:posting_id>")
def job_detail(posting_id):
    posting = services.get_posting(posting_id)
    if posting is None:
        return error_response(404, "no such job posting", "id")
    payload = posting_payload(posting)
    payload["description_html"] = posting.description_html
    return jsonify(payload)
