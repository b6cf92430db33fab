"""Setup-check pages: the checker (speed test, readiness, workspace) and a logged-in user's history."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.setup import services
from portal.setup.blueprint import bp
from portal.setup.forms import workspace_form
from portal.setup.readiness import load_rules, workspace_report

# Speed-test timings handed to the page's script; tests shorten them with app_config.
TEST_SETTING_DEFAULTS = {"SETUP_TEST_SECONDS": 10, "SETUP_TEST_STREAMS_DOWN": 5, "SETUP_TEST_STREAMS_UP": 3,
                         "SETUP_TEST_GRACE_DOWN": 1.5, "SETUP_TEST_GRACE_UP": 3, "SETUP_TEST_PINGS": 10}


def server_test_offered() -> bool:
    """S1's server-side test, when its module is present and this visitor may use it."""
    try:
        from portal.setup.server_test import server_test_available
    except ImportError:
        return False
    return server_test_available(request)


def test_settings() -> dict:
    return {key.removeprefix("SETUP_TEST_").lower(): current_app.config.get(key, default)
            for key, default in TEST_SETTING_DEFAULTS.items()}


def render_checker(form, workspace=None, status=200):
    return render_template("setup/index.html", form=form, workspace=workspace, rules=load_rules(),
                           settings=test_settings(), server_test=server_test_offered()), status


@bp.get("/setup", strict_slashes=False)
def index():
    saved = services.workspace_for(current_user.id) if current_user.is_authenticated else None
    form = workspace_form(data=saved.answers if saved else None)
    workspace = workspace_report(saved.detected, saved.answers) if saved else None
    return render_checker(form, workspace)


@bp.post("/setup/workspace")
def workspace():
    """Logged in: keep the answers. Anonymous: the same report, for this page view only."""
    form = workspace_form()
    if not form.validate_on_submit():
        flash("The workspace check could not be read; reload the page and try again.", "error")
        return render_checker(form, status=400)
    detected, answers = form.detected.parsed, form.answers()
    if current_user.is_authenticated:
        services.save_workspace(current_user.id, detected, answers)
        flash("Workspace check saved.", "success")
        return redirect(url_for("setup.index") + "#workspace")
    return render_checker(form, workspace_report(detected, answers))


@bp.get("/setup/history")
@login_required
def history():
    results = services.history(current_user.id)
    comparison = None
    first, second = request.args.get("first", type=int), request.args.get("second", type=int)
    if first is not None and second is not None:
        comparison = services.compare_results(current_user.id, first, second)
        if comparison is None:
            abort(404)
    return render_template("setup/history.html", results=results, comparison=comparison)
