"""Guide pages over HTTP: index, guide, search and reading progress."""

import pytest

from portal.practice.catalog import TASK_TYPES
from tests.conftest import csrf_token_from


def test_index_groups_guides_by_category(client):
    response = client.get("/guides")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for title in ("Image annotation", "Text annotation", "Audio &amp; video", "Career", "Home setup"):
        assert title in page
    assert "min read" in page
    assert 'href="/guides/bounding-boxes"' in page


def test_guide_page_has_toc_figures_pager_and_practice_link(client):
    page = client.get("/guides/polygons").get_data(as_text=True)
    assert "On this page" in page
    assert 'href="#how-it-is-scored"' in page
    assert "<svg" in page
    assert 'rel="next"' in page and 'rel="prev"' in page
    assert 'href="/practice/polygon"' in page


@pytest.mark.parametrize("slug", sorted(TASK_TYPES))
def test_every_practice_link_target_exists(client, slug):
    response = client.get(f"/practice/{slug}")
    assert response.status_code == 200
    assert TASK_TYPES[slug].title.encode() in response.data


def test_unknown_guide_is_404(client):
    assert client.get("/guides/no-such-guide").status_code == 404
    assert client.get("/guides/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_search_page_ranks_and_highlights(client):
    page = client.get("/guides/search?q=iou").get_data(as_text=True)
    assert "<mark>" in page
    assert page.index("/guides/bounding-boxes") < page.index("/guides/polygons")


def test_search_page_escapes_the_query(client):
    page = client.get("/guides/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_search_with_sql_looking_query_is_fine(client):
    response = client.get("/guides/search?q=' OR '1'='1")
    assert response.status_code == 200


def test_empty_search_shows_the_form(client):
    response = client.get("/guides/search")
    assert response.status_code == 200
    assert b'name="q"' in response.data


def test_marking_read_needs_login(client):
    token = csrf_token_from(client.get("/accounts/login"))
    response = client.post("/guides/bounding-boxes/read", data={"csrf_token": token, "read": "1"})
    assert response.status_code == 302
    assert "/accounts/login" in response.headers["Location"]


def test_mark_and_unmark_read_shows_on_profile(client, auth):
    auth.register()
    token = csrf_token_from(client.get("/guides/polygons"))
    response = client.post("/guides/polygons/read", data={"csrf_token": token, "read": "1"})
    assert response.status_code == 302
    profile = client.get("/accounts/profile").get_data(as_text=True)
    assert "<strong>1</strong> of" in profile
    assert 'href="/guides/polygons"' in profile
    assert "Mark as unread" in client.get("/guides/polygons").get_data(as_text=True)

    token = csrf_token_from(client.get("/guides/polygons"))
    client.post("/guides/polygons/read", data={"csrf_token": token, "read": "0"})
    assert "<strong>0</strong> of" in client.get("/accounts/profile").get_data(as_text=True)


def test_marking_read_twice_keeps_one_record(client, auth, app):
    from portal.extensions import db
    from portal.guides.models import GuideRead
    auth.register()
    for _ in range(2):
        token = csrf_token_from(client.get("/guides/keypoints"))
        client.post("/guides/keypoints/read", data={"csrf_token": token, "read": "1"})
    with app.app_context():
        assert db.session.query(GuideRead).count() == 1


def test_mark_read_without_csrf_token_is_refused(client, auth, app):
    from portal.extensions import db
    from portal.guides.models import GuideRead
    auth.register()
    response = client.post("/guides/keypoints/read", data={"read": "1"})
    assert response.status_code == 400
    assert b"expired" in response.data
    with app.app_context():
        assert db.session.query(GuideRead).count() == 0


def test_mark_read_on_unknown_guide_is_404(client, auth):
    auth.register()
    token = csrf_token_from(client.get("/guides/keypoints"))
    assert client.post("/guides/nope/read", data={"csrf_token": token}).status_code == 404


def test_cached_anonymous_page_never_leaks_into_a_logged_in_view(client, auth):
    anonymous = client.get("/guides/polygons").get_data(as_text=True)
    assert "to track which guides you have read" in anonymous
    auth.register()
    personal = client.get("/guides/polygons").get_data(as_text=True)
    assert "Mark as read" in personal
    assert "to track which guides you have read" not in personal


def test_flash_messages_bypass_the_page_cache(client, auth):
    client.get("/guides/keypoints")  # cache the anonymous page
    auth.register()
    auth.logout()  # flashes "You are logged out" for the next page
    page = client.get("/guides/keypoints").get_data(as_text=True)
    assert "You are logged out" in page


def test_page_cache_is_bounded():
    from portal.page_cache import PageCache
    cache = PageCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.get_or_render((key,), lambda key=key: key.upper())
    assert len(cache) == 2
    assert cache.get_or_render(("a",), lambda: "fresh") == "fresh"
    assert cache.get_or_render(("c",), lambda: "stale?") == "C"
