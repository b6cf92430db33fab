"""What every feature's JSON API shares: the error type, JSON-only bodies and the CSRF header.

Cross-site forms cannot send `application/json` without a CORS preflight (which the portal never
grants), so JSON-only bodies already stop CSRF; a logged-in browser must also send the CSRF token
in `X-CSRFToken`, which the pages do.
"""

from flask import Blueprint, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from portal.errors import error_response

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ApiError(Exception):
    """A client error to report as JSON `{"error", "field"}` with a 4xx status."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def handle_api_error(error: ApiError):
    return error_response(error.status, error.message, error.field)


def require_json_and_csrf():
    """Bodies must be JSON; cookie-authenticated writes must carry the CSRF token too."""
    if request.method in WRITE_METHODS:
        if not request.is_json:
            raise ApiError("send the body as JSON with Content-Type: application/json", None, 415)
        if current_user.is_authenticated:
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except (ValidationError, CSRFError):
                raise ApiError("missing or expired CSRF token: reload the page and try again",
                               "X-CSRFToken", 400) from None


def json_body() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError("the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError("the body must be a JSON object")
    return body


def json_api_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A JSON API blueprint with the shared body and CSRF checks and ApiError handling."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.before_request(require_json_and_csrf)
    blueprint.register_error_handler(ApiError, handle_api_error)
    return blueprint
