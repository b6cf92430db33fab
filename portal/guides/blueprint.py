"""Learn: the guides library, its search, and reading progress."""

from flask import Blueprint, current_app

bp = Blueprint("guides", __name__, url_prefix="/guides")


def init_app(app):
    """Parse the guides once (a bad guide stops start-up here) and register the routes."""
    from portal.guides.loader import load_library
    from portal.guides.search import GuideIndex

    library = load_library(app.config["CONTENT_DIR"] / "guides")
    app.extensions["guides.library"] = library
    app.extensions["guides.index"] = GuideIndex(library)
    from portal.guides import models, routes  # noqa: F401  (registers views and tables)
    app.register_blueprint(bp)

    @app.context_processor
    def inject_categories():
        from portal.guides.loader import CATEGORIES
        return {"guide_categories": CATEGORIES}


def get_library():
    """The library parsed at start-up for the current app."""
    return current_app.extensions["guides.library"]


def get_index():
    """The search index built at start-up for the current app."""
    return current_app.extensions["guides.index"]
