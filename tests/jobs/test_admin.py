"""The admin view of job sources: admins see every source's last run; others get a 404."""

import pytest

from portal.accounts.models import User
from portal.extensions import db
from tests.jobs.factories import make_source
from tests.jobs.loopback import LoopbackServer
from tests.jobs.test_ingest import greenhouse_source, run_refresh


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def make_admin(app, username="ada"):
    with app.app_context():
        user = db.session.query(User).filter_by(username=username).one()
        user.is_admin = True
        db.session.commit()


def test_admin_sees_sources_with_their_last_run(app, client, auth):
    auth.register()
    make_admin(app)
    with app.app_context():
        make_source()
        make_source(name="broken-feed", kind="rss", url="https://example.org/feed.xml", last_status="failed",
                    last_error="HTTP 500 from https://example.org/feed.xml <retry later>", last_counts=None)
    html = client.get("/jobs/admin/sources").get_data(as_text=True)
    assert "greenhouse-acme" in html and "greenhouse" in html and "fetched 3, new 2, updated 1, closed 0, skipped 0" in html
    assert "Why" not in html  # nothing skipped, nothing to explain
    assert "broken-feed" in html and "status-failed" in html
    assert "HTTP 500 from https://example.org/feed.xml &lt;retry later&gt;" in html


def test_non_admins_and_visitors_get_404(client, auth, app):
    with app.app_context():
        make_source()
    assert client.get("/jobs/admin/sources").status_code == 404
    auth.register()
    response = client.get("/jobs/admin/sources")
    assert response.status_code == 404 and "greenhouse-acme" not in response.get_data(as_text=True)


def test_empty_admin_view_explains(app, client, auth):
    auth.register()
    make_admin(app)
    assert "No sources are configured yet" in client.get("/jobs/admin/sources").get_data(as_text=True)


def test_admin_sees_why_listings_were_skipped(app, client, auth, server):
    auth.register()
    make_admin(app)
    run_refresh(app, [greenhouse_source(server)])
    html = client.get("/jobs/admin/sources").get_data(as_text=True)
    assert "merged 0" in html and "Why they were skipped" in html
    assert "title matches excluded &#39;account executive&#39;" in html
