"""Shared fixtures: an app on a fresh database per test, a client, and an auth helper.

SQLite by default (a new file per test); set TEST_DATABASE_URL to run the same tests on
PostgreSQL, where the schema is created once and every table is emptied after each test.
"""

import os
import re
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from portal.app import create_app
from portal.config import normalise_database_url
from portal.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DB_FIXTURES = {"app", "client", "auth", "runner", "live_server"}
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_collection_modifyitems(items):
    """Mark every test that builds an app as a database test, so the PostgreSQL run finds it."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def make_config(tmp_path: Path, **overrides) -> dict:
    """A test configuration: its own database, instance folder and a fixed key."""
    url = normalise_database_url(POSTGRES_URL) if POSTGRES_URL else f"sqlite:///{tmp_path / 'test.sqlite3'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",  # over https Flask-WTF also demands a same-site Referer
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session", autouse=True)
def _isolated_instance(tmp_path_factory):
    """Keep tests away from the developer's instance/ folder and its secret key."""
    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    os.environ.pop("DATABASE_URL", None)


@pytest.fixture(scope="session")
def _postgres_schema():
    """On PostgreSQL, build the schema once per run from a clean slate."""
    if not POSTGRES_URL:
        yield
        return
    app = create_app(make_config(Path("/nonexistent")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    yield


def build_app(tmp_path, **overrides):
    """Create an app and its schema; the caller disposes of it with `dispose_app`."""
    app = create_app(make_config(tmp_path, **overrides))
    with app.app_context():
        db.create_all()
    return app


def dispose_app(app):
    """Close connections, and on PostgreSQL empty every table for the next test."""
    with app.app_context():
        db.session.remove()
        if POSTGRES_URL:
            tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
            db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, _postgres_schema, request):
    """A fresh app; `@pytest.mark.app_config(KEY=value)` overrides settings for one test."""
    marker = request.node.get_closest_marker("app_config")
    overrides = marker.kwargs if marker else {}
    app = build_app(tmp_path, **overrides)
    yield app
    dispose_app(app)


def pytest_configure(config):
    config.addinivalue_line("markers", "app_config(**settings): settings for the test's app")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(response) -> str:
    """The CSRF token embedded in a rendered form."""
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


class AuthActions:
    """Register, log in and log out through the real forms, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def register(self, username="ada", email="ada@example.org", password="correct horse battery"):
        token = csrf_token_from(self.client.get("/accounts/register"))
        return self.client.post("/accounts/register", data={
            "csrf_token": token, "username": username, "email": email,
            "password": password, "confirm": password,
        })

    def login(self, login="ada", password="correct horse battery"):
        token = csrf_token_from(self.client.get("/accounts/login"))
        return self.client.post("/accounts/login", data={
            "csrf_token": token, "login": login, "password": password,
        })

    def logout(self):
        token = csrf_token_from(self.client.get("/accounts/logout"))
        return self.client.post("/accounts/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def live_server(tmp_path, request):
    """The app served by a real HTTP server on 127.0.0.1 with a free port."""
    marker = request.node.get_closest_marker("app_config")
    app = build_app(tmp_path, **(marker.kwargs if marker else {}))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    dispose_app(app)


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database: a new SQLite file, or a new database on the PostgreSQL server."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"portal_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_database_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
