"""Jobs: the board pages, the jobs JSON API, and the `flask jobs` commands."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)


def init_app(app):
    """Register the board, its API and its CLI."""
    from portal.jobs import models  # noqa: F401
    app.register_blueprint(bp)
