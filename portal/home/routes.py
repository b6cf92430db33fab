"""Site-wide pages."""

from flask import current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.guides.blueprint import get_library
from portal.home.blueprint import bp
from portal.practice.catalog import TASK_TYPES

ROBOTS_TXT = "User-agent: *\nDisallow: /accounts/\nDisallow: /api/\n"


@bp.get("/")
def index():
    library = get_library()
    featured = [library.get(slug) for slug in ("what-is-data-annotation", "bounding-boxes",
                                               "qualification-tests", "recognising-job-scams")]
    return render_template("home/index.html", featured=[guide for guide in featured if guide],
                           guide_count=len(library), task_types=TASK_TYPES.values())


@bp.get("/healthz")
def healthz():
    """Liveness plus a real round trip to the database, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/robots.txt")
def robots():
    return current_app.response_class(ROBOTS_TXT, mimetype="text/plain")
