"""Practice: graded annotation exercises, qualification-test simulator, progress and certificates."""

from flask import Blueprint

bp = Blueprint("practice", __name__)


def init_app(app):
    """Register the practice pages and the practice JSON API (CSRF is checked by the API itself)."""
    from portal.extensions import csrf
    from portal.practice import models, routes  # noqa: F401
    from portal.practice.api import api_bp

    from portal.practice.catalog import practice_title

    csrf.exempt(api_bp)
    app.add_template_filter(lambda slug: practice_title(slug) or slug, "task_title")
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
