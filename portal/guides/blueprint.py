"""Learn: the guides library, its search, and reading progress."""

from pathlib import Path

from flask import Blueprint, current_app

bp = Blueprint("guides", __name__, url_prefix="/guides")
_PARSED: dict[tuple, tuple] = {}  # one entry per version of the guide files; both values are immutable


def init_app(app):
    """Parse the guides once (a bad guide stops start-up here) and register the routes."""
    library, index = parsed_guides(app.config["CONTENT_DIR"] / "guides")
    app.extensions["guides.library"] = library
    app.extensions["guides.index"] = index
    from portal.guides import models, routes  # noqa: F401  (registers views and tables)
    app.register_blueprint(bp)

    @app.context_processor
    def inject_categories():
        from portal.guides.loader import CATEGORIES
        return {"guide_categories": CATEGORIES}


def parsed_guides(directory: Path) -> tuple:
    """The library and its search index, parsed once per process for each version of the files.

    Every app in the process shares them (the tests build over a thousand apps), and a guide that
    changes on disk is parsed again, so a bad edit still stops start-up.
    """
    from portal.guides.loader import load_library
    from portal.guides.search import GuideIndex

    files = sorted(directory.glob("*.md"))
    key = (str(directory), tuple((path.name, path.stat().st_mtime_ns, path.stat().st_size) for path in files))
    if key not in _PARSED:
        library = load_library(directory)
        _PARSED.clear()  # only the newest version is kept
        _PARSED[key] = (library, GuideIndex(library))
    return _PARSED[key]


def get_library():
    """The library parsed at start-up for the current app."""
    return current_app.extensions["guides.library"]


def get_index():
    """The search index built at start-up for the current app."""
    return current_app.extensions["guides.index"]
