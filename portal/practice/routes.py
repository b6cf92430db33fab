"""Practice pages. Until the practice engine lands, each exercise page says what is coming."""

from flask import abort, render_template

from portal.practice.blueprint import bp
from portal.practice.catalog import TASK_TYPES


@bp.get("", strict_slashes=False)
def index():
    return render_template("practice/index.html", task_types=TASK_TYPES.values())


@bp.get("/<slug>")
def exercise(slug):
    info = TASK_TYPES.get(slug)
    if info is None:
        abort(404)
    return render_template("practice/exercise.html", info=info)
