"""Jobs: the board pages, the jobs JSON API, and the `flask jobs` commands."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)


def init_app(app):
    """Register the board, its API, the card helpers templates use, and the `flask jobs` CLI."""
    from portal.jobs import models, routes, search  # noqa: F401  (search attaches the text-index DDL)
    from portal.jobs.api import api_bp
    from portal.jobs.flags import flag_title
    from portal.jobs.services import age_label, link_host, pay_label, source_kind_title, task_infos

    app.add_template_filter(pay_label, "job_pay")
    app.add_template_filter(age_label, "job_age")
    app.add_template_filter(task_infos, "job_task_infos")
    app.add_template_filter(flag_title, "job_flag_title")
    app.add_template_filter(link_host, "job_link_host")
    app.add_template_filter(source_kind_title, "job_source_kind_title")
    app.context_processor(saved_items_for_templates)
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    from portal.jobs.cli import jobs_cli
    app.cli.add_command(jobs_cli)


def saved_items_for_templates() -> dict:
    """Lazy lookups of the logged-in user's saved jobs and searches, for the profile page."""
    from flask_login import current_user

    from portal.jobs import services

    def saved_jobs():
        return services.saved_jobs(current_user.id) if current_user.is_authenticated else []

    def saved_searches():
        return services.saved_searches(current_user.id) if current_user.is_authenticated else []
    return {"jobs_saved_jobs": saved_jobs, "jobs_saved_searches": saved_searches}
