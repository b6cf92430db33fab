"""The home page, the health check and robots.txt."""

from flask import Blueprint

bp = Blueprint("home", __name__)


def init_app(app):
    """Register the site-wide pages."""
    from portal.home import routes  # noqa: F401
    app.register_blueprint(bp)
