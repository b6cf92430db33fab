"""Practice: graded annotation exercises (the engine arrives with the practice issue)."""

from flask import Blueprint

bp = Blueprint("practice", __name__, url_prefix="/practice")


def init_app(app):
    """Register the practice pages."""
    from portal.practice import routes  # noqa: F401
    app.register_blueprint(bp)
