"""The setup-check JSON API under /api/v1: store browser results, list them, and stateless reports.

Bodies are JSON only and logged-in writes carry `X-CSRFToken` (see portal/api.py).
"""

import re

from flask import current_app, jsonify, request
from flask_login import current_user

from portal.api import ApiError, json_api_blueprint, json_body
from portal.errors import error_response
from portal.extensions import limiter
from portal.setup import services
from portal.setup.readiness import FIGURE_SPECS, FigureError, Figures, UnknownProfile, readiness_report

api_bp = json_api_blueprint("setup_api", __name__, "/api/v1/setup")
DEFAULT_RESULT_RATE_LIMIT = "30 per hour;5 per minute"
# (pattern, name): the first browser and the first system that match name the user agent.
BROWSERS = ((r"Edg/(\d+)", "Edge"), (r"OPR/(\d+)", "Opera"), (r"Firefox/(\d+)", "Firefox"),
            (r"Chrome/(\d+)", "Chrome"), (r"Version/(\d+).*Safari/", "Safari"))
SYSTEMS = ((r"Android", "Android"), (r"iPhone|iPad", "iOS"), (r"CrOS", "ChromeOS"), (r"Windows", "Windows"),
           (r"Mac OS X|Macintosh", "macOS"), (r"Linux", "Linux"))




@api_bp.errorhandler(FigureError)
def handle_figure_error(error: FigureError):
    return error_response(400, str(error), error.field)


@api_bp.errorhandler(UnknownProfile)
def handle_unknown_profile(error: UnknownProfile):
    return error_response(400, str(error), "profile")




def split_body(body: dict, allowed_extra: tuple) -> tuple[Figures, dict]:
    """Checked figures and the other known fields; a 400 naming any unknown field."""
    for name in body:
        if name not in FIGURE_SPECS and name not in allowed_extra:
            raise ApiError(f"{name}: is not a field this endpoint takes", name)
    figures = Figures.from_mapping(body)
    return figures, {name: body[name] for name in allowed_extra if name in body}


def user_agent_summary(header: str) -> str | None:
    """"Chrome 126 on Linux" from a User-Agent header, or None when nothing is recognised."""
    browser = next((f"{name} {match.group(1)}" for pattern, name in BROWSERS
                    if (match := re.search(pattern, header))), None)
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, header)), None)
    parts = [part for part in (browser, system and f"on {system}") if part]
    return " ".join(parts)[:120] or None


def result_rate_limit() -> str:
    return current_app.config.get("SETUP_RESULT_RATE_LIMIT", DEFAULT_RESULT_RATE_LIMIT)


@api_bp.post("/results")
@limiter.limit(result_rate_limit)
def post_result():
    """A result measured in the browser: judged for everyone, stored only for a logged-in user."""
    details_fields = tuple(name for name in services.DETAILS if name != "user_agent")
    figures, details = split_body(json_body(), details_fields)
    details = services.checked_details(details)
    result_id = None
    if current_user.is_authenticated:
        agent = user_agent_summary(request.headers.get("User-Agent", ""))
        result_id = services.record_result(current_user.id, figures.as_dict(), method="browser",
                                           client_measured=True, details={**details, "user_agent": agent})
    return jsonify({"id": result_id, "saved": result_id is not None, "readiness": readiness_report(figures)})


@api_bp.get("/results")
def list_results():
    if not current_user.is_authenticated:
        raise ApiError("log in to keep and see your results", None, 401)
    response = jsonify({"results": [services.result_payload(r) for r in services.history(current_user.id)]})
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.post("/report")
def stateless_report():
    """Figures in, readiness out; nothing is stored. `profile` limits the report to one profile."""
    body = json_body()
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise ApiError("profile: must be a profile id such as \"team_calls\"", "profile")
    figures, _ = split_body(body, ("profile",))
    return jsonify({"readiness": readiness_report(figures, profile=profile)})
