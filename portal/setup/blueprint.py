"""Setup check: the speed-test endpoints, the checker pages, results API and `flask setup` CLI."""

from flask import Blueprint

bp = Blueprint("setup", __name__)


def init_app(app):
    """Register the checker pages, the /speedtest/ endpoints and the CLI."""
    from portal.extensions import csrf
    from portal.setup import models, routes  # noqa: F401  (routes attach to bp before it is registered)
    from portal.setup.api import api_bp
    csrf.exempt(api_bp)  # the API checks X-CSRFToken itself
    app.register_blueprint(api_bp)
    app.register_blueprint(bp)
    from portal.setup import endpoints
    from portal.setup.cli import setup_cli
    endpoints.init_app(app)
    app.cli.add_command(setup_cli)
