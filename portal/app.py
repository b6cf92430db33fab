"""The application factory."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal import config, errors, page_cache, security
from portal.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = config.PROJECT_ROOT


class RowIdConverter(IntegerConverter):
    """`<id:name>` in a route: a row id from 1 to 2**31 - 1, the range of the id columns. A bigger
    number is a 404 like any missing row, not an overflow error from the database driver."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults from the environment, then `test_config`, then each feature."""
    app = Flask(
        "portal",
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    test_config = test_config or {}
    app.config.from_mapping(config.settings_from_environment(
        Path(app.instance_path), secret_key=test_config.get("SECRET_KEY")))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.url_map.converters["id"] = RowIdConverter

    db.init_app(app)
    from portal import sqlite_pragmas
    sqlite_pragmas.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True)
    limiter.init_app(app)  # before CSRF, so throttled clients are refused before any other work
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in to see that page."
    login_manager.login_message_category = "info"
    security.init_app(app)
    errors.init_app(app)
    page_cache.init_app(app)

    from portal import cli
    from portal.accounts import blueprint as accounts
    from portal.guides import blueprint as guides
    from portal.home import blueprint as home
    from portal.jobs import blueprint as jobs
    from portal.practice import blueprint as practice
    from portal.setup import blueprint as setup
    for feature in (home, guides, accounts, practice, jobs, setup, cli):
        feature.init_app(app)
    return app

