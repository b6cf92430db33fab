"""Friendly error pages, and JSON errors `{"error", "field"}` for the /api/ routes."""

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: "The request could not be understood. Check what you sent and try again.",
    403: "You do not have permission to open this page.",
    404: "There is nothing at this address. It may have moved, or the link may be mistyped.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is too large. Send something smaller.",
    429: "Too many attempts in a short time. Wait a minute, then try again.",
    500: "Something went wrong on our side. Nothing you sent was saved; please try again.",
    503: "The service is temporarily unavailable. Please try again shortly.",
}

CSRF_MESSAGE = ("This form expired or was sent from another site. "
                "Reload the page and submit it again.")


def wants_json() -> bool:
    """API clients get JSON errors; browsers get pages."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str, field: str | None = None):
    """Render one error as JSON or as a page with the same message."""
    if wants_json():
        response = jsonify({"error": message, "field": field})
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app):
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error):
        return error_response(400, CSRF_MESSAGE, field="csrf_token")

    @app.errorhandler(HTTPException)
    def handle_http_error(error):
        message = MESSAGES.get(error.code, error.description or "Request failed.")
        response = error_response(error.code, message)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def handle_server_error(error):
        from portal.extensions import db
        db.session.rollback()
        return error_response(500, MESSAGES[500])
