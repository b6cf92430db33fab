"""The board and posting pages: cards, filters in the URL, labels, warnings, escaping."""

import re

import pytest

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.services import age_label, link_host, pay_label
from tests.jobs.factories import make_posting, make_source


def page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("fields, expected", [
    ({"pay_min": 15, "pay_max": 25, "pay_currency": "USD", "pay_period": "hour"}, "$15–25 / hour"),
    ({"pay_min": 40000, "pay_max": None, "pay_currency": "USD", "pay_period": "year"}, "from $40,000 / year"),
    ({"pay_min": None, "pay_max": 20.5, "pay_currency": "EUR", "pay_period": "hour"}, "up to €20.50 / hour"),
    ({"pay_min": 12, "pay_max": 12, "pay_currency": "PLN", "pay_period": "hour"}, "12 PLN / hour"),
    ({"pay_min": None, "pay_max": None, "pay_currency": None, "pay_period": None}, None),
])
def test_pay_label(fields, expected):
    class Posting:
        pass
    posting = Posting()
    posting.__dict__.update(fields)
    assert pay_label(posting) == expected


def test_age_label():
    now = utcnow()
    from datetime import timedelta
    assert age_label(now, now) == "today"
    assert age_label(now - timedelta(days=1, hours=2), now) == "yesterday"
    assert age_label(now - timedelta(days=3), now) == "3 days ago"
    assert age_label(now - timedelta(days=21), now) == "3 weeks ago"
    assert age_label(now - timedelta(days=95), now) == "3 months ago"
    assert age_label(None, now) is None


def test_board_cards_show_the_facts(app, client):
    with app.app_context():
        make_posting(title="Spanish transcriber", company="Voz Data", location="Remote, Spain", pay_min=15,
                     pay_max=25, pay_currency="USD", pay_period="hour", pay_source="text",
                     task_types=["transcription", "not-a-task"], age_days=3)
    html = page_text(client.get("/jobs"))
    assert "1 job" in html
    assert "Spanish transcriber" in html and "Voz Data" in html and "Remote, Spain" in html
    assert "$15–25 / hour" in html and "(from the text)" in html
    assert "3 days ago" in html
    assert 'href="/guides/transcription"' in html and 'href="/practice/transcription"' in html
    assert "not-a-task" not in html
    assert ">Remote<" in html


def test_nav_marks_jobs_current(client):
    html = page_text(client.get("/jobs"))
    assert re.search(r'<a href="/jobs"\s+aria-current="page">Jobs</a>', html)


def test_closed_postings_are_hidden(app, client):
    with app.app_context():
        make_posting(title="Gone job", closed_at=utcnow())
        make_posting(title="Open job")
    html = page_text(client.get("/jobs"))
    assert "Open job" in html and "Gone job" not in html


def test_sample_label_and_demo_banner(app, client):
    assert "demo snapshot" not in page_text(client.get("/jobs"))
    with app.app_context():
        make_posting(title="Example job", is_sample=True)
    html = page_text(client.get("/jobs"))
    assert "demo snapshot" in html and "Sample data" in html


def test_flagged_postings_carry_warnings(app, client):
    with app.app_context():
        posting = make_posting(title="Easy money", flags=[{"code": "asks_for_payment",
                                                           "message": "Asks you to pay a training fee."}])
        posting_id = posting.id
    board = page_text(client.get("/jobs"))
    assert "Scam warning:</strong> Asks for payment." in board
    assert f'href="/jobs/{posting_id}#warnings"' in board
    detail = page_text(client.get(f"/jobs/{posting_id}"))
    assert "Warning signs in this posting" in detail
    assert "<strong>Asks for payment:</strong> Asks you to pay a training fee." in detail
    assert 'href="/guides/recognising-job-scams"' in detail
    assert "Easy money" not in page_text(client.get("/jobs?hide_flagged=1"))


def test_filters_round_trip_through_the_url(app, client):
    with app.app_context():
        for day in range(25):
            make_posting(title=f"Remote rater {day}", remote="remote", age_days=day, commit=False)
        make_posting(title="Office rater", remote="on-site")
        db.session.commit()
    html = page_text(client.get("/jobs?q=rater&remote=remote&sort=newest"))
    assert "25 jobs" in html and "Office rater" not in html
    assert 'value="rater"' in html
    assert '<option selected value="remote">' in html
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "remote=remote" in next_link and "q=rater" in next_link and "page=2" in next_link
    second = page_text(client.get(next_link))
    assert "Remote rater 20" in second and "Page 2 of 2" in second


def test_bad_filter_is_a_400_with_the_reason(client):
    response = client.get("/jobs?min_hourly=lots")
    assert response.status_code == 400
    html = page_text(response)
    assert "min_hourly must be a number" in html
    assert 'aria-invalid="true"' in html


def test_empty_state_helps(client):
    html = page_text(client.get("/jobs?q=zzzz&remote=hybrid"))
    assert "No jobs match" in html and "Clear every filter" in html and "save this search" in html


def test_titles_and_companies_are_escaped(app, client):
    with app.app_context():
        posting = make_posting(title="<script>alert('t')</script>Annotator", company="<img src=x onerror=alert(1)>",
                               location="<b>Nowhere</b>", description_html="<p>Safe <strong>text</strong></p>")
        posting_id = posting.id
    for html in (page_text(client.get("/jobs")), page_text(client.get(f"/jobs/{posting_id}"))):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Nowhere" not in html
        assert "&lt;script&gt;" in html
    assert "<strong>text</strong>" in page_text(client.get(f"/jobs/{posting_id}"))  # sanitized HTML renders


def test_detail_page_lists_sources_practice_links_and_remotive_credit(app, client):
    with app.app_context():
        make_source(name="remotive", kind="remotive", url="https://remotive.com/api/remote-jobs")
        posting = make_posting(title="Keypoint labeller", sources=("greenhouse-acme", "remotive"),
                               task_types=["keypoints"])
        posting_id = posting.id
    html = page_text(client.get(f"/jobs/{posting_id}"))
    assert 'href="https://greenhouse-acme.example.com/jobs/' in html and 'href="https://remotive.example.com/jobs/' in html
    assert ">greenhouse-acme.example.com</a>" in html and ">remotive.example.com</a>" in html  # hosts, not URLs
    assert "Remotive remote jobs API, via <a" in html and html.count("via <a") == 1
    assert 'href="https://remotive.com"' in html and html.count("first seen today") == 2
    assert "Practise the skills this job needs" in html and 'href="/practice/keypoints"' in html


def test_closed_posting_page_says_so_and_missing_is_404(app, client):
    with app.app_context():
        posting_id = make_posting(title="Old", closed_at=utcnow()).id
    assert "This posting closed on" in page_text(client.get(f"/jobs/{posting_id}"))
    assert client.get("/jobs/999999").status_code == 404


def test_pages_load_only_local_assets(client):
    html = page_text(client.get("/jobs"))
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "/static/css/jobs.css" in html and "/static/js/jobs/board.js" in html
    for asset in ("/static/js/jobs/board.js", "/static/css/jobs.css", "/static/js/jobs/copy-feed.js"):
        response = client.get(asset)
        response.close()
        assert response.status_code == 200


@pytest.mark.parametrize(("url", "shown"), [
    ("https://job-boards.greenhouse.io/scaleai/jobs/1", "job-boards.greenhouse.io"),
    ("https://www.welocalize.com/careers/?gh_jid=7", "welocalize.com"),
    ("https://[::1", "https://[::1"),  # unparseable: shown as it is, never an error page
    ("not a url", "not a url"),
])
def test_source_links_show_their_host(url, shown):
    assert link_host(url) == shown
