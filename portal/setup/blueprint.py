"""Setup check: the speed-test endpoints, the checker pages, results API and `flask setup` CLI."""

from flask import Blueprint

bp = Blueprint("setup", __name__)


def init_app(app):
    """Register the checker pages, the /speedtest/ endpoints and the CLI."""
    app.register_blueprint(bp)
