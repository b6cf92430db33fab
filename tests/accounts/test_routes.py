"""Registration, login, logout and profile over HTTP, including the hostile paths."""

import pytest

from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import csrf_token_from


def user_count(app):
    with app.app_context():
        return db.session.query(User).count()


def test_register_logs_in_and_hashes_the_password(client, auth, app):
    response = auth.register()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/accounts/profile")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.username == "ada"
        assert "correct horse battery" not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert b"ada" in client.get("/accounts/profile").data


def test_register_lowercases_username_and_email(auth, app):
    auth.register(username="Ada.L", email="Ada@Example.ORG")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert (user.username, user.email) == ("ada.l", "ada@example.org")


@pytest.mark.parametrize("field, value, message", [
    ("username", "a", b"between 3 and 32"),
    ("username", "bad name!", b"letters, digits"),
    ("email", "not-an-email", b"Invalid email"),
    ("password", "short", b"at least 10 characters"),
])
def test_register_validation_errors_are_explained(client, app, field, value, message):
    data = {"username": "grace", "email": "grace@example.org",
            "password": "a long enough pass", "confirm": "a long enough pass"}
    data[field] = value
    if field == "password":
        data["confirm"] = value
    data["csrf_token"] = csrf_token_from(client.get("/accounts/register"))
    response = client.post("/accounts/register", data=data)
    assert response.status_code == 400
    assert message in response.data
    assert user_count(app) == 0


def test_password_confirmation_must_match(client, app):
    token = csrf_token_from(client.get("/accounts/register"))
    response = client.post("/accounts/register", data={
        "csrf_token": token, "username": "grace", "email": "g@example.org",
        "password": "a long enough pass", "confirm": "a different pass"})
    assert response.status_code == 400
    assert b"do not match" in response.data
    assert user_count(app) == 0


@pytest.mark.parametrize("username, email", [("ada", "other@example.org"), ("other", "ADA@example.org")])
def test_duplicate_registration_is_refused_without_saying_which_field(client, auth, app, username, email):
    auth.register()
    auth.logout()
    response = auth.register(username=username, email=email)
    assert response.status_code == 400
    assert b"That username or email cannot be used" in response.data
    assert user_count(app) == 1


def test_login_with_username_or_email(client, auth):
    auth.register()
    auth.logout()
    assert auth.login("ada").status_code == 302
    auth.logout()
    response = auth.login("ADA@example.org")
    assert response.status_code == 302
    assert b"Log out" in client.get("/accounts/profile").data


def test_wrong_password_and_unknown_user_get_the_same_message(client, auth):
    auth.register()
    auth.logout()
    wrong_password = auth.login("ada", "not my password")
    unknown_user = auth.login("nobody-here", "not my password")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert b"Invalid username/email or password." in wrong_password.data
    assert b"Invalid username/email or password." in unknown_user.data


def test_login_without_csrf_token_is_refused(client, auth):
    auth.register()
    auth.logout()
    response = client.post("/accounts/login", data={"login": "ada", "password": "correct horse battery"})
    assert response.status_code == 400
    assert b"form expired" in response.data
    assert client.get("/accounts/profile").status_code == 302


def test_register_with_forged_csrf_token_is_refused(client, app):
    client.get("/accounts/register")
    response = client.post("/accounts/register", data={
        "csrf_token": "forged", "username": "mallory", "email": "m@example.org",
        "password": "a long enough pass", "confirm": "a long enough pass"})
    assert response.status_code == 400
    assert user_count(app) == 0


def test_logout_requires_post_with_token(client, auth):
    auth.register()
    assert client.get("/accounts/logout").status_code == 200
    assert client.get("/accounts/profile").status_code == 200
    assert client.post("/accounts/logout", data={}).status_code == 400
    assert auth.logout().status_code == 302
    assert client.get("/accounts/profile").status_code == 302


def test_profile_requires_login(client):
    response = client.get("/accounts/profile")
    assert response.status_code == 302
    assert "/accounts/login" in response.headers["Location"]


@pytest.mark.parametrize("target, expected", [
    ("/guides/polygons", "/guides/polygons"),
    ("https://evil.example/phish", "/accounts/profile"),
    ("//evil.example/phish", "/accounts/profile"),
    ("javascript:alert(1)", "/accounts/profile"),
])
def test_login_redirects_only_to_this_site(client, auth, target, expected):
    auth.register()
    auth.logout()
    token = csrf_token_from(client.get("/accounts/login"))
    response = client.post("/accounts/login", query_string={"next": target}, data={
        "csrf_token": token, "login": "ada", "password": "correct horse battery"})
    assert response.headers["Location"] == expected


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3 per minute")
def test_login_is_throttled(client):
    token = csrf_token_from(client.get("/accounts/login"))
    statuses = [client.post("/accounts/login", data={"csrf_token": token, "login": "x", "password": "y"}).status_code
                for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    throttled = client.post("/accounts/login", data={"csrf_token": token, "login": "x", "password": "y"})
    assert b"Too many attempts" in throttled.data


def test_session_cookie_is_httponly_and_samesite(client, auth):
    response = auth.register()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_session_cookie_is_secure_outside_development(client):
    response = client.get("/accounts/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_demo_account_is_labelled_on_profile(client, runner, app):
    assert "Demo data loaded" in runner.invoke(args=["portal", "demo-data"]).output
    token = csrf_token_from(client.get("/accounts/login"))
    client.post("/accounts/login", data={"csrf_token": token, "login": "demo", "password": "demo-password"})
    page = client.get("/accounts/profile").get_data(as_text=True)
    assert "Demo account." in page
    assert "<strong>3</strong> of" in page


def redis_is_reachable() -> bool:
    import socket
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_login_throttle_shared_through_redis(tmp_path):
    """Two app instances (think two gunicorn workers) share one Redis-backed limit."""
    import os
    import uuid
    if not redis_is_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis at 127.0.0.1:6379 is required under CI")
        pytest.skip("no Redis at 127.0.0.1:6379")
    from tests.conftest import build_app, dispose_app
    prefix = uuid.uuid4().hex
    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "LOGIN_RATE_LIMIT": "2 per minute",
                "RATELIMIT_KEY_PREFIX": prefix}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = build_app(tmp_path / "a", **settings), build_app(tmp_path / "b", **settings)
    try:
        statuses = []
        for app in (first, second, second):
            client = app.test_client()
            token = csrf_token_from(client.get("/accounts/login"))
            statuses.append(client.post("/accounts/login", data={
                "csrf_token": token, "login": "x", "password": "y"}).status_code)
        assert statuses == [400, 400, 429]
    finally:
        dispose_app(first)
        dispose_app(second)


def test_form_fields_never_render_python_none_as_attribute_values(client):
    """WTForms prints None as "None": `required="None"` would make every field mandatory."""
    for url in ("/accounts/register", "/accounts/login"):
        body = client.get(url).get_data(as_text=True)
        assert '="None"' not in body
        assert "required" in body
