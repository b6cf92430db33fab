"""`flask portal ...` commands: demo data, the admin role and a content check."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

portal_cli = AppGroup("portal", help="Portal maintenance commands.")

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_READ_GUIDES = ("what-is-data-annotation", "bounding-boxes", "recognising-job-scams")


@portal_cli.command("demo-data")
def demo_data():
    """Create the clearly-marked demo account (skipped when PORTAL_DEMO_DATA=0)."""
    if not current_app.config["PORTAL_DEMO_DATA"]:
        click.echo("Demo data disabled (PORTAL_DEMO_DATA=0): nothing loaded.")
        return
    from portal.accounts.models import User
    from portal.guides import services
    from portal.guides.blueprint import get_library

    user = db.session.execute(db.select(User).filter_by(username=DEMO_USERNAME)).scalar_one_or_none()
    if user is None:
        user = User(username=DEMO_USERNAME, email="demo@example.invalid",
                    display_name="Demo learner", is_demo=True)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
    library = get_library()
    for slug in DEMO_READ_GUIDES:
        if library.get(slug):
            services.set_read(user.id, slug, True)
    click.echo(f"Demo data loaded: log in as '{DEMO_USERNAME}' with password '{DEMO_PASSWORD}' "
               "(a sample account; set PORTAL_DEMO_DATA=0 to skip it).")


@portal_cli.command("make-admin")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Take the admin role away instead.")
def make_admin(username: str, revoke: bool):
    """Give a user the admin role (the job sources view), or take it away with --revoke."""
    from portal.accounts.models import User

    user = db.session.execute(db.select(User).filter_by(username=username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user named '{username}'; they must register first")
    user.is_admin = not revoke
    db.session.commit()
    click.echo(f"'{user.username}' is {'no longer' if revoke else 'now'} an admin.")


@portal_cli.command("check-content")
def check_content():
    """Parse every guide (start-up already did) and report reading-time estimates that look off."""
    from portal.guides.blueprint import get_library
    from portal.guides.loader import estimated_minutes

    library = get_library()
    for guide in library.guides:
        estimate = estimated_minutes(guide.word_count)
        marker = "" if abs(estimate - guide.reading_minutes) <= max(2, estimate // 2) else "  <- check reading_minutes"
        click.echo(f"{guide.slug:32} {guide.word_count:5} words  {guide.reading_minutes:2} min "
                   f"(estimate {estimate}){marker}")
    click.echo(f"{len(library)} guides OK.")


def init_app(app):
    """Register the command group."""
    app.cli.add_command(portal_cli)
