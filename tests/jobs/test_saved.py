"""Saved jobs and saved searches: save and unsave, ownership, CSRF, the profile lists."""

import re

import pytest

from portal.extensions import db
from portal.jobs.models import SavedJob, SavedSearch
from tests.conftest import AuthActions, csrf_token_from
from tests.jobs.factories import make_posting


@pytest.fixture
def posting_id(app):
    with app.app_context():
        return make_posting(title="Sentiment rater", task_types=["sentiment"]).id


def save(client, posting_id, action="save"):
    token = csrf_token_from(client.get(f"/jobs/{posting_id}"))
    return client.post(f"/jobs/{posting_id}/{action}", data={"csrf_token": token})


def test_save_then_unsave(client, auth, app, posting_id):
    auth.register()
    response = save(client, posting_id)
    assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{posting_id}"
    page = client.get(f"/jobs/{posting_id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and f"/jobs/{posting_id}/unsave" in page
    profile = client.get("/accounts/profile").get_data(as_text=True)
    assert "Saved jobs" in profile and "Sentiment rater" in profile
    save(client, posting_id)  # twice is harmless
    with app.app_context():
        assert db.session.query(SavedJob).count() == 1
    save(client, posting_id, "unsave")
    with app.app_context():
        assert db.session.query(SavedJob).count() == 0
    assert "Sentiment rater" not in client.get("/accounts/profile").get_data(as_text=True)


def test_save_needs_login_and_csrf(client, auth, app, posting_id):
    assert client.post(f"/jobs/{posting_id}/save").status_code == 400  # CSRF is checked first
    token = csrf_token_from(client.get("/accounts/login"))
    response = client.post(f"/jobs/{posting_id}/save", data={"csrf_token": token})
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]
    auth.register()
    response = client.post(f"/jobs/{posting_id}/save", data={})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(SavedJob).count() == 0


def test_saving_a_missing_posting_is_404(client, auth):
    auth.register()
    token = csrf_token_from(client.get("/jobs"))  # any page with the save form
    assert client.post("/jobs/424242/save", data={"csrf_token": token}).status_code == 404


def test_next_cannot_redirect_off_site(client, auth, posting_id):
    auth.register()
    token = csrf_token_from(client.get(f"/jobs/{posting_id}"))
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/jobs/{posting_id}/save", data={"csrf_token": token, "next": target})
        assert response.headers["Location"] == f"/jobs/{posting_id}"
    response = client.post(f"/jobs/{posting_id}/save", data={"csrf_token": token, "next": "/jobs?q=rater"})
    assert response.headers["Location"] == "/jobs?q=rater"


def save_search(client, query="q=rater&remote=remote", name="Remote raters"):
    page = client.get(f"/jobs?{query}")
    token = csrf_token_from(page)
    params = re.search(r'name="params" type="hidden" value="([^"]*)"', page.get_data(as_text=True)).group(1)
    return client.post("/jobs/searches", data={"csrf_token": token, "name": name,
                                               "params": params.replace("&amp;", "&")})


def test_save_search_lists_it_on_the_profile_with_a_feed(client, auth, app):
    auth.register()
    response = save_search(client)
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.query(SavedSearch).one()
        assert saved.params == {"q": "rater", "remote": "remote"}
        assert len(saved.feed_token) >= 40
        token = saved.feed_token
    profile = client.get("/accounts/profile").get_data(as_text=True)
    assert "Remote raters" in profile and f"/jobs/feeds/{token}.atom" in profile
    assert "/jobs?q=rater&amp;remote=remote" in profile


def test_save_search_refuses_bad_input(client, auth, app):
    auth.register()
    token = csrf_token_from(client.get("/jobs"))
    assert client.post("/jobs/searches", data={"csrf_token": token, "name": "", "params": "q=x"}).status_code == 302
    assert client.post("/jobs/searches", data={"csrf_token": token, "name": "x",
                                               "params": "remote=moon"}).status_code == 302
    assert client.post("/jobs/searches", data={"name": "x", "params": "q=x"}).status_code == 400  # no CSRF
    with app.app_context():
        assert db.session.query(SavedSearch).count() == 0


def test_only_the_owner_deletes_a_saved_search(client, auth, app):
    auth.register()
    save_search(client)
    with app.app_context():
        search_id = db.session.query(SavedSearch).one().id
    auth.logout()
    auth.register(username="eve", email="eve@example.org")
    token = csrf_token_from(client.get("/accounts/profile"))
    assert client.post(f"/jobs/searches/{search_id}/delete", data={"csrf_token": token}).status_code == 404
    assert "Remote raters" not in client.get("/accounts/profile").get_data(as_text=True)
    auth.logout()
    auth.login()
    token = csrf_token_from(client.get("/accounts/profile"))
    assert client.post(f"/jobs/searches/{search_id}/delete", data={}).status_code == 400
    assert client.post(f"/jobs/searches/{search_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.query(SavedSearch).count() == 0


def test_saved_jobs_are_private(app, client, posting_id):
    auth = AuthActions(client)
    auth.register()
    save(client, posting_id)
    auth.logout()
    auth.register(username="eve", email="eve@example.org")
    assert "Sentiment rater" not in client.get("/accounts/profile").get_data(as_text=True)
    token = csrf_token_from(client.get(f"/jobs/{posting_id}"))
    client.post(f"/jobs/{posting_id}/unsave", data={"csrf_token": token})  # eve's unsave touches only eve's rows
    with app.app_context():
        assert db.session.query(SavedJob).count() == 1
