"""The factory, configuration, security headers, health check and error handling."""

import os
import stat

import pytest
from flask import abort

from portal.app import create_app
from portal.config import load_or_create_secret_key, normalise_database_url, settings_from_environment


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_or_create_secret_key(tmp_path / "instance")
    second = load_or_create_secret_key(tmp_path / "instance")
    assert first == second
    assert len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "instance" / "secret_key").st_mode)
    assert mode == 0o600


def test_a_truncated_secret_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("short")
    with pytest.raises(RuntimeError, match="shorter than 32"):
        load_or_create_secret_key(tmp_path)


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_the_installed_driver(url, expected):
    assert normalise_database_url(url) == expected


def test_defaults_are_sqlite_under_instance_and_secure_cookies(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "PORTAL_ENV", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert (tmp_path / "secret_key").exists()


def test_development_allows_cookies_over_plain_http(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert settings_from_environment(tmp_path, secret_key="k" * 40)["SESSION_COOKIE_SECURE"] is False


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example:5432/portal")
    settings = settings_from_environment(tmp_path, secret_key="k" * 40)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example:5432/portal"


def test_every_response_carries_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app({"SECRET_KEY": "x" * 40, "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Browse the guides" in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]
    assert "field" in response.get_json()


@pytest.mark.parametrize("path", [
    "/jobs/{id}", "/api/v1/jobs/{id}", "/practice/assessments/{id}", "/practice/assessments/{id}/review",
    "/api/v1/practice/assessments/{id}",
])
@pytest.mark.parametrize("row_id", ["99999999999999999999", "2147483648", "0"])
def test_a_row_id_out_of_range_is_a_404_not_a_database_error(client, auth, path, row_id):
    auth.register()
    response = client.get(path.format(id=row_id))
    assert response.status_code == 404
    assert response.get_json()["error"] if path.startswith("/api/") else b"Page not found" in response.data


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/guides")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024)
def test_oversize_body_is_refused_with_413(client):
    response = client.post("/accounts/login", data={"login": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert b"too large" in response.data


def test_unexpected_exception_is_a_friendly_500(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"kaboom" not in response.data


def test_http_errors_raised_in_views_get_pages(app):
    @app.get("/forbidden-for-test")
    def forbidden():
        abort(403)

    response = app.test_client().get("/forbidden-for-test")
    assert response.status_code == 403
    assert b"permission" in response.data


def test_robots_txt_keeps_crawlers_out_of_accounts(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Disallow: /accounts/" in response.get_data(as_text=True)
